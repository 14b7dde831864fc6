// Several volumes per application (issue 13 item 2): the planner refuses to change an app
// between one volume (its dataset mounted whole) and several (sub-folders of the dataset) while
// a node reports it with the other layout — its data would seem lost (E_VOLUME_LAYOUT), before
// anything changes. A dataset kept after its app was removed is checked by the node before
// the start (src/docker/volume-layout.ts).
import type { VolumeSpec } from '../model/application.js';
import type { DesiredConfig } from '../model/deployment.js';
import type { ClusterState } from '../model/state.js';
import { FlockerError } from '../errors.js';
import { layoutMismatchText } from '../docker/volume-layout.js';
import { own } from '../util/own.js';

const several = (v: Pick<VolumeSpec, 'mounts'>): boolean => v.mounts !== undefined;

export function checkVolumeLayouts(desired: DesiredConfig, cluster: ClusterState): void {
  for (const name of Object.keys(desired.applications).sort()) {
    const want = own(desired.applications, name)?.volume;
    if (!want) continue;
    for (const node of Object.keys(cluster.nodes).sort()) {
      const n = own(cluster.nodes, node);
      const have = n ? own(n.state.applications, name)?.spec.volume : undefined;
      if (have && several(have) !== several(want))
        throw new FlockerError(
          `${layoutMismatchText(name, want)} (as ${node} runs it now)`,
          'E_VOLUME_LAYOUT',
          'user',
        );
    }
  }
}
