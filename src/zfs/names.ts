// Pure naming rules for volumes, datasets and the snapshots flocker makes (the volume and
// snapshot name rules themselves are model/names.ts).
import { isSnapshotName, isVolumeName, SNAPSHOT_NAME_RE } from '../model/names.js';

export const DEFAULT_PARENT = 'flocker/volumes';

/** Volume (= application) names accepted anywhere a name crosses a trust boundary. */
export function isValidVolumeName(name: string): boolean {
  return isVolumeName(name);
}

export function assertVolumeName(name: string): void {
  if (!isValidVolumeName(name)) throw new Error(`invalid volume name: ${JSON.stringify(name)}`);
}

/** ZFS dataset path of a parent: components of [A-Za-z0-9_.:-], separated by single slashes. */
const PARENT = /^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$/;

export function assertParent(parent: string): void {
  if (!PARENT.test(parent)) throw new Error(`invalid parent dataset: ${JSON.stringify(parent)}`);
}

export function datasetName(parent: string, name: string): string {
  assertVolumeName(name);
  return `${parent}/${name}`;
}

/** The volume name of a dataset if it is a direct child of parent with a valid name, else undefined. */
export function volumeOfDataset(parent: string, dataset: string): string | undefined {
  const prefix = `${parent}/`;
  if (!dataset.startsWith(prefix)) return undefined;
  const rest = dataset.slice(prefix.length);
  return isValidVolumeName(rest) ? rest : undefined;
}

// Snapshots we make: flocker-<YYYYMMDDTHHMMSSmmmZ>-<counter>. Only these are listed or pruned.
export function isFlockerSnapshot(snap: string): boolean {
  return isSnapshotName(snap);
}

export function flockerSnapshotName(at: Date, counter: number): string {
  const iso = at.toISOString(); // 2026-11-22T10:53:24.123Z
  const stamp = iso.replace(/[-:]/g, '').replace('.', ''); // 20261122T105324123Z
  return `flocker-${stamp}-${counter}`;
}

/** Order of flocker snapshots: by embedded time, then counter (creation has 1 s granularity). */
export function compareSnapshots(a: string, b: string): number {
  const ma = SNAPSHOT_NAME_RE.exec(a);
  const mb = SNAPSHOT_NAME_RE.exec(b);
  if (!ma || !mb) return 0;
  const ta = ma[1] as string;
  const tb = mb[1] as string;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return Number(ma[2]) - Number(mb[2]);
}
