import { expect } from 'chai';
import { plan, planNodePhase } from '../../src/plan/planner.js';
import type { Application } from '../../src/model/application.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { ClusterState, NodeState, ReportedRoute } from '../../src/model/state.js';

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

describe('planner', () => {
  it('plans a fresh deployment: volumes created, apps started, then routes on every other node', () => {
    expect(plan(desired(['web'], ['api']), cluster(node(), node()))).to.deep.equal({
      phases: [
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

  it('is empty when every node already matches', () => {
    const c = cluster(
      node({ web: { app: web } }, ['web'], [], [routeTo(A2, 5000)]),
      node({ api: { app: api } }, [], [], [routeTo(A1, 8080)]),
    );
    expect(plan(desired(['web'], ['api']), c)).to.deep.equal({ phases: [] });
  });

  for (const [what, changed] of [
    ['image', toApplication('web', { ...toConfigEntry(web), image: 'busybox:2' })],
    ['port', toApplication('web', { ...toConfigEntry(web), ports: [{ internal: 81, external: 8080 }] })],
    ['environment', toApplication('web', { ...toConfigEntry(web), environment: { A: 'b' } })],
    ['memory limit', toApplication('web', { ...toConfigEntry(web), mem_limit: 1 << 26 })],
    ['restart policy', toApplication('web', { ...toConfigEntry(web), restart_policy: { name: 'always' } })],
  ] as const) {
    it(`restarts an app whose ${what} changed, and nothing else`, () => {
      const c = cluster(node({ web: { app: web } }, ['web']), node({}, [], [], [routeTo(A1, 8080)]));
      expect(plan(desired(['web'], [], [changed]), c)).to.deep.equal({
        phases: [
          { phase: 'stop', nodes: { n1: { kind: 'stop-application', name: 'web', reason: 'changed' } } },
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
        { phase: 'stop', nodes: { n1: { kind: 'stop-application', name: 'web', reason: 'removed' } } },
        { phase: 'routes', nodes: { n2: { kind: 'set-proxies', routes: [] } } },
      ],
    });
  });

  it('re-adding a removed app on the node that owns its volume starts it on its old data', () => {
    const c = cluster(node({}, ['web']), node({}, [], [], [routeTo(A1, 8080)]));
    expect(plan(desired(['web'], [], [web]), c)).to.deep.equal({
      phases: [
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
    expect(p.phases.map((x) => x.phase)).to.deep.equal(['push', 'stop', 'start', 'routes']);
    expect(p.phases[1]!.nodes).to.deep.equal({
      n1: { kind: 'handoff-volume', name: 'web', to: 'n2', to_address: A2 },
    });
  });
});
