// The planner and the guard of cluster-only ports (networks, issue 13 item 4).
import { expect } from 'chai';
import { desiredGuard, planNodePhase } from '../../src/plan/planner.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { Application } from '../../src/model/application.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { ClusterState, NodeState, RouteGuard } from '../../src/model/state.js';

const A1 = '198.51.100.2';
const A2 = '198.51.100.3';
const db: Application = toApplication('db', {
  image: 'postgres',
  ports: [{ internal: 5432, external: 61712, cluster_only: true }],
});
const web: Application = toApplication('web', {
  image: 'nginx',
  ports: [{ internal: 80, external: 8080 }],
  links: [{ local_port: 5432, remote_port: 61712, alias: 'db' }],
});
const desired: DesiredConfig = { applications: { db, web }, nodes: { n1: ['web'], n2: ['db'] } };
const guard: RouteGuard = { ports: [61712], sources: [A1, A2] };

function node(apps: Application[], extra: Partial<NodeState> = {}): NodeState {
  return {
    protocol: 1,
    node: { hostname: 'h', machine_id: 'm' },
    applications: Object.fromEntries(apps.map((a) => [a.name, { spec: toConfigEntry(a), running: true }])),
    owned_volumes: [],
    volume_copies: [],
    routes: [],
    ...extra,
  };
}
const cluster = (n1: NodeState, n2: NodeState): ClusterState => ({
  nodes: { n1: { address: A1, state: n1 }, n2: { address: A2, state: n2 } },
});

describe('planner: guard of cluster-only ports', () => {
  it('every node gets the same guard: the cluster-only ports, accepted from every node address', () => {
    expect(desiredGuard(desired, cluster(node([]), node([])))).to.deep.equal(guard);
    const open: DesiredConfig = { applications: { web }, nodes: { n1: ['web'], n2: [] } };
    expect(desiredGuard(open, cluster(node([]), node([])))).to.equal(undefined);
  });

  it('first deploy: the guard is set before the app publishes its port, routes keep it', () => {
    const c = cluster(node([]), node([]));
    const start = planNodePhase(desired, c, 'n2', 'start');
    expect(start?.kind).to.equal('sequentially');
    const first = start?.kind === 'sequentially' ? start.changes[0] : undefined;
    expect(first).to.deep.equal({ kind: 'set-proxies', routes: [], guard });
    expect(planNodePhase(desired, c, 'n1', 'routes')).to.deep.equal({
      kind: 'set-proxies',
      routes: [{ port: 61712, target_address: A2, target_port: 61712 }],
      guard,
    });
  });

  it('a second deploy with the guard in place plans nothing', () => {
    const route = { port: 61712, target_address: A2, target_port: 61712 };
    const c = cluster(
      node([web], { routes: [route], route_guard: guard }),
      node([db], { route_guard: guard, routes: [{ port: 8080, target_address: A1, target_port: 8080 }] }),
    );
    for (const phase of ['check', 'start', 'routes'] as const)
      for (const n of ['n1', 'n2'])
        expect(planNodePhase(desired, c, n, phase), `${n} ${phase}`).to.equal(undefined);
    // a node whose guard went missing gets it back in the routes phase
    const lost = cluster(node([web], { routes: [route] }), node([db], { route_guard: guard }));
    expect(planNodePhase(desired, lost, 'n1', 'routes')).to.deep.equal({
      kind: 'set-proxies',
      routes: [route],
      guard,
    });
  });
});
