// What prune may delete: stale copies, removed apps' volumes, snapshots no incremental needs —
// and what it keeps (handoffs, a missing owner's volume, owners of apps in the config).
import { expect } from 'chai';
import type { NodeState, ReportedVolume } from '../../src/model/state.js';
import { planPrune } from '../../src/plan/prune.js';

const MID = '0'.repeat(32);
const snap = (i: number) => `flocker-20261201T10000000${i}Z-${i}`;
const vol = (
  name: string,
  role: ReportedVolume['role'],
  snaps: number[],
  extra: Partial<ReportedVolume> = {},
): ReportedVolume => ({
  name,
  role,
  epoch: 1,
  owner: 'n1',
  lineage: 'abcdef01',
  snapshots: snaps.map(snap),
  bytes: 100,
  ...extra,
});
const node = (vols: ReportedVolume[], apps: string[] = []): NodeState => ({
  protocol: 1,
  node: { hostname: 'h', machine_id: MID },
  applications: Object.fromEntries(
    apps.map((a) => [
      a,
      { spec: { image: 'busybox:latest', restart_policy: { name: 'never' } }, running: true },
    ]),
  ) as never,
  owned_volumes: vols.filter((v) => v.role === 'owner'),
  volume_copies: vols.filter((v) => v.role !== 'owner'),
  routes: [],
});

describe('prune plan', () => {
  it('a copy on a node the app is not deployed to is stale; snapshots: newest and the common base stay', () => {
    const states = {
      n1: node([vol('web', 'owner', [1, 2, 3, 4])], ['web']),
      n2: node([vol('web', 'copy', [1, 2])]),
      n3: node([vol('web', 'copy', [1, 3])]),
    };
    const p = planPrune(states, new Set(['web']), { n1: ['web'], n2: [], n3: ['web'] });
    // n3 is where web is deployed (a move is coming): its copy seeds it, kept
    expect(p.volumes).to.deep.equal([
      { node: 'n2', name: 'web', role: 'copy', epoch: 1, why: 'stale copy', bytes: 100 },
    ]);
    expect(p.snapshots).to.deep.equal([
      { node: 'n3', name: 'web', snapshots: [snap(1)] },
      { node: 'n1', name: 'web', snapshots: [snap(1), snap(2)] },
    ]);
    expect(p.kept).to.deep.equal([]);
  });

  it('never an owner of an app in the config; a handoff under way is not touched', () => {
    const states = {
      n1: node([vol('web', 'handing-off', [1], { handoff: { to: 'n2', epoch: 2 } })]),
      n2: node([vol('web', 'copy', [1])]),
      n3: node([vol('db', 'owner', [1])]),
    };
    const p = planPrune(states, new Set(['web', 'db']), { n1: [], n2: ['web'], n3: [] });
    expect(p.volumes).to.deep.equal([]);
    expect(p.snapshots).to.deep.equal([]);
    expect(p.kept.map((k) => k.name)).to.deep.equal(['web']);
  });

  it("a removed app's volume goes everywhere, unless a node outside the deployment owned it or its unit remains", () => {
    const states = {
      n1: node([vol('old', 'owner', [1]), vol('gone', 'copy', [1], { owner: 'n9' })]),
      n2: node([vol('old', 'copy', [1]), vol('still', 'owner', [1])], ['still']),
    };
    const p = planPrune(states, new Set(), { n1: [], n2: [] });
    expect(p.volumes.map((v) => `${v.node}:${v.name}:${v.role}`)).to.deep.equal([
      'n1:old:owner',
      'n2:old:copy',
    ]);
    expect(p.kept).to.deep.equal([
      { name: 'gone', why: 'owned by n9, not a node of this deployment (it may hold newer data)' },
      { name: 'still', why: 'its app still has a unit on n2: deploy first' },
    ]);
  });

  it('two owners: a conflict, kept', () => {
    const states = { n1: node([vol('web', 'owner', [1])]), n2: node([vol('web', 'owner', [1])]) };
    const p = planPrune(states, new Set(['web']), { n1: ['web'], n2: [] });
    expect(p.volumes).to.deep.equal([]);
    expect(p.kept[0]!.why).to.match(/conflict/);
  });
});
