import { expect } from 'chai';
import { gatherState, readIdentity } from '../../src/reportstate/gather.js';
import { validateNodeState } from '../../src/validation/node-state.js';
import { preflightProblems } from '../../src/reportstate/preflight.js';
import { FakeApplicationUnits } from '../../src/systemd/application-units.js';
import { FakeRouteTable } from '../../src/routing/route-table.js';
import { MemoryNodeFiles } from '../../src/exec/node-files.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';
import { toApplication } from '../../src/model/canonical.js';
import type { CommandRunner } from '../../src/exec/runner.js';

const MID = '0123456789abcdef0123456789abcdef';

describe('reportstate gatherState', function () {
  it('reports identity, applications (config shape), owned volumes, copies and routes', async function () {
    const units = new FakeApplicationUnits();
    const web = toApplication('web', {
      image: 'nginx',
      ports: [{ internal: 80, external: 8080 }],
      volume: { mountpoint: '/data' },
      environment: { A: '1' },
    });
    await units.start(web, { linkEnvironment: {}, volumePath: '/flocker/web' });
    await units.start(toApplication('a-cache', { image: 'redis:7' }), { linkEnvironment: {} });
    const volumes = new FakeVolumeStore();
    await volumes.create('web');
    volumes.write('web', 'hello');
    const snap = await volumes.snapshot('web');
    await volumes.create('old', 'n2');
    await volumes.setRecord('old', { role: 'handing-off', handoff: { to: 'n3', epoch: 2 } });
    const webVol = (await volumes.get('web'))!;
    const old = (await volumes.get('old'))!;
    const routes = new FakeRouteTable();
    await routes.set([{ port: 9000, target_address: '198.51.100.3', target_port: 9000 }]);
    const state = await gatherState({
      identity: () => Promise.resolve({ hostname: 'n1', machine_id: MID }),
      units,
      volumes,
      routes,
    });
    const since = units.apps.get('web')!.since!;
    expect(units.apps.get('a-cache')!.since).to.equal(since);
    expect(state).to.deep.equal({
      protocol: 1,
      node: { hostname: 'n1', machine_id: MID },
      applications: {
        'a-cache': {
          spec: { image: 'redis:7', restart_policy: { name: 'never' } },
          running: true,
          unit_state: 'active',
          since,
        },
        web: {
          spec: {
            image: 'nginx:latest',
            ports: [{ internal: 80, external: 8080 }],
            volume: { mountpoint: '/data' },
            environment: { A: '1' },
            restart_policy: { name: 'never' },
          },
          running: true,
          unit_state: 'active',
          since,
        },
      },
      // the ownership records as they are: role, epoch, owner, lineage, intent, newest GUID
      owned_volumes: [
        {
          name: 'web',
          snapshots: [snap],
          role: 'owner',
          epoch: 1,
          owner: 'fake',
          lineage: webVol.lineage,
          newest_guid: webVol.guids[snap],
          bytes: 5,
        },
      ],
      volume_copies: [
        {
          name: 'old',
          snapshots: [],
          role: 'handing-off',
          epoch: 1,
          owner: 'n2',
          lineage: old.lineage,
          handoff: { to: 'n3', epoch: 2 },
          bytes: 0,
        },
      ],
      routes: [{ port: 9000, target_address: '198.51.100.3', target_port: 9000 }],
    });
    expect(Object.keys(state.applications)).to.deep.equal(['a-cache', 'web']);
    expect(validateNodeState(JSON.parse(JSON.stringify(state)))).to.deep.equal([]);
  });

  it('reads identity from files; the peer key is optional', async function () {
    const files = new MemoryNodeFiles();
    let err: unknown;
    try {
      await readIdentity(files, 'n1');
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/\/etc\/machine-id is missing/);
    await files.write('/etc/machine-id', `${MID}\n`, 0o444);
    expect(await readIdentity(files, 'n1')).to.deep.equal({ hostname: 'n1', machine_id: MID });
    await files.write('/var/lib/flocker/peer/id_ed25519.pub', 'ssh-ed25519 AAAA flocker\n', 0o644);
    expect(await readIdentity(files, 'n1')).to.deep.equal({
      hostname: 'n1',
      machine_id: MID,
      peer_public_key: 'ssh-ed25519 AAAA flocker',
    });
  });
});

describe('NodeState schema', function () {
  const ok = {
    protocol: 1,
    node: { hostname: 'n1', machine_id: MID },
    applications: {
      web: { spec: { image: 'nginx:latest', restart_policy: { name: 'never' } }, running: false },
    },
    owned_volumes: [],
    volume_copies: [],
    routes: [],
  };
  it('accepts a valid document', function () {
    expect(validateNodeState(ok)).to.deep.equal([]);
  });
  it('networks: reports the guard of cluster-only ports as installed, checked by the schema', async function () {
    const routes = new FakeRouteTable();
    await routes.set([], { ports: [61712], sources: ['198.51.100.2'] });
    const state = await gatherState({
      identity: () => Promise.resolve({ hostname: 'n1', machine_id: MID }),
      units: new FakeApplicationUnits(),
      volumes: new FakeVolumeStore(),
      routes,
    });
    expect(state.route_guard).to.deep.equal({ ports: [61712], sources: ['198.51.100.2'] });
    expect(validateNodeState(JSON.parse(JSON.stringify(state)))).to.deep.equal([]);
    const bad = { ...ok, route_guard: { ports: [], sources: ['x'] } };
    expect(validateNodeState(bad).join('\n'))
      .to.match(/route_guard\/ports/)
      .and.to.match(/route_guard\/sources\/0/);
  });
  it('names every problem: protocol, extra keys, bad spec, bad route', function () {
    const bad = {
      ...ok,
      protocol: 2,
      extra: true,
      applications: {
        web: { spec: { image: 'nginx', ports: [{ internal: 0, external: 1 }] }, running: 'yes' },
      },
      routes: [{ port: 70000, target_address: 'x', target_port: 1 }],
    };
    const problems = validateNodeState(bad).join('\n');
    expect(problems).to.match(/\/protocol/);
    expect(problems).to.match(/\(document\).*extra/);
    expect(problems).to.match(/\/applications\/web\/spec\/ports\/0\/internal/);
    expect(problems).to.match(/\/applications\/web\/running/);
    expect(problems).to.match(/\/routes\/0\/port/);
  });
});

describe('reportstate preflight', function () {
  it('names what is missing or not answering', async function () {
    const runner: CommandRunner = {
      host: 'n1',
      run: (argv) =>
        Promise.resolve(
          argv[0] === 'docker'
            ? { code: 127, stdout: '', stderr: 'docker: command not found' }
            : argv[0] === 'zfs'
              ? { code: 1, stdout: '', stderr: 'connect: No such file or directory\nmore' }
              : { code: 0, stdout: '', stderr: '' },
        ),
    };
    const problems = await preflightProblems(runner);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^docker: not installed/);
    expect(problems[1]).to.match(/^zfs: not usable: zfs list -H -o name exited 1: connect: No such file/);
  });
});

describe('reportstate membership', () => {
  it('reports the membership the node keeps, and refuses a damaged record (E_PROTOCOL)', async () => {
    const { MemoryNodeFiles } = await import('../../src/exec/node-files.js');
    const { MEMBERSHIP_FILE, readMembership } = await import('../../src/reportstate/gather.js');
    const files = new MemoryNodeFiles();
    expect(await readMembership(files)).to.equal(undefined);
    const m = {
      format: 'flocker-cluster/1',
      nodes: ['n1', 'n2'],
      volumes: { web: { owner: 'n2', epoch: 3 } },
      written_at: '2026-12-01T07:00:00.000Z',
    };
    await files.write(MEMBERSHIP_FILE, JSON.stringify(m), 0o600);
    expect(await readMembership(files)).to.deep.equal(m);
    await files.write(MEMBERSHIP_FILE, JSON.stringify({ ...m, volumes: { web: { owner: 'n2' } } }), 0o600);
    const err = await readMembership(files).then(
      () => undefined,
      (e: { code?: string; message?: string }) => e,
    );
    expect(err?.code).to.equal('E_PROTOCOL');
    expect(err?.message).to.match(/cluster\.json: .*epoch/);
  });
});
