// Pure parsers of `zfs list -H` output. Anything not a direct child of the parent with a valid
// volume name, and any snapshot not named by flocker, is ignored.
import { compareSnapshots, isFlockerSnapshot, volumeOfDataset } from './names.js';

export interface FilesystemEntry {
  readonly name: string; // volume name
  /** owner (writable) or read-only copy: from the flocker:role property, else from readonly */
  readonly owned: boolean;
  readonly mountpoint: string;
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
    const [ds, ro, mp, role] = line.split('\t');
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
    const owned = role === 'owner' ? true : role === 'copy' ? false : ro === 'off';
    volumes.push({ name, owned, mountpoint: mp });
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
  const out: Record<string, number> = {};
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
