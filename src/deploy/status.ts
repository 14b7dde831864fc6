// `flocker status`: the cluster as one report, built (pure) from what each node answered.
import type { ReportedVolume } from '../model/state.js';
import { STATUS_FORMAT, STATUS_VERSION } from '../model/status.js';
import type {
  AppState,
  StatusApp,
  StatusNode,
  StatusReport,
  StatusRoute,
  StatusVolume,
} from '../model/status.js';
import type { Connect } from './ssh-options.js';
import type { NodeView } from './cluster-view.js';
import { viewCluster } from './cluster-view.js';

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function appState(running: boolean, unit?: string): AppState {
  if (running) return 'running';
  return unit === 'failed' ? 'failed' : 'stopped';
}

/** Pure: the report of `views` for a deployment placing apps as `placement` says. */
export function buildStatus(
  placement: Readonly<Record<string, readonly string[]>>,
  views: readonly NodeView[],
): StatusReport {
  const deployedTo = (app: string) =>
    Object.keys(placement)
      .filter((n) => placement[n]!.includes(app))
      .sort();
  const nodes: StatusNode[] = views.map((v) => ({
    name: v.node,
    reachable: v.error === undefined,
    ...(v.address !== undefined ? { address: v.address } : {}),
    ...(v.state ? { hostname: v.state.node.hostname } : {}),
    ...(v.error ? { error: { code: v.error.code, message: v.error.message } } : {}),
    ...(v.lock
      ? {
          lock: {
            held: v.lock.held,
            ...(v.lock.holder
              ? {
                  holder: {
                    user: v.lock.holder.user,
                    from: v.lock.holder.from,
                    since: v.lock.holder.started_at,
                    deploy_id: v.lock.holder.deploy_id,
                    deploy_pid: v.lock.holder.deploy_pid,
                  },
                }
              : {}),
          },
        }
      : {}),
  }));

  const applications: StatusApp[] = [];
  const seen = new Set<string>();
  for (const v of views) {
    for (const [name, a] of Object.entries(v.state?.applications ?? {})) {
      seen.add(name);
      applications.push({
        name,
        node: v.node,
        state: appState(a.running, a.unit_state),
        ...(a.unit_state !== undefined ? { unit_state: a.unit_state } : {}),
        image: a.spec.image,
        ...(a.since !== undefined ? { since: a.since } : {}),
        ports: (a.spec.ports ?? []).map((p) => ({ internal: p.internal, external: p.external })),
        volume: a.spec.volume !== undefined,
        deployed_to: deployedTo(name),
      });
    }
  }
  // placed by the deployment but reported by no node that answered
  const unreachable = new Set(views.filter((v) => v.error).map((v) => v.node));
  for (const [node, apps] of Object.entries(placement))
    for (const name of apps)
      if (!seen.has(name) && !unreachable.has(node)) {
        seen.add(name);
        applications.push({
          name,
          node,
          state: 'not running',
          ports: [],
          volume: false,
          deployed_to: deployedTo(name),
        });
      }
  applications.sort((a, b) => byName(a, b) || (a.node < b.node ? -1 : 1));

  const vols = new Map<string, { node: string; v: ReportedVolume }[]>();
  for (const view of views)
    for (const v of [...(view.state?.owned_volumes ?? []), ...(view.state?.volume_copies ?? [])])
      (vols.get(v.name) ?? vols.set(v.name, []).get(v.name)!).push({ node: view.node, v });
  const volumes: StatusVolume[] = [...vols.entries()].map(([name, copies]) => {
    const owners = copies.filter((c) => c.v.role === 'owner');
    const handing = copies.find((c) => c.v.role === 'handing-off');
    const main = owners[0] ?? handing ?? [...copies].sort((a, b) => b.v.epoch - a.v.epoch)[0]!;
    const newest = main.v.snapshots.at(-1);
    return {
      name,
      owners: owners.map((c) => c.node).sort(),
      ...(handing?.v.handoff ? { handing_off: { from: handing.node, to: handing.v.handoff.to } } : {}),
      copies: copies
        .filter((c) => c.v.role === 'copy')
        .map((c) => c.node)
        .sort(),
      epoch: Math.max(...copies.map((c) => c.v.epoch)),
      ...(main.v.bytes !== undefined ? { bytes: main.v.bytes } : {}),
      ...(newest !== undefined ? { newest_snapshot: newest } : {}),
    };
  });
  volumes.sort(byName);

  const byAddress = new Map(views.filter((v) => v.address).map((v) => [v.address!, v.node]));
  const routes: StatusRoute[] = views.flatMap((v) =>
    (v.state?.routes ?? []).map((r) => {
      const target = byAddress.get(r.target_address);
      return { node: v.node, ...r, ...(target !== undefined ? { target_node: target } : {}) };
    }),
  );
  return {
    format: STATUS_FORMAT,
    version: STATUS_VERSION,
    complete: views.every((v) => !v.error),
    nodes,
    applications,
    volumes,
    routes,
  };
}

/** Gather every node (each on its own) and build the report. */
export async function clusterStatus(
  connect: Connect,
  placement: Readonly<Record<string, readonly string[]>>,
): Promise<StatusReport> {
  const nodes = Object.keys(placement).sort();
  return buildStatus(placement, await viewCluster(connect, nodes));
}
