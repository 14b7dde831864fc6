// Several volumes per application (issue 13 item 2): where each volume of an app lives in its
// one dataset, and the node-side check that the dataset's layout matches the app's volumes.
//
// Layout: one volume -> the dataset root is mounted (Flocker 0.1's layout, unchanged); two or
// more -> each volume is the sub-folder NAME of the dataset, and the root holds the marker file
// LAYOUT_MARKER (never mounted into the container). Every volume of an app is in one dataset, so
// they move together: one snapshot, one stream, one ownership handoff.
//
// A dataset holding data in one layout is never mounted in the other (the data would seem lost):
// the planner refuses a change of layout it can see (E_VOLUME_LAYOUT), and the node checks again
// before every start (prepareLayoutArgv), for a dataset kept after its app was removed.
import type { VolumeSpec } from '../model/application.js';

/** In the dataset root of the several-volumes layout; the one-volume layout never has it. */
export const LAYOUT_MARKER = '.flocker-volumes';

export interface VolumeBind {
  /** path on the node */
  readonly source: string;
  /** path inside the container */
  readonly target: string;
}

/** The bind mounts of an app's volumes, given where its dataset is mounted on the node. */
export function volumeBinds(volume: VolumeSpec, datasetPath: string): VolumeBind[] {
  if (volume.mounts === undefined) return [{ source: datasetPath, target: volume.mountpoint }];
  const root = datasetPath.replace(/\/+$/, '');
  return volume.mounts.map((m) => ({ source: `${root}/${m.name}`, target: m.mountpoint }));
}

/** Exit status of the layout script when the dataset holds data in the other layout. */
export const LAYOUT_MISMATCH_EXIT = 4;

// Constant script; the dataset path and folder names arrive as positional parameters.
// Several volumes: a dataset without the marker must be empty (new) -> marker first, then the
// folders (a crash between leaves the marker: the next start makes the missing folders; ZFS
// keeps the order of the two). One volume ($2 absent): the marker must not be there.
const LAYOUT_SCRIPT =
  'set -e; root=$1; shift; m="$root/.flocker-volumes"; ' +
  '[ -d "$root" ] || { echo "$root is not a directory" >&2; exit 3; }; ' +
  'if [ $# -eq 0 ]; then [ ! -e "$m" ] || exit 4; exit 0; fi; ' +
  'if [ ! -e "$m" ]; then [ -z "$(ls -A -- "$root")" ] || exit 4; : > "$m"; fi; ' +
  'for n in "$@"; do [ -d "$root/$n" ] || mkdir -m 0755 -- "$root/$n"; done';

/**
 * The command run on the node before an app with a volume starts: checks the layout (exit
 * LAYOUT_MISMATCH_EXIT on a mismatch) and makes the sub-folders of several volumes (docker would
 * make missing bind sources itself, outside any check).
 */
export function prepareLayoutArgv(volume: VolumeSpec, datasetPath: string): string[] {
  const names = volume.mounts === undefined ? [] : volume.mounts.map((m) => m.name);
  return ['sh', '-c', LAYOUT_SCRIPT, 'sh', datasetPath, ...names];
}

/** What a layout mismatch means, and what to do (E_VOLUME_LAYOUT). */
export function layoutMismatchText(app: string, volume: VolumeSpec): string {
  return volume.mounts === undefined
    ? `application ${app}: its dataset holds several volumes (sub-folders), but it is now given one volume at ${volume.mountpoint}; mounting the dataset as one volume would show the folders instead of the data. Give it its volumes back, or deploy the new layout under a new application name and copy the data`
    : `application ${app}: its dataset holds the data of one volume, but it is now given ${volume.mounts.length} volumes (${volume.mounts.map((m) => m.mountpoint).join(', ')}); each would be an empty sub-folder and the data would seem lost. Give it its one volume back, or deploy the new layout under a new application name and copy the data`;
}
