// Pure argv builders for the zfs CLI. Only options zfs-fuse 0.7 (pool version 23) knows are used:
// no `list -p`, no `send -v/-c/-L`, no resumable send, no `recv -o/-u/-s`.
import { datasetName } from './names.js';
import { HOLD_TAG } from './volume-store.js';

export const ROLE_PROPERTY = 'flocker:role';
export const EPOCH_PROPERTY = 'flocker:epoch';
export const OWNER_PROPERTY = 'flocker:owner';
export const LINEAGE_PROPERTY = 'flocker:lineage';
export const HANDOFF_PROPERTY = 'flocker:handoff';
export type Role = 'owner' | 'copy' | 'handing-off';
/** the ownership record's properties, in the order listFilesystemsArgv prints them */
export const RECORD_PROPERTIES = [
  ROLE_PROPERTY,
  EPOCH_PROPERTY,
  OWNER_PROPERTY,
  LINEAGE_PROPERTY,
  HANDOFF_PROPERTY,
] as const;

/**
 * Filesystems under parent (parent itself included): name, readonly, mountpoint, role, tab-separated.
 * The role user property is the record of ownership: zfs-fuse reports `readonly` from the FUSE
 * mount options ("off temporary") even when readonly=on is set and enforced.
 */
export function listFilesystemsArgv(parent: string): string[] {
  return [
    'zfs',
    'list',
    '-H',
    '-o',
    ['name', 'readonly', 'mountpoint', ...RECORD_PROPERTIES].join(','),
    '-r',
    '-t',
    'filesystem',
    parent,
  ];
}

/** Snapshots under parent, oldest first by creation. */
export function listSnapshotsArgv(parent: string): string[] {
  return ['zfs', 'list', '-H', '-o', 'name', '-t', 'snapshot', '-s', 'creation', '-r', parent];
}

/**
 * Exact GUIDs of everything under parent: `zfs list` prints numbers "nicely" (16.0E) and
 * zfs-fuse has no `list -p`; `zfs get -p` (exact values) works on both.
 */
export function listGuidsArgv(parent: string): string[] {
  return ['zfs', 'get', '-H', '-p', '-o', 'name,value', '-r', 'guid', parent];
}

/**
 * Create the parent dataset (and missing ancestors below the pool). Its role is `copy`, so a
 * freshly received child that has no role of its own yet is never taken for an owner.
 */
export function createParentArgv(parent: string): string[] {
  return ['zfs', 'create', '-p', '-o', `${ROLE_PROPERTY}=copy`, parent];
}

/** A new owned volume: epoch 1, its owner and a new lineage recorded at creation, atomically. */
export function createVolumeArgv(parent: string, name: string, owner: string, lineage: string): string[] {
  return [
    'zfs',
    'create',
    '-o',
    'readonly=off',
    '-o',
    `${ROLE_PROPERTY}=owner`,
    '-o',
    `${EPOCH_PROPERTY}=1`,
    '-o',
    `${OWNER_PROPERTY}=${owner}`,
    '-o',
    `${LINEAGE_PROPERTY}=${lineage}`,
    datasetName(parent, name),
  ];
}

/** Set one user property (zfs-fuse sets one property per command). */
export function setPropertyArgv(parent: string, name: string, property: string, value: string): string[] {
  return ['zfs', 'set', `${property}=${value}`, datasetName(parent, name)];
}

/** Remove a user property from the dataset (it then shows as "-"). */
export function inheritPropertyArgv(parent: string, name: string, property: string): string[] {
  return ['zfs', 'inherit', property, datasetName(parent, name)];
}

export function holdArgv(parent: string, name: string, snap: string): string[] {
  return ['zfs', 'hold', HOLD_TAG, `${datasetName(parent, name)}@${snap}`];
}

export function releaseArgv(parent: string, name: string, snap: string): string[] {
  return ['zfs', 'release', HOLD_TAG, `${datasetName(parent, name)}@${snap}`];
}

/** Count of holds on a snapshot (`zfs holds` fails on zfs-fuse; userrefs works everywhere). */
export function userrefsArgv(parent: string, name: string, snap: string): string[] {
  return ['zfs', 'get', '-H', '-o', 'value', 'userrefs', `${datasetName(parent, name)}@${snap}`];
}

export function snapshotArgv(parent: string, name: string, snap: string): string[] {
  return ['zfs', 'snapshot', `${datasetName(parent, name)}@${snap}`];
}

export function destroySnapshotArgv(parent: string, name: string, snap: string): string[] {
  return ['zfs', 'destroy', `${datasetName(parent, name)}@${snap}`];
}

/** Destroy a volume with its snapshots. */
export function destroyVolumeArgv(parent: string, name: string): string[] {
  return ['zfs', 'destroy', '-r', datasetName(parent, name)];
}

export function setReadonlyArgv(parent: string, name: string, owned: boolean): string[] {
  return ['zfs', 'set', `readonly=${owned ? 'off' : 'on'}`, datasetName(parent, name)];
}

export function setRolePropertyArgv(parent: string, name: string, owned: boolean | Role): string[] {
  const role = owned === true ? 'owner' : owned === false ? 'copy' : owned;
  return ['zfs', 'set', `${ROLE_PROPERTY}=${role}`, datasetName(parent, name)];
}

/** Full stream of snap, or incremental from `from` (both snapshot names after '@'). */
export function sendArgv(parent: string, name: string, snap: string, from?: string): string[] {
  const ds = datasetName(parent, name);
  return from === undefined
    ? ['zfs', 'send', `${ds}@${snap}`]
    : ['zfs', 'send', '-i', `@${from}`, `${ds}@${snap}`];
}

/** Receive a stream into the volume's dataset, rolling back local changes (-F). */
export function recvArgv(parent: string, name: string): string[] {
  return ['zfs', 'recv', '-F', datasetName(parent, name)];
}

export function mountArgv(parent: string, name: string): string[] {
  return ['zfs', 'mount', datasetName(parent, name)];
}

export function unmountArgv(parent: string, name: string): string[] {
  return ['zfs', 'unmount', datasetName(parent, name)];
}

/** Exact (-p) referenced bytes of the parent and everything under it (snapshots too; zfs-fuse has no `get -t`). */
export function referencedArgv(parent: string): string[] {
  return ['zfs', 'get', '-H', '-p', '-o', 'name,value', '-r', 'referenced', parent];
}

/** Exact (-p) bytes available to a dataset. */
export function availableArgv(dataset: string): string[] {
  return ['zfs', 'get', '-H', '-p', '-o', 'value', 'available', dataset];
}

export function poolHealthArgv(pool: string): string[] {
  return ['zpool', 'list', '-H', '-o', 'health', pool];
}

/** Exact `used` bytes of one volume and of each of its snapshots (-r lists them; zfs-fuse has no -t). */
export function usedArgv(parent: string, name: string): string[] {
  return ['zfs', 'get', '-H', '-p', '-o', 'name,value', '-r', 'used', datasetName(parent, name)];
}

// ---- issue 13: volume quotas (Flocker's maximum_size) ----

/** Exact (-p) quotas of everything under parent (0: none). */
export function quotaArgv(parent: string): string[] {
  return ['zfs', 'get', '-H', '-p', '-o', 'name,value', '-r', 'quota', parent];
}

/** Set (bytes) or remove (undefined) a volume's quota. */
export function setQuotaArgv(parent: string, name: string, bytes: number | undefined): string[] {
  return ['zfs', 'set', `quota=${bytes === undefined ? 'none' : String(bytes)}`, datasetName(parent, name)];
}
