// Names that are members of Object.prototype (`constructor`, `toString`, ...) as application and
// node names, all the way: config files, the wire formats' schemas, node state parsing, a deploy
// on fake nodes through the real command line. `__proto__` is never a valid name; where a node
// could send it as a key, it is refused as data, never turned into a prototype.
import { expect } from 'chai';
import { main } from '../../src/deploy/cli.js';
import type { CliIO } from '../../src/deploy/cli.js';
import { deploy } from '../../src/deploy/driver.js';
import { parseNodeState } from '../../src/deploy/node-state.js';
import { renderEnvFile, parseEnvFile } from '../../src/docker/env-file.js';
import { FlockerError } from '../../src/errors.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { NodeState } from '../../src/model/state.js';
import { linkEnvironment } from '../../src/plan/links.js';
import { parseChangestateInput } from '../../src/validation/changestate-input.js';
import { validateNodeState } from '../../src/validation/node-state.js';
import {
  validateDeploymentConfigSchema,
  validateEntrySchema,
  validateMembershipSchema,
} from '../../src/validation/validators.js';
import { fakeCluster } from '../helpers/fake-cluster.js';
import { PROTO_NAMES } from '../helpers/proto-names.js';

const FILES = ['fixtures/proto-names/deployment.yml', 'fixtures/proto-names/application.yml'];

function io(connect: CliIO['connect']): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    interactive: false,
    now: () => new Date(0),
    connect,
  };
}

function stateWith(apps: string[]): NodeState {
  return {
    protocol: 1,
    node: { hostname: 'h', machine_id: '0123456789abcdef0123456789abcdef' },
    applications: Object.fromEntries(
      apps.map((a) => [
        a,
        { spec: { image: 'busybox:latest', restart_policy: { name: 'never' } }, running: true },
      ]),
    ),
    owned_volumes: apps.map((name) => ({ name, snapshots: [], role: 'owner' as const, epoch: 1 })),
    volume_copies: [],
    routes: [],
    membership: {
      format: 'flocker-cluster/1',
      nodes: apps,
      volumes: Object.fromEntries(apps.map((a) => [a, { owner: a, epoch: 1 }])),
      written_at: '2026-01-01T00:00:00.000Z',
    },
  };
}

describe('names that Object.prototype has', () => {
  it('the schemas take them as data: app, node, environment and volume names', () => {
    for (const n of PROTO_NAMES) {
      expect(validateEntrySchema({ image: 'x', environment: { [n]: 'v' } }), n).to.equal(true);
      expect(validateDeploymentConfigSchema({ version: 1, nodes: { [n]: [n] } }), n).to.equal(true);
      expect(validateMembershipSchema(stateWith([n]).membership), n).to.equal(true);
      expect(validateNodeState(stateWith([n])), n).to.deep.equal([]);
    }
  });

  it('node state: parsed with each name as its own key; a `__proto__` app is refused (E_PROTOCOL), no prototype set', () => {
    const s = parseNodeState('n1', JSON.stringify(stateWith(PROTO_NAMES)));
    for (const n of PROTO_NAMES) {
      expect(Object.hasOwn(s.applications, n), n).to.equal(true);
      expect(s.applications[n]?.spec.image).to.equal('busybox:latest');
    }
    const text = JSON.stringify(stateWith(['web'])).replace(
      '"applications":{"web"',
      '"applications":{"__proto__"',
    );
    expect(text).to.include('"__proto__"');
    let err: unknown;
    try {
      parseNodeState('n1', text);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(FlockerError);
    expect((err as FlockerError).code).to.equal('E_PROTOCOL');
    expect((err as FlockerError).message).to.include('/applications');
    expect(({} as Record<string, unknown>).spec).to.equal(undefined);
  });

  it('changestate input: nodes, peers and apps with these names pass; `__proto__` as self is refused', () => {
    const [a, b] = ['constructor', 'toString'];
    const app = toApplication(a, { image: 'busybox' });
    const input = {
      protocol: 1,
      phase: 'start',
      self: a,
      desired: { applications: { [a]: app }, nodes: { [a]: [a], [b]: [] } },
      cluster: {
        nodes: {
          [a]: { address: '198.51.100.2', state: stateWith([]) },
          [b]: { address: '198.51.100.3', state: stateWith([]) },
        },
      },
      peers: {
        [a]: { address: '198.51.100.2', port: 22, host_key: 'ssh-ed25519 AAAA' },
        [b]: { address: '198.51.100.3', port: 22, host_key: 'ssh-ed25519 BBBB' },
      },
      audit: { user: 'u', config_hash: 'h', started_at: '2026-01-01T00:00:00.000Z' },
    };
    expect(parseChangestateInput(JSON.stringify(input)).self).to.equal(a);
    expect(() => parseChangestateInput(JSON.stringify({ ...input, self: 'valueOf' }))).to.throw(/self/);
    expect(() => parseChangestateInput(JSON.stringify({ ...input, self: '__proto__' }))).to.throw(/self/);
  });

  it('environment and link variables: `__proto__` and these names are plain variables', () => {
    const env = JSON.parse('{"__proto__":"p","constructor":"c","toString":"t"}') as Record<string, string>;
    expect(renderEnvFile(env, {})).to.equal('__proto__=p\nconstructor=c\ntoString=t\n');
    const parsed = parseEnvFile('__proto__=p\nconstructor=c\n');
    expect(Object.keys(parsed)).to.deep.equal(['__proto__', 'constructor']);
    expect(Object.hasOwn(parsed, '__proto__')).to.equal(true);
    const app = toApplication('constructor', {
      image: 'busybox',
      links: [{ local_port: 80, remote_port: 8080, alias: 'constructor' }],
      environment: env,
    });
    expect(Object.keys(toConfigEntry(app).environment ?? {})).to.deep.equal([
      '__proto__',
      'constructor',
      'toString',
    ]);
    expect(Object.keys(linkEnvironment(app, '198.51.100.2'))).to.include('CONSTRUCTOR_PORT_80_TCP');
  });

  it('a fake-cluster deploy of an app named constructor on a node named toString starts it; a move follows', async () => {
    const c = fakeCluster(['toString', 'valueOf']);
    const app = toApplication('constructor', {
      image: 'busybox',
      ports: [{ internal: 80, external: 8080 }],
      volume: { mountpoint: '/data' },
    });
    const d = (on: string) => ({
      applications: { constructor: app },
      nodes: Object.fromEntries([
        ['toString', on === 'toString' ? ['constructor'] : []],
        ['valueOf', on === 'valueOf' ? ['constructor'] : []],
      ]),
    });
    const opts = (on: string) => ({
      desired: d(on),
      dryRun: false,
      connect: c.connect,
      emit: () => undefined,
      user: 'tester',
    });
    await deploy(opts('toString'));
    expect([...c.nodes.get('toString')!.running.keys()]).to.deep.equal(['constructor']);
    await deploy(opts('valueOf'));
    expect([...c.nodes.get('toString')!.running.keys()]).to.deep.equal([]);
    expect([...c.nodes.get('valueOf')!.running.keys()]).to.deep.equal(['constructor']);
    const again = await deploy(opts('valueOf'));
    expect(again.plan.phases).to.deep.equal([]);
  });

  it('the command line deploys fixtures/proto-names (every app named after a prototype member): exit 0', async () => {
    const c = fakeCluster(['constructor', 'toString', 'valueOf']);
    const t = io(c.connect);
    const code = await main([...FILES], t);
    expect(t.err.join('')).to.not.match(/TypeError|at .*\.js:\d+/);
    expect(code).to.equal(0);
    expect([...c.nodes.get('constructor')!.running.keys()].sort()).to.deep.equal(['constructor', 'toString']);
    expect([...c.nodes.get('valueOf')!.running.keys()].sort()).to.deep.equal([
      'hasOwnProperty',
      'isPrototypeOf',
      'valueOf',
    ]);
    const env = c.nodes.get('constructor')!.running.get('constructor')!.env;
    expect(env).to.deep.include({ constructor: 'a', toString: 'b', hasOwnProperty: 'c' });
    expect(c.nodes.get('constructor')!.running.get('toString')!.env.VALUEOF_PORT_80_TCP).to.equal(
      'tcp://198.51.100.2:8080',
    );
    // a repeat changes nothing
    const t2 = io(c.connect);
    expect(await main(['--dry-run', '--json', ...FILES], t2)).to.equal(0);
    expect((JSON.parse(t2.out.join('')) as { changes: number }).changes).to.equal(0);
  });
});
