// Issue 13 item 1: which images each node must be sent before anything is stopped (the layers
// it lacks are worked out by the deploy side: deploy/image-tar.ts). Pure.
import type { Application } from '../model/application.js';
import type { DesiredConfig } from '../model/deployment.js';
import type { ClusterState } from '../model/state.js';

/** One image a node lacks and the deploy sends it. */
export interface ImageShipment {
  readonly node: string;
  /** the image ID it must have after the load (sha256:...) */
  readonly image_id: string;
  /** the reference it is loaded under (the app's image) */
  readonly image: string;
  /** the apps on that node that run it */
  readonly apps: readonly string[];
}

/** apps whose image the deploy sends (built, or shipped on request): they carry an image_id */
export const shippedImage = (a: Application): string | undefined => a.image_id;

/**
 * Which node needs which image: every node that will run an app with a pinned image ID and does
 * not report that image. Nodes that report no images (older nodes) get every one.
 */
export function imageShipments(desired: DesiredConfig, cluster: ClusterState): ImageShipment[] {
  const out: ImageShipment[] = [];
  for (const node of Object.keys(desired.nodes).sort()) {
    const have = new Set((cluster.nodes[node]?.state.images ?? []).map((i) => i.id));
    const wanted = new Map<string, { image: string; apps: string[] }>();
    for (const name of desired.nodes[node] ?? []) {
      const app = desired.applications[name];
      const id = app && shippedImage(app);
      if (!app || id === undefined || have.has(id)) continue;
      const w = wanted.get(id) ?? wanted.set(id, { image: app.image, apps: [] }).get(id)!;
      w.apps.push(name);
    }
    for (const [image_id, w] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1)))
      out.push({ node, image_id, image: w.image, apps: w.apps.sort() });
  }
  return out;
}
