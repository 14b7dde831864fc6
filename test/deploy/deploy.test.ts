// The deploy driver on in-process fake nodes that run the real planner and interpreter: what it
// does to the nodes, and the events it emits, as data.
import { shownChange } from '../../src/plan/shown.js';
import { expect } from 'chai';
import { deploy } from '../../src/deploy/driver.js';
import type { DeployOptions } from '../../src/deploy/driver.js';
import { AggregateNodeError, exitCodeFor, FlockerError, PhaseError } from '../../src/errors.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { ClusterPlan, PhaseName } from '../../src/model/changes.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { DeployEvent, StepName } from '../../src/model/events.js';
import { leaves } from '../../src/plan/planner.js';
import { fakeCluster, type FakeNode } from '../helpers/fake-cluster.js';

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
const addresses = { n1: '198.51.100.2', n2: '198.51.100.3' };

function opts(
  c: ReturnType<typeof fakeCluster>,
  d: DesiredConfig,
  events: DeployEvent[] = [],
  dryRun = false,
): DeployOptions {
  return { desired: d, dryRun, connect: c.connect, emit: (e) => events.push(e), user: 'tester' };
}

/** another deploy holds n1's deploy lock (as `flocker-changestate lock` would hold it) */
async function holdLock(c: ReturnType<typeof fakeCluster>, node: string) {
  const lock = c.nodes.get(node)!.lock;
  const held = await lock.locks.acquire(`${lock.dir}/deploy.lock`, 'exclusive', 0);
  const record = {
    deploy_id: 'other-deploy-0001',
    user: 'bob@ci',
    from: 'ci-runner',
    deploy_pid: 77,
    started_at: '2026-12-01T06:00:00.000Z',
    config_hash: 'cafe',
    pid: 4001,
  };
  await lock.files.write(`${lock.dir}/holder.json`, JSON.stringify(record), 0o600);
  return held!;
}

async function failure(p: Promise<unknown>): Promise<FlockerError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).to.be.instanceOf(FlockerError);
  return e as FlockerError;
}

/** Durations are not data a test can know. */
const noMs = (e: DeployEvent): DeployEvent => ('ms' in e ? { ...e, ms: 0 } : e);
/** The driver's own events (steps, plan, phases, audit, end), durations zeroed. */
const driverEvents = (events: readonly DeployEvent[]) => events.filter((e) => !('node' in e)).map(noMs);
/** One node's events, as type, phase and change. */
const nodeEvents = (events: readonly DeployEvent[], node: string) =>
  events.flatMap((e) =>
    'node' in e && 'change' in e && e.node === node && e.type !== 'transfer-progress'
      ? [{ type: e.type, phase: e.phase, change: e.change }]
      : [],
  );
/** What a node reports when it does its part of the plan: each leaf started then done. */
const planned = (p: ClusterPlan, node: string) =>
  p.phases.flatMap((ph) =>
    leaves(ph.nodes[node] ?? { kind: 'sequentially', changes: [] }).flatMap((change) => [
      { type: 'change-start', phase: ph.phase, change },
      { type: 'change-done', phase: ph.phase, change },
    ]),
  );
const phaseEvents = (phase: PhaseName, nodes: string[]): DeployEvent[] => [
  { type: 'phase-start', phase, nodes },
  { type: 'phase-done', phase, ms: 0 },
];
const steps = (...names: StepName[]): DeployEvent[] =>
  names.flatMap((step): DeployEvent[] => [
    { type: 'step-start', step, nodes: ['n1', 'n2'] },
    { type: 'step-done', step, ms: 0 },
  ]);

describe('deploy driver (fake nodes running the real planner and interpreter)', () => {
  it('deploys: steps, plan, phases, audit and end as events; nodes report the plan changes as data', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const events: DeployEvent[] = [];
    const r = await deploy(opts(c, desired(['web'], ['api']), events));
    expect(r).to.deep.include({ applied: true, addresses });
    expect(r.plan.phases.map((p) => p.phase)).to.deep.equal(['check', 'start', 'routes']);
    expect(driverEvents(events)).to.deep.equal([
      ...steps('connect', 'lock', 'gather state'),
      { type: 'plan', plan: r.plan, addresses, volumes: {} },
      ...phaseEvents('check', ['n1', 'n2']),
      ...phaseEvents('start', ['n1', 'n2']),
      ...phaseEvents('routes', ['n1', 'n2']),
      { type: 'audit', nodes: ['n1', 'n2'], result: 'ok' },
      { type: 'finished', applied: true },
    ]);
    for (const n of ['n1', 'n2']) expect(nodeEvents(events, n), n).to.deep.equal(planned(r.plan, n));

    const n1 = c.nodes.get('n1')!;
    const n2 = c.nodes.get('n2')!;
    expect([...n1.running.keys()]).to.deep.equal(['web']);
    expect(n2.running.get('api')?.env.WEB_PORT_80_TCP).to.equal('tcp://198.51.100.3:8080');
    expect(n2.routes).to.deep.equal([{ port: 8080, target_address: '198.51.100.2', target_port: 8080 }]);
    // the audit records the changes done, as the plan's own Change data
    const lines = n1.audit.map((l) => JSON.parse(l) as { event: string; phase?: string; result: string });
    // the node's own start and end of each phase it ran, then the deploy's record
    expect(lines.map((l) => [l.event, l.phase, l.result].filter(Boolean).join(' '))).to.have.members([
      'apply-start check started',
      'apply-end check ok',
      'apply-start start started',
      'apply-end start ok',
      'apply-start routes started',
      'apply-end routes ok',
      'deploy ok',
    ]);
    const audit = JSON.parse(n1.audit.at(-1)!) as {
      user: string;
      result: string;
      changes: unknown[];
      summary: string[];
    };
    expect(audit).to.deep.include({ user: 'tester', result: 'ok' });
    expect(audit.summary).to.include('start web (busybox:latest)');
    // (as shown: an application's environment by its names, never a value)
    expect(audit.changes).to.deep.equal(
      r.plan.phases.flatMap((ph) => (ph.nodes.n1 ? leaves(ph.nodes.n1).map(shownChange) : [])),
    );
  });

  it('moves an app with its volume (trust, then push, stop, start, routes); a repeat changes nothing', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const n1 = c.nodes.get('n1')!;
    const n2 = c.nodes.get('n2')!;
    await deploy(opts(c, desired(['web'], ['api'])));

    const events: DeployEvent[] = [];
    const webBytes = (await n1.volumes.sizes()).web!;
    const move = await deploy(opts(c, desired([], ['web', 'api']), events));
    expect(driverEvents(events)).to.deep.equal([
      ...steps('connect', 'lock', 'gather state'),
      { type: 'plan', plan: move.plan, addresses, volumes: { web: webBytes } },
      ...phaseEvents('check', ['n1', 'n2']), // before trust writes anything
      ...steps('node-to-node trust'),
      ...phaseEvents('push', ['n1']),
      ...phaseEvents('stop', ['n1']),
      ...phaseEvents('start', ['n2']),
      ...phaseEvents('routes', ['n1']),
      { type: 'audit', nodes: ['n1', 'n2'], result: 'ok' },
      { type: 'finished', applied: true },
    ]);
    const figures = events.flatMap((e) =>
      e.type === 'change-done' && e.detail && e.change.kind !== 'check-start'
        ? [[e.change.kind, { incremental: e.detail.incremental }]]
        : [],
    );
    expect(figures).to.deep.equal([
      ['push-volume', { incremental: false }],
      ['handoff-volume', { incremental: true }],
    ]);
    // every stream reports its progress: the last sample is the exact count of its change-done;
    // a full stream's total is the volume's size, an incremental's is unknown
    for (const kind of ['push-volume', 'handoff-volume']) {
      const progress = events.filter((e) => e.type === 'transfer-progress' && e.change.kind === kind);
      const done = events.find((e) => e.type === 'change-done' && e.change.kind === kind);
      expect(progress.length, kind).to.be.greaterThan(0);
      const last = progress[progress.length - 1]!;
      if (last.type !== 'transfer-progress' || done?.type !== 'change-done') throw new Error('no progress');
      expect(last).to.deep.include({ node: 'n1', bytes: done.detail?.bytes });
      if (kind === 'push-volume') expect(last.total).to.equal(webBytes);
      else expect(last).not.to.have.property('total');
    }
    expect(n1.running.size).to.equal(0);
    expect([...n2.running.keys()].sort()).to.deep.equal(['api', 'web']);
    expect((await n2.volumes.get('web'))?.owned).to.equal(true);
    expect((await n1.volumes.get('web'))?.owned).to.equal(false);

    const again: DeployEvent[] = [];
    const r = await deploy(opts(c, desired([], ['web', 'api']), again));
    expect(r).to.deep.include({ applied: false, plan: { phases: [] } });
    expect(driverEvents(again)).to.deep.equal([
      ...steps('connect', 'lock', 'gather state'),
      { type: 'plan', plan: { phases: [] }, addresses, volumes: {} },
      { type: 'audit', nodes: ['n1', 'n2'], result: 'ok' }, // a no-op deploy is recorded too
      { type: 'finished', applied: false },
    ]);
  });

  it('dry-run: the plan event, then the end; nothing changed, nothing audited', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const events: DeployEvent[] = [];
    const r = await deploy(opts(c, desired(['web'], ['api']), events, true));
    expect(r.applied).to.equal(false);
    expect(driverEvents(events)).to.deep.equal([
      ...steps('connect', 'gather state'),
      { type: 'plan', plan: r.plan, addresses, volumes: {} },
      { type: 'finished', applied: false },
    ]);
    expect(r.plan.phases.length).to.equal(3);
    for (const n of c.nodes.values()) {
      expect(n.running.size).to.equal(0);
      expect(n.audit).to.deep.equal([]);
    }
  });

  it('a failing node stops later phases; the failure is data in the events; the audit records it', async () => {
    const c = fakeCluster(['n1', 'n2']);
    c.nodes.get('n1')!.failOn = 'start web';
    const events: DeployEvent[] = [];
    const err = await failure(deploy(opts(c, desired(['web'], ['api']), events)));
    expect(err.code).to.equal('E_NODE_COMMAND');
    expect(err.message).to.match(
      /^n1: changestate failed in phase start: flocker-changestate apply \(exit 1\)\nflocker-changestate: start web .*pull access denied/,
    );
    const failed = events.find((e) => e.type === 'change-failed');
    expect(failed).to.deep.include({
      node: 'n1',
      phase: 'start',
      error: {
        code: 'E_APP_START',
        message: 'fake: application web did not start (docker: pull access denied)',
      },
    });
    expect(failed).to.have.nested.property('change.kind', 'start-application');
    expect(driverEvents(events).slice(-3)).to.deep.equal([
      { type: 'phase-start', phase: 'start', nodes: ['n1', 'n2'] },
      { type: 'phase-failed', phase: 'start', error: { code: 'E_NODE_COMMAND', message: err.message } },
      { type: 'audit', nodes: ['n1', 'n2'], result: `failed: ${err.message.split('\n')[0]!}` },
    ]);
    expect(c.nodes.get('n2')!.routes).to.deep.equal([]); // routes phase did not run
    const line = JSON.parse(c.nodes.get('n1')!.audit.at(-1)!) as {
      result: string;
      code: string;
      message: string;
      changes: unknown[];
    };
    expect(line).to.deep.include({ result: 'failed', code: 'E_NODE_COMMAND' });
    expect(line.message).to.match(/^n1: changestate failed in phase start/);
    // done before the failure: the check, then the volume
    expect(line.changes).to.deep.equal([
      {
        kind: 'check-start',
        images: ['busybox:latest'],
        app_ports: [8080],
        route_ports: [5000],
        volumes: [{ name: 'web', bytes: 0 }],
      },
      { kind: 'create-volume', name: 'web' },
    ]);
  });

  it("depends_on across nodes: the dependent node starts after the dependency's node; a failed dependency stops it", async () => {
    const db = toApplication('db', { image: 'busybox' });
    const app = toApplication('app', { image: 'busybox', depends_on: ['db'] });
    const d = desired(['app'], ['db'], [db, app]);
    const c = fakeCluster(['n1', 'n2']);
    const events: DeployEvent[] = [];
    await deploy(opts(c, d, events));
    const starts = events.flatMap((e) =>
      'node' in e && 'phase' in e && e.type !== 'transfer-progress' && e.phase === 'start'
        ? [`${e.type} ${e.node}`]
        : [],
    );
    expect(starts).to.deep.equal(['change-start n2', 'change-done n2', 'change-start n1', 'change-done n1']);

    const c2 = fakeCluster(['n1', 'n2']);
    c2.nodes.get('n2')!.failOn = 'start db';
    await failure(deploy(opts(c2, d)));
    expect(c2.nodes.get('n1')!.units.calls).to.deep.equal([]); // app never started
  });

  it('several nodes failing in one phase: one PhaseError (E_PHASE) naming each', async () => {
    const c = fakeCluster(['n1', 'n2']);
    c.nodes.get('n1')!.failOn = 'start web';
    c.nodes.get('n2')!.failOn = 'start api';
    const err = await failure(deploy(opts(c, desired(['web'], ['api']))));
    expect(err).to.be.instanceOf(PhaseError);
    expect(err).to.include({ code: 'E_PHASE', phase: 'start', source: 'system' });
    expect((err as PhaseError).hosts).to.deep.equal(['n1', 'n2']);
    expect(err.message).to.match(/^phase start: 2 of 2 nodes failed\n {2}n1: changestate failed/);
  });

  it('a node without flocker installed gets an error saying how to fix it', async () => {
    const c = fakeCluster(['n1', 'n2']);
    c.nodes.get('n2')!.installed = false;
    const events: DeployEvent[] = [];
    const err = await failure(deploy(opts(c, desired(['web'], ['api']), events, true)));
    expect(err.code).to.equal('E_NODE_PROGRAM_MISSING');
    expect(err.message).to.match(/^n2: flocker-reportstate is not installed on this node .*docs\/nodes.md/);
    expect(events.at(-1)).to.deep.equal({
      type: 'step-failed',
      step: 'gather state',
      error: { code: 'E_NODE_PROGRAM_MISSING', message: err.message },
    });
  });

  it('several nodes failing to report state: one aggregate (E_NODES) naming each', async () => {
    const c = fakeCluster(['n1', 'n2']);
    for (const n of c.nodes.values()) n.installed = false;
    const err = await failure(deploy(opts(c, desired(['web'], ['api']), [], true)));
    expect(err).to.be.instanceOf(AggregateNodeError);
    expect(err.code).to.equal('E_NODES');
    expect((err as AggregateNodeError).hosts).to.deep.equal(['n1', 'n2']);
    expect(err.message).to.match(/^gather state: 2 of 2 nodes failed\n {2}n1: flocker-reportstate is not/);
  });

  it('refuses two node names that are the same machine', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const d: DesiredConfig = { applications: { web }, nodes: { n1: ['web'], n2: [] } };
    const err = await failure(
      deploy({
        ...opts(c, d),
        connect: async () => {
          const n1 = (await c.connect(['n1'])).get('n1')!;
          return new Map([
            ['n1', n1],
            ['n2', n1],
          ]);
        },
      }),
    );
    // found only after both names were contacted: not bad input (exit 2 means nothing contacted)
    expect(err.code).to.equal('E_SAME_MACHINE');
    expect(exitCodeFor(err)).to.equal(1);
    expect(err.message).to.match(/nodes n1 and n2 of the deployment are the same machine/);
  });

  it('a node whose deploy lock another deploy holds: refused at once naming the holder; nothing changes', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const held = await holdLock(c, 'n2');
    const events: DeployEvent[] = [];
    const err = await failure(deploy(opts(c, desired(['web'], ['api']), events)));
    expect(err.code).to.equal('E_LOCKED');
    expect(err.message).to.match(
      /^n2: the deploy lock is held by bob@ci on ci-runner \(pid 77\), since 2026-12-01T06:00:00.000Z/,
    );
    expect(events.at(-1)).to.deep.include({ type: 'step-failed', step: 'lock' });
    for (const n of c.nodes.values()) expect(n.running.size).to.equal(0);
    // n1's lock, taken first, was let go again
    const lock = c.nodes.get('n1')!.lock;
    const again = await lock.locks.acquire(`${lock.dir}/deploy.lock`, 'exclusive', 0);
    expect(again).to.not.equal(undefined);
    await again!.release();
    await held.release();
  });

  it('--lock-wait: waits for the other deploy to end, then deploys', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const held = await holdLock(c, 'n1');
    setTimeout(() => void held.release(), 300);
    const r = await deploy({ ...opts(c, desired(['web'], ['api'])), lockWaitSeconds: 5 });
    expect(r.applied).to.equal(true);
    expect([...c.nodes.get('n1')!.running.keys()]).to.deep.equal(['web']);
  });

  it('a node-side apply for a deploy that does not hold the lock refuses (E_LOCK_LOST) and changes nothing', async () => {
    const c = fakeCluster(['n1']);
    const n1 = c.nodes.get('n1')!;
    const held = await holdLock(c, 'n1');
    const state = await n1.state();
    const input = {
      protocol: 1,
      phase: 'start',
      self: 'n1',
      desired: { applications: { web }, nodes: { n1: ['web'] } },
      cluster: { nodes: { n1: { address: '198.51.100.2', state } } },
      peers: {},
      audit: { deploy_id: 'killed-deploy-0002', user: 'x', config_hash: 'y', started_at: 'z' },
    };
    const r = await n1.exec(['flocker-changestate', 'apply'], { stdin: JSON.stringify(input) });
    expect(r.code).to.equal(1);
    expect(r.stderr, r.stderr).to.match(/no longer holds the deploy lock of this node \(holder now: bob@ci/);
    expect(n1.running.size).to.equal(0);
    await held.release();
  });

  describe('check before you stop', () => {
    it('a move to a node whose image is missing fails in the check phase: the app keeps running on the old node', async () => {
      const c = fakeCluster(['n1', 'n2']);
      const n1 = c.nodes.get('n1')!;
      const n2 = c.nodes.get('n2')!;
      await deploy(opts(c, desired(['web'], ['api'])));
      n1.volumes.write('web', 'precious');
      const moved = toApplication('web', { ...toConfigEntry(web), image: 'busybox:nope' });
      n2.units.missingImages.add('busybox:nope'); // and no registry serves it

      const events: DeployEvent[] = [];
      const err = await failure(deploy(opts(c, desired([], ['web', 'api'], [moved, api]), events)));
      expect(exitCodeFor(err)).to.equal(1);
      expect(err.message).to.match(
        /^n2: changestate failed in phase check: [\s\S]*image busybox:nope is not on this node and could not be pulled: [\s\S]*pull access denied for busybox:nope/,
      );
      const failed = events.find((e) => e.type === 'change-failed');
      expect(failed).to.deep.include({ node: 'n2', phase: 'check' });
      expect(failed).to.have.nested.property('error.code', 'E_PRECHECK_IMAGE');
      expect(
        driverEvents(events)
          .filter((e) => e.type === 'phase-start')
          .map((e) => e.type === 'phase-start' && e.phase),
      ).to.deep.equal(['check']);
      // nothing changed: web still runs on n1, which still owns its data; nothing was pushed
      expect([...n1.running.keys()]).to.deep.equal(['web']);
      expect(n1.units.calls.filter((x) => x.startsWith('stop'))).to.deep.equal([]);
      expect((await n1.volumes.get('web'))?.owned).to.equal(true);
      expect(n1.volumes.read('web')).to.equal('precious');
      expect(await n2.volumes.get('web')).to.equal(undefined);
      expect(n2.units.calls).to.include('pull busybox:nope');
      expect(n2.trusted).to.deep.equal([]); // the check ran before node-to-node trust
      expect(n1.peerKey).to.equal(undefined);
    });

    it('an image a registry serves is pulled in the check phase, before the old app stops', async () => {
      const c = fakeCluster(['n1', 'n2']);
      const n1 = c.nodes.get('n1')!;
      const n2 = c.nodes.get('n2')!;
      await deploy(opts(c, desired(['web'], ['api'])));
      const moved = toApplication('web', { ...toConfigEntry(web), image: 'busybox:2' });
      n2.units.missingImages.add('busybox:2');
      n2.units.registry.add('busybox:2');
      const events: DeployEvent[] = [];
      await deploy(opts(c, desired([], ['web', 'api'], [moved, api]), events));
      const done = events.find(
        (e) => e.type === 'change-done' && e.change.kind === 'check-start' && e.node === 'n2',
      );
      expect(done).to.have.nested.property('detail.pulled', 'busybox:2');
      const stopAt = events.findIndex(
        (e) => e.type === 'change-start' && e.change.kind === 'stop-application',
      );
      expect(events.indexOf(done!)).to.be.lessThan(stopAt);
      expect([...n2.running.keys()].sort()).to.deep.equal(['api', 'web']);
      expect(n1.running.size).to.equal(0);
    });

    for (const [what, prepare, code, reason] of [
      [
        'dockerd down',
        (n: FakeNode) => (n.units.dockerDown = 'Cannot connect to the Docker daemon'),
        'E_PRECHECK_DOCKER',
        /dockerd does not answer/,
      ],
      [
        'no pool',
        (n: FakeNode) => (n.volumes.poolStatus = { pool: 'flocker', health: 'MISSING', available: 0 }),
        'E_PRECHECK_POOL',
        /ZFS pool flocker does not exist here/,
      ],
      [
        'a faulted pool',
        (n: FakeNode) => (n.volumes.poolStatus = { pool: 'flocker', health: 'FAULTED', available: 1 << 30 }),
        'E_PRECHECK_POOL',
        /ZFS pool flocker is FAULTED/,
      ],
      [
        'a full pool',
        (n: FakeNode) => (n.volumes.poolStatus = { pool: 'flocker', health: 'ONLINE', available: 3 }),
        'E_PRECHECK_POOL',
        /has 3 B free, volume web needs 8 B/,
      ],
    ] as const) {
      it(`a move to a node with ${what} fails in the check phase (${code}), nothing changed`, async () => {
        const c = fakeCluster(['n1', 'n2']);
        const n1 = c.nodes.get('n1')!;
        const n2 = c.nodes.get('n2')!;
        await deploy(opts(c, desired(['web'], ['api'])));
        n1.volumes.write('web', 'precious');
        prepare(n2);
        const events: DeployEvent[] = [];
        const err = await failure(deploy(opts(c, desired([], ['web', 'api']), events)));
        expect(err.message).to.match(reason);
        expect(events.find((e) => e.type === 'change-failed')).to.deep.include({
          node: 'n2',
          phase: 'check',
        });
        expect(events.find((e) => e.type === 'change-failed')).to.have.nested.property('error.code', code);
        expect([...n1.running.keys()]).to.deep.equal(['web']);
        expect((await n1.volumes.get('web'))?.owned).to.equal(true);
      });
    }

    it('refuses to route a port another program listens on, on any node that would route it', async () => {
      const c = fakeCluster(['n1', 'n2']);
      c.nodes.get('n2')!.routeTable.listeners.push({ address: '0.0.0.0', port: 8080 }); // not ours
      const events: DeployEvent[] = [];
      const err = await failure(deploy(opts(c, desired(['web'], ['api']), events)));
      expect(err.message).to.match(
        /^n2: .*\n.*port 8080 is in use here by a program that is not a flocker app \(listening on 0.0.0.0\): routing it/,
      );
      expect(events.find((e) => e.type === 'change-failed')).to.have.nested.property(
        'error.code',
        'E_PRECHECK_PORT',
      );
      for (const n of c.nodes.values()) {
        expect(n.running.size).to.equal(0);
        expect(n.routes).to.deep.equal([]);
      }
    });

    it('a program listening on loopback only is not in the way of a route', async () => {
      const c = fakeCluster(['n1', 'n2']);
      c.nodes.get('n2')!.routeTable.listeners.push({ address: '127.0.0.1', port: 8080 });
      await deploy(opts(c, desired(['web'], ['api'])));
      expect(c.nodes.get('n2')!.routes).to.deep.equal([
        { port: 8080, target_address: '198.51.100.2', target_port: 8080 },
      ]);
    });

    it('a port dockerd left mapped after an unclean shutdown (docker-proxy, no container) is repaired by restarting dockerd where nothing runs', async () => {
      const c = fakeCluster(['n1', 'n2']);
      const n1 = c.nodes.get('n1')!;
      n1.units.staleProxies.add(8080);
      const events: DeployEvent[] = [];
      await deploy(opts(c, desired(['web'], ['api']), events));
      expect(n1.units.calls).to.include('restart docker');
      expect([...n1.running.keys()]).to.deep.equal(['web']);
      const check = events.find(
        (e) => e.type === 'change-done' && e.node === 'n1' && e.change.kind === 'check-start',
      );
      expect(check).to.have.nested.property('detail.docker_restarted', 'stale port mapping of 8080');
    });

    it('a stale docker port mapping on a node where containers run: refused with the reason, dockerd left alone', async () => {
      const c = fakeCluster(['n1', 'n2']);
      const n1 = c.nodes.get('n1')!;
      n1.units.staleProxies.add(8080);
      n1.units.foreignContainers.push({ ports: [9999] });
      const events: DeployEvent[] = [];
      const err = await failure(deploy(opts(c, desired(['web'], ['api']), events)));
      expect(err.message).to.match(
        /port 8080 is held by a docker-proxy of no running container: .*unclean shutdown.*systemctl restart docker.*stops the 1 container\(s\) running here/s,
      );
      expect(events.find((e) => e.type === 'change-failed')).to.have.nested.property(
        'error.code',
        'E_PRECHECK_PORT',
      );
      expect(n1.units.calls).to.not.include('restart docker');
      expect(n1.running.size).to.equal(0);
    });

    it("refuses an external port that is a node's ssh port before anything changes (exit 1: found once connected)", async () => {
      const c = fakeCluster(['n1', 'n2']);
      const sshWeb = toApplication('web', { image: 'busybox', ports: [{ internal: 80, external: 22 }] });
      const events: DeployEvent[] = [];
      const err = await failure(deploy(opts(c, desired(['web'], [], [sshWeb]), events)));
      expect(err.code).to.equal('E_SSH_PORT_ROUTED');
      expect(exitCodeFor(err)).to.equal(1);
      expect(err.message).to.equal(
        'application web: external port 22 is the ssh port of node n1, n2: every node answers on it, so routing it would cut off ssh access to those nodes; choose another external port',
      );
      expect(events.some((e) => e.type === 'plan' || e.type === 'phase-start')).to.equal(false);
      for (const n of c.nodes.values()) expect(n.units.calls).to.deep.equal([]);
    });
  });

  describe('volume ownership (issue #8)', () => {
    it('n1: [web] alone while n2 owns web and n1 holds an older copy → refused naming n2 (exit 1), nothing changed', async () => {
      const c = fakeCluster(['n1', 'n2']);
      const n1 = c.nodes.get('n1')!;
      const n2 = c.nodes.get('n2')!;
      await deploy(opts(c, desired(['web'], [], [web])));
      await deploy(opts(c, desired([], ['web'], [web]))); // n1 keeps an older copy, n2 owns
      n2.volumes.write('web', 'newer on n2');
      const before = JSON.stringify([await n1.state(), await n2.state()]);
      const only: DesiredConfig = { applications: { web }, nodes: { n1: ['web'] } };
      const err = await failure(deploy({ ...opts(c, only), connect: c.connect }));
      expect(err.code).to.equal('E_VOLUME_OWNER_MISSING');
      expect(err.message).to.match(/volume web: .*n2 owned it last .*--forget-node n2/);
      expect(JSON.stringify([await n1.state(), await n2.state()])).to.equal(before);
      expect((await n1.volumes.get('web'))?.owned).to.equal(false);
    });

    it('membership: every node remembers who owns what; the owner dropped with no copy elsewhere → refused, nothing created', async () => {
      const c = fakeCluster(['n1', 'n2']);
      const n1 = c.nodes.get('n1')!;
      await deploy(opts(c, desired([], ['web'], [web]))); // web created on n2; n1 never had it
      for (const n of c.nodes.values())
        expect((await n.state()).membership).to.deep.include({
          format: 'flocker-cluster/1',
          nodes: ['n1', 'n2'],
          volumes: { web: { owner: 'n2', epoch: 1 } },
        });
      const before = JSON.stringify(await n1.state());
      const only: DesiredConfig = { applications: { web }, nodes: { n1: ['web'] } };
      const err = await failure(deploy(opts(c, only)));
      expect(err.code).to.equal('E_VOLUME_OWNER_MISSING');
      expect(err.message).to.match(/volume web: n2 owned it .*as the cluster remembers.* --forget-node n2/);
      expect(JSON.stringify(await n1.state())).to.equal(before);
      expect(await n1.volumes.get('web')).to.equal(undefined);
      // told that n2 is gone for good, the deploy creates web anew on n1
      await deploy({ ...opts(c, only), forget: ['n2'] });
      expect((await n1.volumes.get('web'))?.owned).to.equal(true);
      expect((await n1.state()).membership?.volumes).to.deep.equal({ web: { owner: 'n1', epoch: 1 } });
    });

    it('a cut mid-handoff (after the final push, before the receiver owns) then a re-run resumes it and converges with the last write', async () => {
      const c = fakeCluster(['n1', 'n2']);
      const n1 = c.nodes.get('n1')!;
      const n2 = c.nodes.get('n2')!;
      await deploy(opts(c, desired(['web'], [], [web])));
      n1.volumes.write('web', 'last write');
      // the final push lands, then the connection is cut before the receiver is asked to own
      n1.cutBefore = 'own';
      const err = await failure(deploy(opts(c, desired([], ['web'], [web]))));
      expect(err.code).to.equal('E_NODE_COMMAND');
      expect((await n1.volumes.get('web'))?.role).to.equal('handing-off');
      expect((await n2.volumes.get('web'))?.role).to.equal('copy');
      n1.cutBefore = undefined;
      const events: DeployEvent[] = [];
      const r = await deploy(opts(c, desired([], ['web'], [web]), events));
      expect(r.plan.phases.find((ph) => ph.phase !== 'check')!.nodes.n1).to.deep.equal({
        kind: 'resume-handoff',
        name: 'web',
        to: 'n2',
        to_address: addresses.n2,
      });
      expect(await n2.volumes.get('web')).to.deep.include({ role: 'owner', epoch: 2 });
      expect(await n1.volumes.get('web')).to.deep.include({ role: 'copy', epoch: 2, owner: 'n2' });
      expect(n2.volumes.read('web')).to.equal('last write');
      expect([...n2.running.keys()]).to.deep.equal(['web']);
    });

    it('--forget-node: the newest copy among the others is promoted (epoch bumped) and the app starts on it', async () => {
      const c = fakeCluster(['n1', 'n2']);
      const n1 = c.nodes.get('n1')!;
      await deploy(opts(c, desired(['web'], [], [web])));
      n1.volumes.write('web', 'copied');
      await deploy(opts(c, desired([], ['web'], [web]))); // n2 owns at epoch 2
      const only: DesiredConfig = { applications: { web }, nodes: { n1: ['web'] } };
      const r = await deploy({ ...opts(c, only), forget: ['n2'] });
      expect(r.applied).to.equal(true);
      expect(await n1.volumes.get('web')).to.deep.include({ role: 'owner', epoch: 3, owner: 'n1' });
      expect(n1.volumes.read('web')).to.equal('copied');
      expect([...n1.running.keys()]).to.deep.equal(['web']);
    });
  });
});
