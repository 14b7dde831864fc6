import { expect } from 'chai';
import { deploy } from '../../src/deploy/deploy.js';
import type { DeployOptions } from '../../src/deploy/deploy.js';
import { toApplication } from '../../src/model/canonical.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { DeployEvent } from '../../src/model/events.js';
import { fakeCluster } from '../helpers/fake-cluster.js';

const web = toApplication('web', {
  image: 'busybox',
  ports: [{ internal: 80, external: 8080 }],
  volume: { mountpoint: '/data' },
});
const api = toApplication('api', {
  image: 'busybox',
  ports: [{ internal: 5000, external: 5000 }],
  links: [{ local_port: 80, remote_port: 8080, alias: 'web' }],
});
const desired = (n1: string[], n2: string[], apps = [web, api]): DesiredConfig => ({
  applications: Object.fromEntries(apps.map((a) => [a.name, a])),
  nodes: { n1, n2 },
});

function opts(
  c: ReturnType<typeof fakeCluster>,
  d: DesiredConfig,
  events: DeployEvent[] = [],
  dryRun = false,
): DeployOptions {
  return { desired: d, dryRun, connect: c.connect, emit: (e) => events.push(e), user: 'tester' };
}

describe('deploy (fake nodes running the real planner and interpreter)', () => {
  it('deploys, moves an app with its volume, and a second identical deploy changes nothing', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const n1 = c.nodes.get('n1')!;
    const n2 = c.nodes.get('n2')!;
    const first = await deploy(opts(c, desired(['web'], ['api'])));
    expect(first.applied).to.equal(true);
    expect([...n1.running.keys()]).to.deep.equal(['web']);
    expect(n2.running.get('api')?.env.WEB_PORT_80_TCP).to.equal('tcp://198.51.100.3:8080');
    expect(n2.routes).to.deep.equal([{ port: 8080, target_address: '198.51.100.2', target_port: 8080 }]);

    const events: DeployEvent[] = [];
    const move = await deploy(opts(c, desired([], ['web', 'api']), events));
    expect(move.plan.phases.map((p) => p.phase)).to.deep.equal(['push', 'stop', 'start', 'routes']);
    expect(n1.running.size).to.equal(0);
    expect((await n2.volumes.get('web'))?.owned).to.equal(true);
    expect((await n1.volumes.get('web'))?.owned).to.equal(false);
    expect(n2.starts).to.deep.equal(['api', 'web']);
    const done = events
      .filter((e) => e.type === 'change-done')
      .map((e) => (e.type === 'change-done' ? e.detail : undefined));
    expect(done.filter(Boolean).map((d) => d?.incremental)).to.deep.equal([false, true]);

    const again = await deploy(opts(c, desired([], ['web', 'api'])));
    expect(again).to.deep.include({ applied: false, plan: { phases: [] } });
    expect(n2.starts).to.deep.equal(['api', 'web']);
  });

  it('dry-run changes nothing', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const r = await deploy(opts(c, desired(['web'], ['api']), [], true));
    expect(r.applied).to.equal(false);
    expect(r.plan.phases.length).to.equal(2);
    expect(c.nodes.get('n1')!.starts).to.deep.equal([]);
    expect(c.nodes.get('n1')!.audit).to.deep.equal([]);
  });

  it('a failing node stops later phases and names the node, change and stderr; the audit records it', async () => {
    const c = fakeCluster(['n1', 'n2']);
    c.nodes.get('n1')!.failOn = 'start web';
    const err = await deploy(opts(c, desired(['web'], ['api']))).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(
      /^n1: changestate failed in phase start: flocker-changestate apply \(exit 1\)\nflocker-changestate: start web .*pull access denied/,
    );
    expect(c.nodes.get('n2')!.routes).to.deep.equal([]); // routes phase did not run
    const line = JSON.parse(c.nodes.get('n1')!.audit[0]!) as { result: string; user: string };
    expect(line.user).to.equal('tester');
    expect(line.result).to.match(/^failed: /);
  });

  it('a node without flocker installed gets an error saying how to fix it', async () => {
    const c = fakeCluster(['n1', 'n2']);
    c.nodes.get('n2')!.installed = false;
    const err = await deploy(opts(c, desired(['web'], ['api']))).catch((e: Error) => e);
    expect((err as Error).message).to.match(
      /^n2: flocker-reportstate is not installed on this node .*npm install -g flocker/,
    );
  });

  it('refuses two node names that are the same machine', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const d: DesiredConfig = { applications: { web }, nodes: { n1: ['web'], n2: [] } };
    const err = await deploy({
      ...opts(c, d),
      connect: async () =>
        new Map([
          ['n1', c.nodes.get('n1')!.connection()],
          ['n2', c.nodes.get('n1')!.connection()],
        ]),
    }).catch((e: Error) => e);
    expect((err as Error).message).to.match(/nodes n1 and n2 of the deployment are the same machine/);
  });
});
