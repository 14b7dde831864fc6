// Application and node names that are also members of Object.prototype (`constructor`,
// `toString`, ...) are plain names: the planner makes for them exactly the plan it makes for
// `web` on `n1`/`n2`, renamed. A plain `{}` lookup would find the prototype's function instead.
import { expect } from 'chai';
import type { Application } from '../../src/model/application.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { ClusterPlan } from '../../src/model/changes.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { ClusterState, NodeState } from '../../src/model/state.js';
import { describePlan } from '../../src/plan/describe.js';
import { plan } from '../../src/plan/planner.js';
import { PROTO_NAMES } from '../helpers/proto-names.js';

const LINEAGE = '0123456789abcdef';

interface Names {
  readonly app: string;
  readonly n1: string;
  readonly n2: string;
}

function appNamed(name: string): Application {
  return toApplication(name, {
    image: 'busybox',
    ports: [{ internal: 80, external: 8080 }],
    volume: { mountpoint: '/data' },
    environment: { MODE: 'x' },
  });
}
const api = toApplication('api', {
  image: 'busybox',
  ports: [{ internal: 5000, external: 5000 }],
  links: [{ local_port: 80, remote_port: 8080, alias: 'front' }],
});

function state(apps: Application[], owned: string[]): NodeState {
  return {
    protocol: 1,
    node: { hostname: 'h', machine_id: 'm' },
    applications: Object.fromEntries(apps.map((a) => [a.name, { spec: toConfigEntry(a), running: true }])),
    owned_volumes: owned.map((name) => ({ name, snapshots: [], role: 'owner', epoch: 1, lineage: LINEAGE })),
    volume_copies: [],
    routes: [],
  };
}

/** Scenarios by what runs where and what is wanted, for the given names. */
const SCENARIOS: Record<string, (n: Names) => { desired: DesiredConfig; cluster: ClusterState }> = {
  'first start with a new volume': (n) => ({
    desired: {
      applications: Object.fromEntries([appNamed(n.app), api].map((a) => [a.name, a])),
      nodes: Object.fromEntries([
        [n.n1, [n.app]],
        [n.n2, ['api']],
      ]),
    },
    cluster: cluster(n, state([], []), state([], [])),
  }),
  'a move with its volume': (n) => ({
    desired: {
      applications: Object.fromEntries([appNamed(n.app), api].map((a) => [a.name, a])),
      nodes: Object.fromEntries([
        [n.n1, ['api']],
        [n.n2, [n.app]],
      ]),
    },
    cluster: cluster(n, state([appNamed(n.app)], [n.app]), state([], [])),
  }),
  'removed from the config': (n) => ({
    desired: {
      applications: { api },
      nodes: Object.fromEntries([
        [n.n1, ['api']],
        [n.n2, []],
      ]),
    },
    cluster: cluster(n, state([appNamed(n.app)], [n.app]), state([], [])),
  }),
  'already running: nothing to do': (n) => ({
    desired: {
      applications: Object.fromEntries([appNamed(n.app)].map((a) => [a.name, a])),
      nodes: Object.fromEntries([
        [n.n1, [n.app]],
        [n.n2, []],
      ]),
    },
    cluster: cluster(n, state([appNamed(n.app)], [n.app]), state([], [])),
  }),
  'not placed anywhere, not running': (n) => ({
    desired: {
      applications: Object.fromEntries([appNamed(n.app), api].map((a) => [a.name, a])),
      nodes: Object.fromEntries([
        [n.n1, ['api']],
        [n.n2, []],
      ]),
    },
    cluster: cluster(n, state([], []), state([], [])),
  }),
};

function cluster(n: Names, s1: NodeState, s2: NodeState): ClusterState {
  return {
    nodes: Object.fromEntries([
      [n.n1, { address: '198.51.100.2', state: s1 }],
      [n.n2, { address: '198.51.100.3', state: s2 }],
    ]),
  };
}

/** The plan with every name of `from` spelled as in `to` (names are whole JSON strings). */
function renamed(p: ClusterPlan, from: Names, to: Names): unknown {
  let text = JSON.stringify(p);
  for (const k of ['app', 'n1', 'n2'] as const) text = text.split(`"${from[k]}"`).join(`"${to[k]}"`);
  return JSON.parse(text);
}

const BASE: Names = { app: 'web', n1: 'n1', n2: 'n2' };

describe('planner: names that Object.prototype has', () => {
  for (const [scenario, make] of Object.entries(SCENARIOS)) {
    for (const name of PROTO_NAMES) {
      const other = name === 'toString' ? 'valueOf' : 'toString';
      for (const names of [
        { app: name, n1: 'n1', n2: 'n2' },
        { app: 'web', n1: name, n2: other },
        { app: name, n1: other, n2: name },
      ]) {
        it(`${scenario}: app ${names.app} on nodes ${names.n1}/${names.n2} is planned as web on n1/n2`, () => {
          const base = make(BASE);
          const want = renamed(plan(base.desired, base.cluster), BASE, names);
          const s = make(names);
          const got = plan(s.desired, s.cluster);
          expect(JSON.parse(JSON.stringify(got))).to.deep.equal(want);
          // and it can be printed
          expect(describePlan(got, { [names.n1]: '198.51.100.2', [names.n2]: '198.51.100.3' })).to.be.a(
            'string',
          );
        });
      }
    }
  }

  it('the base scenarios are not empty plans (the comparison means something)', () => {
    const kinds = Object.values(SCENARIOS).map((make) => {
      const s = make(BASE);
      return plan(s.desired, s.cluster).phases.length;
    });
    expect(kinds).to.deep.equal([3, 5, 4, 2, 3]);
  });
});
