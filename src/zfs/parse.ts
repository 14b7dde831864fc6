// Pure parsers of `zfs list -H` output. Anything not a direct child of the parent with a valid
// volume name, and any snapshot not named by flocker, is ignored.
import { isNodeName, isSnapshotName } from '../model/names.js';
import { compareSnapshots, isFlockerSnapshot, volumeOfDataset } from './names.js';
import type { HandoffIntent, OwnershipRecord, VolumeRole } from './volume-store.js';
import { dict } from '../util/own.js';

export interface FilesystemEntry extends OwnershipRecord {
  readonly name: string; // volume name
  /** owner (writable) or not: from the flocker:role property, else from readonly */
  readonly owned: boolean;
  readonly mountpoint: string;
}

/** A lineage id: what create() makes (hex), checked wherever one is read or received. */
export const LINEAGE_RE = /^[0-9a-f]{8,64}$/;
export const GUID_RE = /^[0-9]{1,20}$/;

const unset = (v: string | undefined): boolean => v === undefined || v === '-' || v === '';

/** The handoff intent as recorded (JSON); anything else is no intent. */
export function parseHandoffIntent(text: string | undefined): HandoffIntent | undefined {
  if (unset(text)) return undefined;
  let x: unknown;
  try {
    x = JSON.parse(text as string);
  } catch {
    return undefined;
  }
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (typeof o.to !== 'string' || !isNodeName(o.to)) return undefined;
  if (typeof o.epoch !== 'number' || !Number.isInteger(o.epoch) || o.epoch < 1) return undefined;
  const snapOk = o.snapshot === undefined || (typeof o.snapshot === 'string' && isSnapshotName(o.snapshot));
  const guidOk = o.guid === undefined || (typeof o.guid === 'string' && GUID_RE.test(o.guid));
  if (!snapOk || !guidOk) return undefined;
  return {
    to: o.to,
    epoch: o.epoch,
    ...(o.snapshot !== undefined ? { snapshot: o.snapshot as string } : {}),
    ...(o.guid !== undefined ? { guid: o.guid as string } : {}),
  };
}

export function formatHandoffIntent(h: HandoffIntent): string {
  return JSON.stringify({
    to: h.to,
    epoch: h.epoch,
    ...(h.snapshot !== undefined ? { snapshot: h.snapshot } : {}),
    ...(h.guid !== undefined ? { guid: h.guid } : {}),
  });
}

/** The record from the user properties (role falls back to readonly when unset). */
export function parseRecord(
  ro: 'on' | 'off',
  role: string | undefined,
  epoch: string | undefined,
  owner: string | undefined,
  lineage: string | undefined,
  handoff: string | undefined,
): OwnershipRecord {
  const r: VolumeRole =
    role === 'owner' || role === 'copy' || role === 'handing-off' ? role : ro === 'off' ? 'owner' : 'copy';
  const e = !unset(epoch) && /^[0-9]{1,9}$/.test(epoch as string) ? Number(epoch) : 0;
  const h = parseHandoffIntent(handoff);
  return {
    role: r,
    epoch: e,
    ...(!unset(owner) && isNodeName(owner as string) ? { owner: owner as string } : {}),
    ...(!unset(lineage) && LINEAGE_RE.test(lineage as string) ? { lineage: lineage as string } : {}),
    ...(h ? { handoff: h } : {}),
  };
}

export interface ParsedFilesystems {
  /** the parent dataset itself was listed */
  readonly parentExists: boolean;
  /** direct children with valid volume names, sorted by name */
  readonly volumes: readonly FilesystemEntry[];
}

function lines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.trim() !== '');
}

export function parseFilesystems(parent: string, stdout: string): ParsedFilesystems {
  let parentExists = false;
  const volumes: FilesystemEntry[] = [];
  for (const line of lines(stdout)) {
    const [ds, ro, mp, role, epoch, owner, lineage, handoff] = line.split('\t');
    if (ds === undefined || ro === undefined || mp === undefined) {
      throw new Error(`unexpected zfs list line: ${JSON.stringify(line)}`);
    }
    if (ds === parent) {
      parentExists = true;
      continue;
    }
    const name = volumeOfDataset(parent, ds);
    if (name === undefined) continue;
    if (ro !== 'on' && ro !== 'off')
      throw new Error(`unexpected readonly value for ${ds}: ${JSON.stringify(ro)}`);
    const record = parseRecord(ro, role, epoch, owner, lineage, handoff);
    volumes.push({ name, owned: record.role === 'owner', mountpoint: mp, ...record });
  }
  volumes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { parentExists, volumes };
}

/** volume name -> flocker snapshot names, oldest first. */
export function parseSnapshots(parent: string, stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of lines(stdout)) {
    const full = line.split('\t')[0] ?? '';
    const at = full.indexOf('@');
    if (at < 0) continue;
    const name = volumeOfDataset(parent, full.slice(0, at));
    const snap = full.slice(at + 1);
    if (name === undefined || !isFlockerSnapshot(snap)) continue;
    const list = out.get(name) ?? [];
    list.push(snap);
    out.set(name, list);
  }
  // zfs sorts by creation with 1 s granularity; our names carry ms + counter, a stable sort refines it.
  for (const list of out.values()) list.sort(compareSnapshots);
  return out;
}

/** volume name -> snapshot -> GUID, from `zfs get -H -p -o name,value -r guid PARENT`. */
export function parseGuids(parent: string, stdout: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const line of lines(stdout)) {
    const [full = '', guid = ''] = line.split('\t');
    const at = full.indexOf('@');
    if (at < 0 || !GUID_RE.test(guid)) continue;
    const name = volumeOfDataset(parent, full.slice(0, at));
    const snap = full.slice(at + 1);
    if (name === undefined || !isFlockerSnapshot(snap)) continue;
    const g = out.get(name) ?? dict<string>();
    g[snap] = guid;
    out.set(name, g);
  }
  return out;
}

/** "does not exist" from zfs list / get on a missing dataset. */
export function isMissingDatasetError(stderr: string): boolean {
  return /does not exist/i.test(stderr);
}

/** zfs-fuse says "dataset is busy" for a short while after an unmount. */
export function isBusyError(stderr: string): boolean {
  return /dataset is busy|device busy|resource busy/i.test(stderr);
}

/** `zfs get -H -p -o name,value referenced` output -> volume name -> bytes (direct children only). */
export function parseReferenced(parent: string, stdout: string): Record<string, number> {
  const out = dict<number>();
  for (const line of lines(stdout)) {
    const [ds, value] = line.split('\t');
    if (ds === undefined || value === undefined || ds.includes('@')) continue;
    const name = volumeOfDataset(parent, ds);
    if (name === undefined) continue;
    out[name] = parseBytes(value, ds);
  }
  return out;
}

/** An exact byte count as `zfs get -p` prints it. */
export function parseBytes(value: string, what: string): number {
  const v = value.trim();
  if (!/^\d+$/.test(v)) throw new Error(`unexpected byte count for ${what}: ${JSON.stringify(value)}`);
  return Number(v);
}

/** zpool says "no such pool". */
export function isMissingPoolError(stderr: string): boolean {
  return /no such pool/i.test(stderr);
}

/** `zfs get -H -p -o name,value -r used DATASET`: the dataset's bytes and each snapshot's. */
export function parseUsed(
  dataset: string,
  stdout: string,
): { used: number; snapshots: Record<string, number> } {
  let used = 0;
  const snapshots: Record<string, number> = {};
  for (const line of lines(stdout)) {
    const [ds, value] = line.split('\t');
    if (ds === undefined || value === undefined) continue;
    if (ds === dataset) used = parseBytes(value, ds);
    else if (ds.startsWith(`${dataset}@`)) {
      const snap = ds.slice(dataset.length + 1);
      if (isFlockerSnapshot(snap)) snapshots[snap] = parseBytes(value, ds);
    }
  }
  return { used, snapshots };
}
