// `flocker prune`: list what the cluster keeps for nothing (stale copies, volumes of removed
// apps, snapshots no incremental needs), measured by each node, and with `yes` delete it under
// every node's deploy lock, as a deploy would hold it. The rules are src/plan/prune.ts's; each
// node checks every item again before it deletes (src/changestate/prune.ts).
import type { DesiredConfig } from '../model/deployment.js';
import type { PruneInput, PruneResult } from '../model/prune-input.js';
import { PROTOCOL_VERSION } from '../model/state.js';
import type { NodeState } from '../model/state.js';
import { planImagePrune, planPrune } from '../plan/prune.js';
import type { PrunePlan } from '../plan/prune.js';
import { AggregateNodeError, toNodeError } from '../errors.js';
import { CHANGESTATE, runNodeProgram } from './node-programs.js';
import { DeploySession } from './session.js';
import type { Connect } from './ssh-options.js';

export interface PruneReport {
  readonly plan: PrunePlan;
  /** per node, the sizes it measured (dry run) or what it deleted (applied) */
  readonly nodes: Readonly<Record<string, PruneResult>>;
  readonly bytes: number;
  readonly applied: boolean;
}

export interface PruneOptions {
  readonly desired: DesiredConfig;
  readonly connect: Connect;
  readonly user: string;
  readonly host?: string;
  readonly yes: boolean;
  readonly lockWaitSeconds?: number;
}

function inputFor(
  node: string,
  p: PrunePlan,
  s: DeploySession,
  desired: DesiredConfig,
  dryRun: boolean,
): PruneInput {
  return {
    protocol: PROTOCOL_VERSION,
    self: node,
    dry_run: dryRun,
    applications: Object.keys(desired.applications).sort(),
    volumes: p.volumes
      .filter((v) => v.node === node)
      .map((v) => ({ name: v.name, role: v.role, epoch: v.epoch })),
    snapshots: p.snapshots
      .filter((x) => x.node === node)
      .map((x) => ({ name: x.name, destroy: [...x.snapshots] })),
    ...(p.images?.some((i) => i.node === node)
      ? { images: p.images.filter((i) => i.node === node).map((i) => i.image_id) }
      : {}),
    audit: {
      deploy_id: s.audit.deploy_id,
      user: s.audit.user,
      host: s.audit.host,
      started_at: s.audit.started_at,
    },
  };
}

async function onNodes(
  s: DeploySession,
  nodes: readonly string[],
  what: string,
  fn: (node: string) => Promise<PruneResult>,
): Promise<Record<string, PruneResult>> {
  const settled = await Promise.allSettled(nodes.map(fn));
  const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [[nodes[i]!, r.reason] as const] : []));
  if (failed.length === 1) throw failed[0]![1];
  if (failed.length > 1)
    throw new AggregateNodeError(
      failed.map(([n, e]) => toNodeError(n, e)),
      what,
      s.nodes.length,
    );
  return Object.fromEntries(
    nodes.map((n, i) => [n, (settled[i] as PromiseFulfilledResult<PruneResult>).value]),
  );
}

export async function prune(o: PruneOptions): Promise<PruneReport> {
  const s = new DeploySession({
    desired: o.desired,
    connect: o.connect,
    user: o.user,
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.lockWaitSeconds !== undefined ? { lockWaitSeconds: o.lockWaitSeconds } : {}),
  });
  try {
    await s.connect();
    if (o.yes) await s.lock(); // deletes only while no deploy runs, like a deploy
    await s.gather();
    const states: Record<string, NodeState> = Object.fromEntries(
      Object.entries(s.clusterState.nodes).map(([n, x]) => [n, x.state]),
    );
    const volumePlan = planPrune(states, new Set(Object.keys(o.desired.applications)), o.desired.nodes);
    // issue 13 item 1: images we sent that no app of their node uses
    const desiredImages = Object.fromEntries(
      Object.entries(o.desired.applications).map(([n, a]) => [n, a.image]),
    );
    const images = planImagePrune(states, o.desired.nodes, desiredImages);
    const plan: PrunePlan = images.length ? { ...volumePlan, images } : volumePlan;
    const busy = s.nodes.filter(
      (n) =>
        plan.volumes.some((v) => v.node === n) ||
        plan.snapshots.some((x) => x.node === n) ||
        images.some((i) => i.node === n),
    );
    const run = (dryRun: boolean) => (node: string) =>
      runNodeProgram(s.connection(node), [CHANGESTATE, 'prune'], {
        stdin: JSON.stringify(inputFor(node, plan, s, o.desired, dryRun)),
        what: dryRun ? 'measuring what to prune failed' : 'pruning failed',
      }).then((r) => JSON.parse(r.stdout) as PruneResult);
    const nodes = await onNodes(s, busy, o.yes ? 'prune' : 'measure', run(!o.yes));
    // the nodes' membership record must forget the volumes destroyed: a re-added app whose
    // remembered owner "reports no copy now" would be refused (src/plan/ownership.ts)
    if (o.yes && plan.volumes.length) await s.remember();
    const bytes = Object.values(nodes).reduce((a, r) => a + r.bytes, 0);
    return { plan, nodes, bytes, applied: o.yes };
  } finally {
    await s.unlock();
    s.close();
  }
}
