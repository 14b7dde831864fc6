// What `flocker prune` may delete (pure). Rules, most careful first:
// - A volume with a copy in handing-off state anywhere is never touched (a handoff is under way
//   or must be resumed by the next deploy).
// - A volume of an app that is in the application config: its owner is never deleted; read-only
//   copies on nodes the app is not deployed to are stale (a copy on the node it is deployed to
//   is kept: it seeds the next move); only when exactly one owner answered, every copy is of the
//   owner's lineage and no newer than the owner.
// - A volume of an app no longer in the config (its unit gone from every node): every copy,
//   owner included — unless some copy or membership record names an owner that is not a node
//   of this deployment (a missing node may still own newer data: kept, and said why).
// - Snapshots of kept datasets: all but each one's newest and, per kept copy, the newest
//   snapshot common to the owner and that copy (the base of the next incremental).
import type { NodeState, ReportedVolume } from '../model/state.js';
import { rememberedVolumes } from './ownership.js';

export interface PruneVolume {
  readonly node: string;
  readonly name: string;
  readonly role: 'owner' | 'copy';
  readonly epoch: number;
  readonly why: 'stale copy' | 'app removed';
  /** zfs referenced, as reported */
  readonly bytes?: number;
}

export interface PruneSnapshots {
  readonly node: string;
  readonly name: string;
  readonly snapshots: readonly string[];
}

export interface PruneKept {
  readonly name: string;
  readonly why: string;
}

export interface PrunePlan {
  readonly volumes: readonly PruneVolume[];
  readonly snapshots: readonly PruneSnapshots[];
  /** volumes left alone that a user might expect to go, with the reason */
  readonly kept: readonly PruneKept[];
  /** issue 13 item 1: images the deploy sent or built that no app of their node uses */
  readonly images?: readonly PruneImage[];
}

// --- issue 13 item 1 (images without a registry) ---
export interface PruneImage {
  readonly node: string;
  readonly image_id: string;
  readonly tags: readonly string[];
}

/**
 * Images we sent to a node (its shipped record) that no application unit there runs (by ID or
 * by a tag of the image) and none the deployment places there names: only ours, only unused.
 */
export function planImagePrune(
  states: Readonly<Record<string, NodeState>>,
  placement: Readonly<Record<string, readonly string[]>>,
  desiredImages: Readonly<Record<string, string>>,
): PruneImage[] {
  const out: PruneImage[] = [];
  for (const node of Object.keys(states).sort()) {
    const s = states[node]!;
    const inUse = new Set<string>();
    for (const a of Object.values(s.applications)) {
      if (a.spec.image_id !== undefined) inUse.add(a.spec.image_id);
      inUse.add(a.spec.image);
    }
    for (const app of placement[node] ?? []) {
      const img = desiredImages[app];
      if (img !== undefined) inUse.add(img);
    }
    for (const id of s.shipped_images ?? []) {
      const img = s.images?.find((i) => i.id === id);
      if (!img) continue; // gone already
      const tags = img.tags ?? [];
      if (inUse.has(id) || tags.some((t) => inUse.has(t))) continue;
      out.push({ node, image_id: id, tags: [...tags] });
    }
  }
  return out;
}
// --- end issue 13 item 1 ---

interface Held {
  readonly node: string;
  readonly v: ReportedVolume;
}

/**
 * `states`: every node of the deployment (all must have answered); `apps`: the application
 * config's names; `placement`: the deployment (node -> apps).
 */
export function planPrune(
  states: Readonly<Record<string, NodeState>>,
  apps: ReadonlySet<string>,
  placement: Readonly<Record<string, readonly string[]>>,
): PrunePlan {
  const nodes = Object.keys(states).sort();
  const held = new Map<string, Held[]>();
  for (const node of nodes) {
    const s = states[node]!;
    for (const v of [...s.owned_volumes, ...s.volume_copies])
      (held.get(v.name) ?? held.set(v.name, []).get(v.name)!).push({ node, v });
  }
  const remembered = rememberedVolumes({
    nodes: Object.fromEntries(nodes.map((n) => [n, { address: '', state: states[n]! }])),
  });
  const inDeployment = new Set(nodes);
  const volumes: PruneVolume[] = [];
  const snapshots: PruneSnapshots[] = [];
  const kept: PruneKept[] = [];
  const unitSomewhere = (name: string) => nodes.filter((n) => states[n]!.applications[name] !== undefined);

  for (const name of [...held.keys()].sort()) {
    const copies = held.get(name)!;
    if (copies.some((c) => c.v.role === 'handing-off')) {
      kept.push({ name, why: 'a handoff is under way (the next deploy finishes or cancels it)' });
      continue;
    }
    const owners = copies.filter((c) => c.v.role === 'owner');
    if (!apps.has(name)) {
      const units = unitSomewhere(name);
      const claimed = [
        ...copies.flatMap((c) => (c.v.owner !== undefined ? [c.v.owner] : [])),
        ...(remembered[name] ? [remembered[name].owner] : []),
      ].filter((o) => !inDeployment.has(o));
      if (units.length)
        kept.push({ name, why: `its app still has a unit on ${units.join(', ')}: deploy first` });
      else if (claimed.length)
        kept.push({
          name,
          why: `owned by ${[...new Set(claimed)].sort().join(', ')}, not a node of this deployment (it may hold newer data)`,
        });
      else for (const c of copies) volumes.push(removal(c, 'app removed'));
      continue;
    }
    if (owners.length !== 1) {
      kept.push({
        name,
        why: owners.length
          ? `owned by ${owners.map((o) => o.node).join(' and ')}: a conflict`
          : 'no node of the deployment owns it',
      });
      continue;
    }
    const owner = owners[0]!;
    const targets = new Set(Object.keys(placement).filter((n) => placement[n]!.includes(name)));
    const keptCopies: Held[] = [];
    for (const c of copies) {
      if (c === owner) continue;
      const sameLineage = c.v.lineage === undefined || c.v.lineage === owner.v.lineage;
      if (targets.has(c.node) || !sameLineage || c.v.epoch > owner.v.epoch) {
        keptCopies.push(c);
        if (!sameLineage) kept.push({ name, why: `the copy on ${c.node} is of another lineage` });
        continue;
      }
      volumes.push(removal(c, 'stale copy'));
    }
    // snapshots: keep each dataset's newest and the newest one common to the owner and each kept copy
    const keepOwner = new Set<string>(owner.v.snapshots.slice(-1));
    for (const c of keptCopies) {
      const base = newestCommon(owner.v, c.v);
      if (base !== undefined) keepOwner.add(base);
      const keepCopy = new Set<string>(c.v.snapshots.slice(-1));
      if (base !== undefined) keepCopy.add(base);
      const drop = c.v.snapshots.filter((s) => !keepCopy.has(s));
      if (drop.length) snapshots.push({ node: c.node, name, snapshots: drop });
    }
    const drop = owner.v.snapshots.filter((s) => !keepOwner.has(s));
    if (drop.length) snapshots.push({ node: owner.node, name, snapshots: drop });
  }
  return { volumes, snapshots, kept };
}

function removal(c: Held, why: PruneVolume['why']): PruneVolume {
  return {
    node: c.node,
    name: c.v.name,
    role: c.v.role === 'owner' ? 'owner' : 'copy',
    epoch: c.v.epoch,
    why,
    ...(c.v.bytes !== undefined ? { bytes: c.v.bytes } : {}),
  };
}

/** The newest snapshot (by the owner's order) that the copy holds too. */
function newestCommon(owner: ReportedVolume, copy: ReportedVolume): string | undefined {
  const has = new Set(copy.snapshots);
  for (let i = owner.snapshots.length - 1; i >= 0; i--)
    if (has.has(owner.snapshots[i]!)) return owner.snapshots[i];
  return undefined;
}
