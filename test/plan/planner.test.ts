import { expect } from 'chai';
import { plan, planNodePhase, quotaShrinkProblems } from '../../src/plan/planner.js';
import { refuseQuotaShrink } from '../../src/plan/safety.js';
import type { Application } from '../../src/model/application.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { ClusterState, NodeState, ReportedRoute, ReportedVolume } from '../../src/model/state.js';
import type { CheckStart, ClusterPlan } from '../../src/model/changes.js';

const web: Application = toApplication('web', {
  image: 'busybox',
  ports: [{ internal: 80, external: 8080 }],
  volume: { mountpoint: '/data' },
});
const api: Application = toApplication('api', {
  image: 'busybox:1',
  ports: [{ internal: 5000, external: 5000 }],
  links: [{ local_port: 80, remote_port: 8080, alias: 'web' }],
});

function node(
  apps: Record<string, { app: Application; running?: boolean }> = {},
  owned: string[] = [],
  copies: string[] = [],
  routes: ReportedRoute[] = [],
): NodeState {
  const applications: NodeState['applications'] = Object.fromEntries(
    Object.entries(apps).map(([n, a]) => [n, { spec: toConfigEntry(a.app), running: a.running ?? true }]),
  );
  return {
    protocol: 1,
    node: { hostname: 'h', machine_id: 'm' },
    applications,
    owned_volumes: owned.map((name) => ({
      name,
      snapshots: [],
      role: 'owner' as const,
      epoch: 1,
      lineage: LINEAGE,
    })),
    volume_copies: copies.map((name) => ({
      name,
      snapshots: [],
      role: 'copy' as const,
      epoch: 1,
      lineage: LINEAGE,
    })),
    routes,
  };
}

const LINEAGE = '0123456789abcdef';
const A1 = '198.51.100.2';
const A2 = '198.51.100.3';
function cluster(n1: NodeState, n2: NodeState): ClusterState {
  return { nodes: { n1: { address: A1, state: n1 }, n2: { address: A2, state: n2 } } };
}
function desired(n1: string[], n2: string[], apps: Application[] = [web, api]): DesiredConfig {
  return { applications: Object.fromEntries(apps.map((a) => [a.name, a])), nodes: { n1, n2 } };
}
const linkEnvOn = (addr: string) => ({
  WEB_PORT_80_TCP: `tcp://${addr}:8080`,
  WEB_PORT_80_TCP_ADDR: addr,
  WEB_PORT_80_TCP_PORT: '8080',
  WEB_PORT_80_TCP_PROTO: 'tcp',
});
const routeTo = (addr: string, port: number): ReportedRoute => ({
  port,
  target_address: addr,
  target_port: port,
});
/** the check-start change of one node (unset fields empty) */
const check = (c: Partial<Omit<CheckStart, 'kind'>>): CheckStart => ({
  kind: 'check-start',
  images: [],
  app_ports: [],
  route_ports: [],
  volumes: [],
  ...c,
});

describe('planner', () => {
  it('plans a fresh deployment: volumes created, apps started, then routes on every other node', () => {
    expect(plan(desired(['web'], ['api']), cluster(node(), node()))).to.deep.equal({
      phases: [
        {
          phase: 'check',
          nodes: {
            n1: check({
              images: ['busybox:latest'],
              app_ports: [8080],
              route_ports: [5000],
              volumes: [{ name: 'web', bytes: 0 }],
            }),
            n2: check({ images: ['busybox:1'], app_ports: [5000], route_ports: [8080] }),
          },
        },
        {
          phase: 'start',
          nodes: {
            n1: {
              kind: 'sequentially',
              changes: [
                { kind: 'create-volume', name: 'web' },
                { kind: 'start-application', application: web, link_environment: {} },
              ],
            },
            n2: { kind: 'start-application', application: api, link_environment: linkEnvOn(A2) },
          },
        },
        {
          phase: 'routes',
          nodes: {
            n1: { kind: 'set-proxies', routes: [routeTo(A2, 5000)] },
            n2: { kind: 'set-proxies', routes: [routeTo(A1, 8080)] },
          },
        },
      ],
    });
  });

  it('a UDP port: every other node routes it as UDP; checked for listeners as UDP (issue 13)', () => {
    const dns = toApplication('dns', {
      image: 'busybox',
      ports: [
        { internal: 53, external: 53, protocol: 'udp' },
        { internal: 53, external: 53 },
      ],
    });
    const p = plan(desired(['dns'], [], [dns]), cluster(node(), node()));
    const routes = p.phases.find((ph) => ph.phase === 'routes')?.nodes['n2'];
    expect(routes).to.deep.equal({
      kind: 'set-proxies',
      routes: [routeTo(A1, 53), { ...routeTo(A1, 53), protocol: 'udp' }],
    });
    const checks = p.phases.find((ph) => ph.phase === 'check')?.nodes;
    expect(checks?.['n1']).to.deep.include({ app_ports: [53], udp_app_ports: [53] });
    expect(checks?.['n2']).to.deep.include({ route_ports: [53], udp_route_ports: [53] });
    expect(checks?.['n1']).to.not.have.property('udp_route_ports'); // absent when none
    // routed already: the same plan again changes nothing
    const again = plan(
      desired(['dns'], [], [dns]),
      cluster(
        node({ dns: { app: dns } }),
        node({}, [], [], [routeTo(A1, 53), { ...routeTo(A1, 53), protocol: 'udp' }]),
      ),
    );
    expect(again.phases.filter((ph) => ph.phase !== 'check')).to.deep.equal([]);
  });

  it('maximum_size: set at create; a change is a quota change alone, no restart (issue 13)', () => {
    const db = toApplication('db', { image: 'busybox', volume: { mountpoint: '/data', maximum_size: '1G' } });
    expect(db.volume).to.deep.equal({ mountpoint: '/data', maximum_size: 1024 ** 3 });
    const fresh = plan(desired(['db'], [], [db]), cluster(node(), node()));
    expect(fresh.phases.find((ph) => ph.phase === 'start')?.nodes['n1']).to.deep.equal({
      kind: 'sequentially',
      changes: [
        { kind: 'create-volume', name: 'db' },
        { kind: 'set-volume-quota', name: 'db', bytes: 1024 ** 3 },
        { kind: 'start-application', application: db, link_environment: {} },
      ],
    });
    // running with a 1G quota; the config grows it to 2G: one quota change, nothing stopped
    const n1 = node({ db: { app: db } }, ['db']);
    const running: NodeState = {
      ...n1,
      owned_volumes: n1.owned_volumes.map((v) => ({ ...v, quota: 1024 ** 3, bytes: 5000 })),
    };
    const bigger = toApplication('db', {
      image: 'busybox',
      volume: { mountpoint: '/data', maximum_size: '2G' },
    });
    expect(acting(plan(desired(['db'], [], [bigger]), cluster(running, node())))).to.deep.equal([
      { phase: 'start', nodes: { n1: { kind: 'set-volume-quota', name: 'db', bytes: 2 * 1024 ** 3 } } },
    ]);
    // unchanged: nothing; removed: the quota goes
    expect(acting(plan(desired(['db'], [], [db]), cluster(running, node())))).to.deep.equal([]);
    const none = toApplication('db', { image: 'busybox', volume: { mountpoint: '/data' } });
    expect(acting(plan(desired(['db'], [], [none]), cluster(running, node())))).to.deep.equal([
      { phase: 'start', nodes: { n1: { kind: 'set-volume-quota', name: 'db' } } },
    ]);
    // below what the volume holds: refused with both figures
    const tiny = toApplication('db', {
      image: 'busybox',
      volume: { mountpoint: '/data', maximum_size: 4096 },
    });
    expect(quotaShrinkProblems(desired(['db'], [], [tiny]), cluster(running, node()))).to.deep.equal([
      'application db: volume.maximum_size 4096 bytes is below the 5000 bytes its volume already holds: a volume is not shrunk below its data (free space in the application first, or keep a larger maximum_size)',
    ]);
    expect(() => refuseQuotaShrink(desired(['db'], [], [tiny]), cluster(running, node())))
      .to.throw()
      .with.property('code', 'E_VOLUME_QUOTA');
    expect(quotaShrinkProblems(desired(['db'], [], [bigger]), cluster(running, node()))).to.deep.equal([]);
  });

  it('is empty when every node already matches', () => {
    const c = cluster(
      node({ web: { app: web } }, ['web'], [], [routeTo(A2, 5000)]),
      node({ api: { app: api } }, [], [], [routeTo(A1, 8080)]),
    );
    expect(plan(desired(['web'], ['api']), c)).to.deep.equal({ phases: [] });
  });

  for (const [what, changed, diff] of [
    [
      'image',
      toApplication('web', { ...toConfigEntry(web), image: 'busybox:2' }),
      [{ field: 'image', change: 'changed', before: web.image, after: 'busybox:2' }],
    ],
    [
      'port',
      toApplication('web', { ...toConfigEntry(web), ports: [{ internal: 81, external: 8080 }] }),
      [{ field: 'ports', change: 'changed', before: web.ports, after: [{ internal: 81, external: 8080 }] }],
    ],
    [
      'environment',
      toApplication('web', { ...toConfigEntry(web), environment: { A: 'b' } }),
      [{ field: 'environment', key: 'A', change: 'added' }], // a secret: no value
    ],
    [
      'memory limit',
      toApplication('web', { ...toConfigEntry(web), mem_limit: 1 << 26 }),
      [{ field: 'mem_limit', change: 'added', after: 1 << 26 }],
    ],
    [
      'restart policy',
      toApplication('web', { ...toConfigEntry(web), restart_policy: { name: 'always' } }),
      [{ field: 'restart_policy', change: 'changed', before: { name: 'never' }, after: { name: 'always' } }],
    ],
  ] as const) {
    it(`restarts an app whose ${what} changed, and nothing else`, () => {
      const c = cluster(node({ web: { app: web } }, ['web']), node({}, [], [], [routeTo(A1, 8080)]));
      expect(plan(desired(['web'], [], [changed]), c)).to.deep.equal({
        phases: [
          {
            phase: 'check',
            nodes: {
              n1: check({ images: [changed.image], app_ports: changed.ports.map((p) => p.external) }),
            },
          },
          {
            phase: 'stop',
            nodes: { n1: { kind: 'stop-application', name: 'web', reason: 'changed', config_diff: diff } },
          },
          {
            phase: 'start',
            nodes: { n1: { kind: 'start-application', application: changed, link_environment: {} } },
          },
        ],
      });
    });
  }

  it('moves an app with its volume: pre-copy, stop, hand off, wait, start, then reroute', () => {
    const c = cluster(node({ web: { app: web } }, ['web'], [], []), node({}, [], [], [routeTo(A1, 8080)]));
    expect(plan(desired([], ['web'], [web]), c)).to.deep.equal({
      phases: [
        {
          phase: 'check',
          nodes: {
            // n1 will route :8080 (web's own port there today), n2 starts web and receives its volume
            n1: check({ route_ports: [8080] }),
            n2: check({
              images: ['busybox:latest'],
              app_ports: [8080],
              volumes: [{ name: 'web', bytes: 0 }],
            }),
          },
        },
        { phase: 'push', nodes: { n1: { kind: 'push-volume', name: 'web', to: 'n2', to_address: A2 } } },
        {
          phase: 'stop',
          nodes: {
            n1: {
              kind: 'sequentially',
              changes: [
                { kind: 'stop-application', name: 'web', reason: 'moved' },
                { kind: 'handoff-volume', name: 'web', to: 'n2', to_address: A2 },
              ],
            },
          },
        },
        {
          phase: 'start',
          nodes: {
            n2: {
              kind: 'sequentially',
              changes: [
                // n2's route for :8080 would shadow web once it runs there: dropped first
                { kind: 'set-proxies', routes: [] },
                { kind: 'wait-for-volume', name: 'web', from: 'n1' },
                { kind: 'start-application', application: web, link_environment: {} },
              ],
            },
          },
        },
        {
          phase: 'routes',
          nodes: {
            n1: { kind: 'set-proxies', routes: [routeTo(A2, 8080)] },
          },
        },
      ],
    });
  });

  it('recomputes each phase consistently from the state the earlier phases left', () => {
    const d = desired([], ['web'], [web]);
    // after push and stop/handoff: n1 holds a copy, n2 owns the volume and still routes :8080 to n1
    const after = cluster(node({}, [], ['web'], []), node({}, ['web'], [], [routeTo(A1, 8080)]));
    expect(planNodePhase(d, after, 'n1', 'push')).to.equal(undefined);
    expect(planNodePhase(d, after, 'n1', 'stop')).to.equal(undefined);
    expect(planNodePhase(d, after, 'n2', 'start')).to.deep.equal({
      kind: 'sequentially',
      changes: [
        { kind: 'set-proxies', routes: [] },
        { kind: 'start-application', application: web, link_environment: {} },
      ],
    });
    // after the start phase: web runs on n2, whose shadowing route is gone
    const started = cluster(node({}, [], ['web'], []), node({ web: { app: web } }, ['web'], [], []));
    expect(planNodePhase(d, started, 'n2', 'routes')).to.equal(undefined);
    expect(planNodePhase(d, started, 'n1', 'routes')).to.deep.equal({
      kind: 'set-proxies',
      routes: [routeTo(A2, 8080)],
    });
  });

  it('stops and removes an app gone from the config, keeping its volume', () => {
    const c = cluster(node({ web: { app: web } }, ['web']), node({}, [], [], [routeTo(A1, 8080)]));
    expect(plan(desired([], [], []), c)).to.deep.equal({
      phases: [
        {
          phase: 'stop',
          nodes: { n1: { kind: 'stop-application', name: 'web', reason: 'removed', volume_kept: true } },
        },
        { phase: 'routes', nodes: { n2: { kind: 'set-proxies', routes: [] } } },
      ],
    });
  });

  it('re-adding a removed app on the node that owns its volume starts it on its old data', () => {
    const c = cluster(node({}, ['web']), node({}, [], [], [routeTo(A1, 8080)]));
    expect(plan(desired(['web'], [], [web]), c)).to.deep.equal({
      phases: [
        { phase: 'check', nodes: { n1: check({ images: ['busybox:latest'], app_ports: [8080] }) } },
        {
          phase: 'start',
          nodes: { n1: { kind: 'start-application', application: web, link_environment: {} } },
        },
      ],
    });
  });

  it('starts an app whose unit exists but is not running, without a stop', () => {
    const c = cluster(
      node({ web: { app: web, running: false } }, ['web']),
      node({}, [], [], [routeTo(A1, 8080)]),
    );
    expect(plan(desired(['web'], [], [web]), c)).to.deep.equal({
      phases: [
        { phase: 'check', nodes: { n1: check({ images: ['busybox:latest'], app_ports: [8080] }) } },
        {
          phase: 'start',
          nodes: { n1: { kind: 'start-application', application: web, link_environment: {} } },
        },
      ],
    });
  });

  it('hands off a volume whose app moves even when the app was not running on the owner', () => {
    const c = cluster(node({}, ['web']), node({}, [], [], [routeTo(A1, 8080)]));
    const p = plan(desired([], ['web'], [web]), c);
    expect(p.phases.map((x) => x.phase)).to.deep.equal(['check', 'push', 'stop', 'start', 'routes']);
    expect(p.phases[2]!.nodes).to.deep.equal({
      n1: { kind: 'handoff-volume', name: 'web', to: 'n2', to_address: A2 },
    });
  });

  describe('check phase', () => {
    const sized = (names: [string, number][], role: 'owner' | 'copy' = 'owner'): NodeState['owned_volumes'] =>
      names.map(([name, bytes]) => ({ name, snapshots: [], bytes, role, epoch: 1 }));

    it("asks the receiver for room for the owner's bytes, less what a copy there already holds", () => {
      const owner = { ...node({ web: { app: web } }), owned_volumes: sized([['web', 5_000_000]]) };
      const fresh = cluster(owner, node());
      expect(planNodePhase(desired([], ['web'], [web]), fresh, 'n2', 'check')).to.deep.equal(
        check({
          images: ['busybox:latest'],
          app_ports: [8080],
          volumes: [{ name: 'web', bytes: 5_000_000 }],
        }),
      );
      const withCopy = cluster(owner, { ...node(), volume_copies: sized([['web', 4_000_000]], 'copy') });
      expect(planNodePhase(desired([], ['web'], [web]), withCopy, 'n2', 'check')).to.deep.equal(
        check({
          images: ['busybox:latest'],
          app_ports: [8080],
          volumes: [{ name: 'web', bytes: 1_000_000 }],
        }),
      );
    });

    it('checks only ports newly routed, and nothing at all when nothing starts or routes', () => {
      // n2 already routes :8080 to n1; n1 runs web; api moves nowhere: nothing to check
      const c = cluster(node({ web: { app: web } }, ['web']), node({}, [], [], [routeTo(A1, 8080)]));
      expect(planNodePhase(desired(['web'], [], [web]), c, 'n1', 'check')).to.equal(undefined);
      expect(planNodePhase(desired(['web'], [], [web]), c, 'n2', 'check')).to.equal(undefined);
      // a stop-only plan (app removed) has no check phase
      expect(plan(desired([], [], []), c).phases.map((p) => p.phase)).to.deep.equal(['stop', 'routes']);
    });

    it('recomputed on the node from its fresh state, the check is the same as in the plan', () => {
      const d = desired(['web'], ['api']);
      const c = cluster(node(), node());
      for (const n of ['n1', 'n2'])
        expect(planNodePhase(d, c, n, 'check')).to.deep.equal(plan(d, c).phases[0]!.nodes[n]);
    });
  });
});

/** the phases that act (the check phase, tested on its own above, left out) */
const acting = (p: ClusterPlan): ClusterPlan['phases'] => p.phases.filter((ph) => ph.phase !== 'check');

describe('planner: volume ownership decided from the copies alone', () => {
  const S1 = 'flocker-20261122T105324007Z-1';
  const S2 = 'flocker-20261122T105325007Z-2';
  type Rec = Partial<ReportedVolume> & { role: ReportedVolume['role'] };
  const withVolumes = (owned: Rec[], copies: Rec[] = []): NodeState => ({
    ...node(),
    owned_volumes: owned.map((r) => ({ name: 'web', snapshots: [S1], epoch: 1, lineage: LINEAGE, ...r })),
    volume_copies: copies.map((r) => ({ name: 'web', snapshots: [S1], epoch: 1, lineage: LINEAGE, ...r })),
  });
  const code = (f: () => unknown): { code: string; message: string } => {
    try {
      f();
    } catch (e) {
      return e as { code: string; message: string };
    }
    throw new Error('expected a refusal');
  };

  it("the issue's scenario: n1 alone holds an older copy, n2 (the owner) left out → refused naming n2; nothing planned", () => {
    const c: ClusterState = {
      nodes: { n1: { address: A1, state: withVolumes([], [{ role: 'copy', epoch: 2, owner: 'n2' }]) } },
    };
    const d: DesiredConfig = { applications: { web }, nodes: { n1: ['web'] } };
    const e = code(() => plan(d, c));
    expect(e.code).to.equal('E_VOLUME_OWNER_MISSING');
    expect(e.message).to.match(/volume web: no reachable node owns it; n2 owned it last \(epoch 2\)/);
    expect(e.message).to.match(/--forget-node n2/);
  });

  it('create-volume only when no copy exists anywhere; a copy is never taken over', () => {
    const d = desired(['web'], [], [web]);
    expect(acting(plan(d, cluster(node(), node())))[0]!.nodes.n1).to.deep.equal({
      kind: 'sequentially',
      changes: [
        { kind: 'create-volume', name: 'web' },
        { kind: 'start-application', application: web, link_environment: {} },
      ],
    });
    // only a copy on n2 whose owner n1 reports nothing owned: refused, not created
    const e = code(() => plan(d, cluster(node(), withVolumes([], [{ role: 'copy', owner: 'n1' }]))));
    expect(e.code).to.equal('E_VOLUME_OWNER_MISSING');
    expect(e.message).to.match(/n1 owned it last \(epoch 1\) and holds no owned copy now/);
  });

  it('with --forget-node the newest copy is promoted at an epoch above all, never an older one', () => {
    const d: DesiredConfig = { applications: { web }, nodes: { n1: ['web'], n2: [] } };
    const c = cluster(
      withVolumes([], [{ role: 'copy', epoch: 3, owner: 'n9', snapshots: [S2] }]),
      withVolumes([], [{ role: 'copy', epoch: 2, owner: 'n9', snapshots: [S1] }]),
    );
    expect(acting(plan(d, c, { forget: ['n9'] }))).to.deep.equal([
      {
        phase: 'start',
        nodes: {
          n1: {
            kind: 'sequentially',
            changes: [
              { kind: 'promote-volume', name: 'web', epoch: 4, forgotten: 'n9' },
              { kind: 'start-application', application: web, link_environment: {} },
            ],
          },
        },
      },
      { phase: 'routes', nodes: { n2: { kind: 'set-proxies', routes: [routeTo(A1, 8080)] } } },
    ]);
    // the target holds the older copy: refused, naming where the newest is
    const older: DesiredConfig = { applications: { web }, nodes: { n1: [], n2: ['web'] } };
    const e = code(() => plan(older, c, { forget: ['n9'] }));
    expect(e.code).to.equal('E_VOLUME_OWNER_MISSING');
    expect(e.message).to.match(/the newest copy is n1 .*never promoting an older copy/);
  });

  it('two owners of one lineage: a conflict naming both with their newest snapshots', () => {
    const c = cluster(
      withVolumes([{ role: 'owner', epoch: 2 }]),
      withVolumes([{ role: 'owner', epoch: 3, snapshots: [S2] }]),
    );
    const e = code(() => plan(desired(['web'], [], [web]), c));
    expect(e.code).to.equal('E_VOLUME_CONFLICT');
    expect(e.message).to.contain(`n1 (owner, epoch 2, newest snapshot ${S1})`);
    expect(e.message).to.contain(`n2 (owner, epoch 3, newest snapshot ${S2})`);
    expect(e.message).to.match(/zfs set flocker:role=copy flocker\/volumes\/web/);
  });

  it('copies of different lineages under one name: a conflict', () => {
    const c = cluster(
      withVolumes([{ role: 'owner' }]),
      withVolumes([], [{ role: 'copy', lineage: 'ffffffffffffffff' }]),
    );
    expect(code(() => plan(desired(['web'], [], [web]), c)).code).to.equal('E_VOLUME_CONFLICT');
  });

  it('a handing-off sender with no owner yet: the handoff is resumed toward its recorded receiver, which waits then starts', () => {
    const intent = { to: 'n2', epoch: 2, snapshot: S2, guid: '7' };
    const c = cluster(
      withVolumes([], [{ role: 'handing-off', owner: 'n1', handoff: intent }]),
      withVolumes([], [{ role: 'copy', owner: 'n1' }]),
    );
    const p = plan(desired([], ['web'], [web]), c);
    expect(acting(p).slice(0, 2)).to.deep.equal([
      { phase: 'stop', nodes: { n1: { kind: 'resume-handoff', name: 'web', to: 'n2', to_address: A2 } } },
      {
        phase: 'start',
        nodes: {
          n2: {
            kind: 'sequentially',
            changes: [
              { kind: 'wait-for-volume', name: 'web', from: 'n1' },
              { kind: 'start-application', application: web, link_environment: {} },
            ],
          },
        },
      },
    ]);
    // the app is to stay on the sender after all: cancelled there, started there
    const back = plan(desired(['web'], [], [web]), c);
    expect(acting(back).slice(0, 2)).to.deep.equal([
      { phase: 'stop', nodes: { n1: { kind: 'cancel-handoff', name: 'web', to: 'n2', to_address: A2 } } },
      {
        phase: 'start',
        nodes: { n1: { kind: 'start-application', application: web, link_environment: {} } },
      },
    ]);
  });

  it('a handing-off sender whose receiver owns at the new epoch: only step 5 is left (resume finishes it)', () => {
    const intent = { to: 'n2', epoch: 2, snapshot: S1, guid: '7' };
    const c = cluster(
      withVolumes([], [{ role: 'handing-off', owner: 'n1', handoff: intent }]),
      withVolumes([{ role: 'owner', epoch: 2, owner: 'n2' }]),
    );
    const p = plan(desired([], ['web'], [web]), c);
    expect(acting(p)[0]).to.deep.equal({
      phase: 'stop',
      nodes: { n1: { kind: 'resume-handoff', name: 'web', to: 'n2', to_address: A2 } },
    });
    expect(acting(p)[1]!.nodes.n2).to.deep.equal({
      kind: 'start-application',
      application: web,
      link_environment: {},
    });
  });

  it('a handoff toward a node missing from the deployment is refused, naming it', () => {
    const c: ClusterState = {
      nodes: {
        n1: {
          address: A1,
          state: withVolumes([], [{ role: 'handing-off', handoff: { to: 'n3', epoch: 2 } }]),
        },
      },
    };
    const e = code(() => plan({ applications: { web }, nodes: { n1: ['web'] } }, c));
    expect(e.code).to.equal('E_VOLUME_OWNER_MISSING');
    expect(e.message).to.match(/handed off from n1 to n3, which is not in this deployment/);
  });

  it("mid-deploy, a node recomputing from its fresh state is not confused by the others' stale reports", () => {
    // the receiver after the handoff (fresh) and the sender as reported before it (stale)
    const c = cluster(
      withVolumes([{ role: 'owner', epoch: 1, owner: 'n1' }]),
      withVolumes([{ role: 'owner', epoch: 2, owner: 'n2' }]),
    );
    expect(planNodePhase(desired([], ['web'], [web]), c, 'n2', 'start', { fresh: 'n2' })).to.deep.equal({
      kind: 'start-application',
      application: web,
      link_environment: {},
    });
  });
});

describe('planner: depends_on and loopback ports', () => {
  const app = (name: string, depends_on?: string[], ports: Application['ports'] = []): Application =>
    toApplication(name, { image: 'busybox', ports: [...ports], ...(depends_on ? { depends_on } : {}) });
  const start = (a: Application) => ({
    kind: 'start-application' as const,
    application: a,
    link_environment: {},
  });

  it('starts in dependency order on one node: sequentially where a dependency exists, in parallel otherwise', () => {
    const db = app('db');
    const cache = app('cache');
    const api2 = app('api', ['cache', 'db']);
    const front = app('front', ['api']);
    const lone = app('lone');
    const apps = [db, cache, api2, front, lone];
    expect(
      planNodePhase(
        desired(['api', 'cache', 'db', 'front', 'lone'], [], apps),
        cluster(node(), node()),
        'n1',
        'start',
      ),
    ).to.deep.equal({
      kind: 'sequentially',
      changes: [
        { kind: 'in-parallel', changes: [start(cache), start(db), start(lone)] },
        start(api2),
        start(front),
      ],
    });
  });

  it('a dependency already running and unchanged is not waited for; one on another node neither (the driver orders nodes)', () => {
    const db = app('db');
    const web2 = app('web', ['db']);
    const c = cluster(node({ db: { app: db } }), node());
    expect(planNodePhase(desired(['db', 'web'], [], [db, web2]), c, 'n1', 'start')).to.deep.equal(
      start(web2),
    );
    expect(
      planNodePhase(desired(['web'], ['db'], [db, web2]), cluster(node(), node()), 'n1', 'start'),
    ).to.deep.equal(start(web2));
  });

  it('stops in reverse dependency order (as recorded when started)', () => {
    const db = app('db');
    const web2 = app('web', ['db']);
    const other = app('other');
    const c = cluster(node({ db: { app: db }, web: { app: web2 }, other: { app: other } }), node());
    expect(planNodePhase(desired([], [], []), c, 'n1', 'stop')).to.deep.equal({
      kind: 'sequentially',
      changes: [
        { kind: 'stop-application', name: 'web', reason: 'removed' },
        {
          kind: 'in-parallel',
          changes: [
            { kind: 'stop-application', name: 'db', reason: 'removed' },
            { kind: 'stop-application', name: 'other', reason: 'removed' },
          ],
        },
      ],
    });
  });

  it('stays total on a cycle: the edge closing it is ignored, every app starts once, in name order', () => {
    const a = app('a', ['c']);
    const b = app('b', ['a']);
    const c3 = app('c', ['b']);
    const self = app('s', ['s']);
    expect(
      planNodePhase(
        desired(['a', 'b', 'c', 's'], [], [a, b, c3, self]),
        cluster(node(), node()),
        'n1',
        'start',
      ),
    ).to.deep.equal({
      kind: 'sequentially',
      // depth-first from a: a -> c -> b -> (a: closing edge, ignored): b first, then c, then a
      changes: [{ kind: 'in-parallel', changes: [start(b), start(self)] }, start(c3), start(a)],
    });
  });

  it('a port on 127.0.0.1 is published on its node only: no cluster route, no route check', () => {
    const local = app('local', undefined, [
      { internal: 80, external: 8081, host_ip: '127.0.0.1' },
      { internal: 81, external: 8082 },
    ]);
    const p = plan(desired(['local'], [], [local]), cluster(node(), node()));
    expect(p).to.deep.equal({
      phases: [
        {
          phase: 'check',
          nodes: {
            n1: check({ images: ['busybox:latest'], app_ports: [8081, 8082] }),
            n2: check({ route_ports: [8082] }),
          },
        },
        { phase: 'start', nodes: { n1: start(local) } },
        { phase: 'routes', nodes: { n2: { kind: 'set-proxies', routes: [routeTo(A1, 8082)] } } },
      ],
    });
  });
});
