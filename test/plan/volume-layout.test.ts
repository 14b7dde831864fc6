// Several volumes per app (issue 13 item 2): one dataset, so the plan of a move is exactly the
// single-volume plan (one push, one handoff, one wait); a change between one and several
// volumes is refused while a node runs the other layout.
import { expect } from 'chai';
import { plan } from '../../src/plan/planner.js';
import type { Application } from '../../src/model/application.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { ClusterState, NodeState } from '../../src/model/state.js';
import { FlockerError } from '../../src/errors.js';

const A1 = '198.51.100.2';
const A2 = '198.51.100.3';
const db: Application = toApplication('db', {
  image: 'busybox',
  volume: {
    mounts: [
      { name: 'logs', mountpoint: '/var/log/db' },
      { name: 'data', mountpoint: '/var/lib/db' },
    ],
  },
});
const dbOne: Application = toApplication('db', { image: 'busybox', volume: { mountpoint: '/var/lib/db' } });

function node(apps: Application[], owned: string[]): NodeState {
  return {
    protocol: 1,
    node: { hostname: 'h', machine_id: 'm' },
    applications: Object.fromEntries(apps.map((a) => [a.name, { spec: toConfigEntry(a), running: true }])),
    owned_volumes: owned.map((name) => ({
      name,
      snapshots: [],
      role: 'owner' as const,
      epoch: 1,
      lineage: '0123456789abcdef',
    })),
    volume_copies: [],
    routes: [],
  };
}
const cluster = (n1: NodeState, n2: NodeState): ClusterState => ({
  nodes: { n1: { address: A1, state: n1 }, n2: { address: A2, state: n2 } },
});

describe('planner: several volumes per app', () => {
  it('canonical form: mounts sorted by name; one volume keeps the Flocker 0.1 form', () => {
    expect(db.volume).to.deep.equal({
      mounts: [
        { name: 'data', mountpoint: '/var/lib/db' },
        { name: 'logs', mountpoint: '/var/log/db' },
      ],
    });
    expect(toConfigEntry(dbOne).volume).to.deep.equal({ mountpoint: '/var/lib/db' });
    expect(toApplication('db', toConfigEntry(db))).to.deep.equal(db);
  });

  it('moves a two-volume app as one dataset: one push, one handoff, one wait', () => {
    const c = cluster(node([db], ['db']), node([], []));
    expect(plan({ applications: { db }, nodes: { n1: [], n2: ['db'] } }, c)).to.deep.equal({
      phases: [
        {
          phase: 'check',
          nodes: {
            n2: {
              kind: 'check-start',
              images: ['busybox:latest'],
              app_ports: [],
              route_ports: [],
              volumes: [{ name: 'db', bytes: 0 }],
            },
          },
        },
        { phase: 'push', nodes: { n1: { kind: 'push-volume', name: 'db', to: 'n2', to_address: A2 } } },
        {
          phase: 'stop',
          nodes: {
            n1: {
              kind: 'sequentially',
              changes: [
                { kind: 'stop-application', name: 'db', reason: 'moved' },
                { kind: 'handoff-volume', name: 'db', to: 'n2', to_address: A2 },
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
                { kind: 'wait-for-volume', name: 'db', from: 'n1' },
                { kind: 'start-application', application: db, link_environment: {} },
              ],
            },
          },
        },
      ],
    });
  });

  it('a third volume is a changed config (restart on the same dataset), not a layout change', () => {
    const three = toApplication('db', {
      image: 'busybox',
      volume: { mounts: [...(db.volume?.mounts ?? []), { name: 'tmp', mountpoint: '/tmp/db' }] },
    });
    const p = plan(
      { applications: { db: three }, nodes: { n1: ['db'], n2: [] } },
      cluster(node([db], ['db']), node([], [])),
    );
    expect(p.phases.map((ph) => ph.phase)).to.deep.equal(['check', 'stop', 'start']);
  });

  for (const [what, running, wanted] of [
    ['one volume to two', dbOne, db],
    ['two volumes to one', db, dbOne],
  ] as const) {
    it(`refuses ${what} while a node runs the other layout (E_VOLUME_LAYOUT, user), naming app and node`, () => {
      const c = cluster(node([], []), node([running], ['db']));
      let err: unknown;
      try {
        plan({ applications: { db: wanted }, nodes: { n1: [], n2: ['db'] } }, c);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(FlockerError);
      expect((err as FlockerError).code).to.equal('E_VOLUME_LAYOUT');
      expect((err as FlockerError).source).to.equal('user');
      expect((err as FlockerError).message).to.match(
        /^application db: .*new application name.*\(as n2 runs it now\)$/,
      );
    });
  }
});
