// Who may own each volume, decided from the copies alone (every node's reported ownership
// records) — pure. The planner asks this before it creates, moves or starts anything; a
// refusal is thrown at plan time, before anything changes.
import { FlockerError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { ClusterState, ReportedVolume } from '../model/state.js';
import { SNAPSHOT_NAME_RE } from '../model/names.js';
import { own } from '../util/own.js';

export interface PlanOptions {
  /** nodes the user told us to forget (--forget-node): they own nothing any more */
  readonly forget?: readonly string[];
  /**
   * the node whose state is fresher than the others' (flocker-changestate recomputing its own
   * part mid-deploy): where its record is at a higher epoch, the others' are stale, not a conflict
   */
  readonly fresh?: string;
}

export type VolumeDecision =
  /** no copy anywhere: the target creates it */
  | { readonly kind: 'create' }
  /** one owner; `finishing`: a sender whose handoff to it is not recorded as done yet */
  | { readonly kind: 'owner'; readonly node: string; readonly finishing?: string }
  /** a handoff under way from `from` to `to` (no owner yet) */
  | { readonly kind: 'handing-off'; readonly from: string; readonly to: string }
  /** --forget-node: the newest copy (on `node`) becomes owner at `epoch` */
  | { readonly kind: 'promote'; readonly node: string; readonly epoch: number; readonly forgotten: string };

export class VolumeOwnershipError extends FlockerError {
  constructor(
    message: string,
    code: ErrorCode,
    readonly volume: string,
    readonly nodes: readonly string[],
  ) {
    super(message, code, 'system');
  }
}

interface Copy {
  readonly node: string;
  readonly v: ReportedVolume;
}

function newest(v: ReportedVolume): string {
  return v.snapshots[v.snapshots.length - 1] ?? '(no snapshot)';
}

function describe(c: Copy): string {
  return `${c.node} (${c.v.role}, epoch ${c.v.epoch}, newest snapshot ${newest(c.v)}${c.v.newest_guid ? ` guid ${c.v.newest_guid}` : ''})`;
}

const HOW_TO_PROCEED = (node: string) =>
  `bring ${node} back (reachable), add it to the deployment file, or, if it is gone for good, re-run with --forget-node ${node} (the newest copy among the other nodes is then promoted)`;

/** Snapshot order by the time in their names (newest last). */
function snapshotKey(v: ReportedVolume): string {
  const m = SNAPSHOT_NAME_RE.exec(v.snapshots[v.snapshots.length - 1] ?? '');
  return m ? `${m[1]!}-${m[2]!.padStart(9, '0')}` : '';
}

/** Every reported copy of a volume, by node name order. */
export function copiesOf(cluster: ClusterState, volume: string): Copy[] {
  const out: Copy[] = [];
  for (const node of Object.keys(cluster.nodes).sort()) {
    const s = own(cluster.nodes, node)!.state;
    for (const v of [...s.owned_volumes, ...s.volume_copies]) if (v.name === volume) out.push({ node, v });
  }
  return out;
}

/**
 * The decision for one volume. `target`: where its app should run (undefined: nowhere).
 * `remembered`: owner of the volume per the cluster membership nodes remember, if any.
 */
export function decideVolume(
  cluster: ClusterState,
  volume: string,
  target: string | undefined,
  opts: PlanOptions = {},
  remembered?: { readonly owner: string; readonly epoch: number },
): VolumeDecision {
  const forget = new Set(opts.forget ?? []);
  const present = (n: string) => own(cluster.nodes, n) !== undefined && !forget.has(n);
  let copies = copiesOf(cluster, volume).filter((c) => !forget.has(c.node));
  const lineages = [...new Set(copies.flatMap((c) => (c.v.lineage ? [c.v.lineage] : [])))];
  if (lineages.length > 1) {
    throw new VolumeOwnershipError(
      `volume ${volume}: copies of different volumes share this name: ${copies.map((c) => `${c.node} (lineage ${c.v.lineage ?? '-'})`).join(', ')}; nothing is received into another lineage. Rename one aside on its node (zfs rename flocker/volumes/${volume} flocker/${volume}-other) and deploy again`,
      'E_VOLUME_CONFLICT',
      volume,
      copies.map((c) => c.node),
    );
  }
  // mid-deploy, the fresh node's own record at a higher epoch makes the others' stale
  const fresh = opts.fresh !== undefined ? copies.find((c) => c.node === opts.fresh) : undefined;
  if (fresh && fresh.v.role === 'owner')
    copies = copies.filter((c) => c === fresh || c.v.epoch > fresh.v.epoch || c.v.role === 'copy');
  const owners = copies.filter((c) => c.v.role === 'owner');
  const handing = copies.filter((c) => c.v.role === 'handing-off');
  if (owners.length > 1) {
    throw new VolumeOwnershipError(
      `volume ${volume} has ${owners.length} owners: ${owners.map(describe).join(' and ')}; refusing to guess which data is right. Recovery: on the node whose data is to become a copy, run \`zfs set flocker:role=copy flocker/volumes/${volume}\` (keep it apart first if its data matters: \`zfs rename flocker/volumes/${volume} flocker/${volume}-kept\`), then deploy again`,
      'E_VOLUME_CONFLICT',
      volume,
      owners.map((c) => c.node),
    );
  }
  const owner = owners[0];
  if (owner) {
    const finishing = handing.find(
      (h) => h.v.handoff?.to === owner.node && h.v.handoff.epoch === owner.v.epoch,
    );
    const others = handing.filter((h) => h !== finishing);
    if (others.length)
      throw new VolumeOwnershipError(
        `volume ${volume}: ${owner.node} owns it while ${others.map(describe).join(', ')} is handing it off elsewhere; refusing to guess`,
        'E_VOLUME_CONFLICT',
        volume,
        [owner.node, ...others.map((c) => c.node)],
      );
    return { kind: 'owner', node: owner.node, ...(finishing ? { finishing: finishing.node } : {}) };
  }
  if (handing.length > 1)
    throw new VolumeOwnershipError(
      `volume ${volume} is being handed off by several nodes: ${handing.map(describe).join(', ')}; refusing to guess`,
      'E_VOLUME_CONFLICT',
      volume,
      handing.map((c) => c.node),
    );
  const h = handing[0];
  if (h) {
    const to = h.v.handoff?.to;
    if (to === undefined || to === h.node) return { kind: 'owner', node: h.node }; // cancel: it stays
    if (present(to)) return { kind: 'handing-off', from: h.node, to };
    if (forget.has(to)) return promote(volume, copies, target, [...forget].join(', '), h.node);
    throw new VolumeOwnershipError(
      `volume ${volume} is being handed off from ${h.node} to ${to}, which is not in this deployment or not reachable: refusing to create, take over or move it. To proceed: ${HOW_TO_PROCEED(to)}`,
      'E_VOLUME_OWNER_MISSING',
      volume,
      [to],
    );
  }
  if (copies.length === 0) {
    const last = remembered?.owner;
    if (last !== undefined && !present(last) && !forget.has(last))
      throw new VolumeOwnershipError(
        `volume ${volume}: ${last} owned it (epoch ${remembered!.epoch}, as the cluster remembers) and is not in this deployment or not reachable: refusing to create it anew. To proceed: ${HOW_TO_PROCEED(last)}`,
        'E_VOLUME_OWNER_MISSING',
        volume,
        [last],
      );
    if (last !== undefined && present(last))
      throw new VolumeOwnershipError(
        `volume ${volume}: ${last} owned it (epoch ${remembered!.epoch}) but reports no copy of it now; refusing to create an empty one in its place. If its data is gone for good, re-run with --forget-node ${last}`,
        'E_VOLUME_OWNER_MISSING',
        volume,
        [last],
      );
    return { kind: 'create' };
  }
  // mid-deploy, a fresh copy that names its new owner is newer than that owner's stale report
  if (fresh && fresh.v.role === 'copy' && fresh.v.owner !== undefined && present(fresh.v.owner))
    return { kind: 'owner', node: fresh.v.owner };
  // only copies: the last owner (per the highest epoch any copy knows) is not here
  const top = [...copies].sort((a, b) => b.v.epoch - a.v.epoch)[0]!;
  const last = top.v.owner ?? remembered?.owner ?? '(unknown node)';
  if (forget.has(last)) return promote(volume, copies, target, last);
  throw new VolumeOwnershipError(
    `volume ${volume}: no reachable node owns it; ${last} owned it last (epoch ${top.v.epoch}) and ${present(last) ? 'holds no owned copy now' : 'is not in this deployment or not reachable'}. Copies: ${copies.map(describe).join(', ')}. Refusing to create, take over or move it. To proceed: ${HOW_TO_PROCEED(last)}`,
    'E_VOLUME_OWNER_MISSING',
    volume,
    [last],
  );
}

/** --forget-node: the newest copy (highest epoch, then newest snapshot) becomes owner. */
function promote(
  volume: string,
  copies: readonly Copy[],
  target: string | undefined,
  forgotten: string,
  handingOff?: string,
): VolumeDecision {
  const best = [...copies].sort(
    (a, b) =>
      b.v.epoch - a.v.epoch ||
      (snapshotKey(b.v) < snapshotKey(a.v) ? -1 : snapshotKey(b.v) > snapshotKey(a.v) ? 1 : 0),
  )[0]!;
  void handingOff;
  const epoch = Math.max(...copies.map((c) => Math.max(c.v.epoch, c.v.handoff?.epoch ?? 0))) + 1;
  if (target !== undefined && best.node !== target)
    throw new VolumeOwnershipError(
      `volume ${volume}: with ${forgotten} forgotten, the newest copy is ${describe(best)}, not on ${target}; never promoting an older copy. Deploy ${volume} to ${best.node} first (with --forget-node ${forgotten}), then move it`,
      'E_VOLUME_OWNER_MISSING',
      volume,
      [best.node],
    );
  return { kind: 'promote', node: best.node, epoch, forgotten };
}

/**
 * What the nodes remember of each volume's owner (their membership records, newest epoch
 * first): the only trace of a volume whose every copy is on nodes not reachable now.
 */
export function rememberedVolumes(
  cluster: ClusterState,
): Readonly<Record<string, { readonly owner: string; readonly epoch: number }>> {
  const out: Record<string, { owner: string; epoch: number }> = Object.create(null) as Record<
    string,
    { owner: string; epoch: number }
  >;
  for (const n of Object.keys(cluster.nodes).sort()) {
    const m = own(cluster.nodes, n)!.state.membership;
    for (const [name, r] of Object.entries(m?.volumes ?? {})) {
      const had = own(out, name);
      if (had === undefined || r.epoch > had.epoch) out[name] = { owner: r.owner, epoch: r.epoch };
    }
  }
  return out;
}
