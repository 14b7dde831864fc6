// The planner: a pure, synchronous function from (desired config, every node's state) to the
// cluster plan. flocker-deploy prints it (--dry-run) and flocker-changestate recomputes its own
// node's part of each phase from fresher local state, so every decision here is made only from
// ownership and running state that the phases themselves move forward.
import type { Application, PortMapping } from '../model/application.js';
import { sameApplication, toApplication } from '../model/canonical.js';
import type { Change, ClusterPlan, PhaseName } from '../model/changes.js';
import { PHASES } from '../model/changes.js';
import type { DesiredConfig } from '../model/deployment.js';
import { configDiff } from './config-diff.js';
import { linkEnvironment } from './links.js';
import type { ClusterState, NodeState, ReportedRoute, RouteGuard } from '../model/state.js';
import { byRoutePort, routePortKey } from '../model/routes.js';
import { decideVolume, rememberedVolumes, type PlanOptions, type VolumeDecision } from './ownership.js';
import { dict, own } from '../util/own.js';
import { dependencyLayers, type Ordered } from './dependency-order.js';
import { checkVolumeLayouts } from './volume-layout.js';

export type { PlanOptions } from './ownership.js';

type NodeChanges = Record<string, Change>;

/** in-parallel of the given changes, dropping empties and unwrapping a single change */
function parallel(changes: Change[]): Change | undefined {
  const kept = changes.filter((c) => !isEmpty(c));
  if (kept.length === 0) return undefined;
  if (kept.length === 1) return kept[0];
  return { kind: 'in-parallel', changes: kept };
}

function sequence(changes: Change[]): Change | undefined {
  // a sequence inside a sequence is the same sequence
  const kept = changes
    .filter((c) => !isEmpty(c))
    .flatMap((c) => (c.kind === 'sequentially' ? c.changes : [c]));
  if (kept.length === 0) return undefined;
  if (kept.length === 1) return kept[0];
  return { kind: 'sequentially', changes: kept };
}

function isEmpty(c: Change): boolean {
  return (c.kind === 'in-parallel' || c.kind === 'sequentially') && c.changes.every(isEmpty);
}

/** Where each desired application should run. */
function placement(desired: DesiredConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const node of Object.keys(desired.nodes).sort()) {
    for (const app of own(desired.nodes, node) ?? []) m.set(app, node);
  }
  return m;
}

/** what the nodes remember of volume owners, once per cluster state */
const rememberedIndex = new WeakMap<ClusterState, ReturnType<typeof rememberedVolumes>>();
function remembered(cluster: ClusterState): ReturnType<typeof rememberedVolumes> {
  let r = rememberedIndex.get(cluster);
  if (!r) rememberedIndex.set(cluster, (r = rememberedVolumes(cluster)));
  return r;
}

/** decisions per cluster state and options, made once per volume */
const decisions = new WeakMap<ClusterState, Map<string, VolumeDecision>>();

function decision(
  desired: DesiredConfig,
  cluster: ClusterState,
  volume: string,
  where: Map<string, string>,
  opts: PlanOptions,
): VolumeDecision {
  let m = decisions.get(cluster);
  if (!m) decisions.set(cluster, (m = new Map()));
  const key = `${volume}\0${JSON.stringify(opts)}\0${where.get(volume) ?? ''}`;
  let d = m.get(key);
  if (!d) {
    d = decideVolume(cluster, volume, where.get(volume), opts, own(remembered(cluster), volume));
    m.set(key, d);
  }
  void desired;
  return d;
}

/** The node that owns (or will own, in this deploy's stop phase) the volume, if any. */
function ownerOf(d: VolumeDecision): string | undefined {
  switch (d.kind) {
    case 'owner':
      return d.node;
    case 'handing-off':
      return d.to;
    case 'promote':
      return d.node;
    case 'create':
      return undefined;
  }
}

function reportedApp(state: NodeState, name: string): { app: Application; running: boolean } | undefined {
  const r = own(state.applications, name);
  return r ? { app: toApplication(name, r.spec), running: r.running } : undefined;
}

function nodeState(cluster: ClusterState, node: string): NodeState {
  const n = own(cluster.nodes, node);
  if (!n) throw new Error(`no state for node ${node}`);
  return n.state;
}

function addressOf(cluster: ClusterState, node: string): string {
  const n = own(cluster.nodes, node);
  if (!n) throw new Error(`no state for node ${node}`);
  return n.address;
}

function planPush(
  desired: DesiredConfig,
  cluster: ClusterState,
  node: string,
  where: Map<string, string>,
  opts: PlanOptions,
) {
  const pushes: Change[] = [];
  for (const [name, app] of sorted(desired.applications)) {
    const target = where.get(name);
    if (!app.volume || target === undefined || target === node) continue;
    const d = decision(desired, cluster, name, where, opts);
    if (d.kind !== 'owner' || d.node !== node) continue;
    pushes.push({ kind: 'push-volume', name, to: target, to_address: addressOf(cluster, target) });
  }
  return sequence(pushes);
}

function planStop(
  desired: DesiredConfig,
  cluster: ClusterState,
  node: string,
  where: Map<string, string>,
  opts: PlanOptions,
) {
  const state = nodeState(cluster, node);
  const perApp: Ordered<Change>[] = [];
  const handingOff = state.volume_copies.filter((v) => v.role === 'handing-off');
  const names = new Set([
    ...Object.keys(state.applications),
    ...state.owned_volumes.map((v) => v.name),
    ...handingOff.map((v) => v.name),
  ]);
  for (const name of [...names].sort()) {
    const steps: Change[] = [];
    const current = reportedApp(state, name);
    const want = own(desired.applications, name);
    const target = where.get(name);
    if (current) {
      if (want === undefined || target === undefined) {
        const kept =
          state.owned_volumes.some((v) => v.name === name) || handingOff.some((v) => v.name === name);
        steps.push({
          kind: 'stop-application',
          name,
          reason: 'removed',
          ...(kept ? { volume_kept: true } : {}),
        });
      } else if (target !== node) {
        // moving: its new config (if any) is worth saying here, where the old one stops
        const diff = configDiff(current.app, want);
        steps.push({
          kind: 'stop-application',
          name,
          reason: 'moved',
          ...(diff.length ? { config_diff: diff } : {}),
        });
      } else if (!sameApplication(current.app, want)) {
        const diff = configDiff(current.app, want);
        steps.push({
          kind: 'stop-application',
          name,
          reason: 'changed',
          ...(diff.length ? { config_diff: diff } : {}),
        });
      }
    }
    const ownsVolume = state.owned_volumes.some((v) => v.name === name);
    const handing = handingOff.find((v) => v.name === name);
    if (handing) {
      // a handoff this node began: carried on (or finished) toward its recorded receiver, or
      // cancelled if the app is to stay here
      const d = decision(desired, cluster, name, where, opts);
      const to = handing.handoff?.to;
      if (to !== undefined && to !== node && own(cluster.nodes, to)) {
        const cancel = target === node;
        void d;
        steps.push({
          kind: cancel ? 'cancel-handoff' : 'resume-handoff',
          name,
          to,
          to_address: addressOf(cluster, to),
        });
      } else if (d.kind === 'owner' && d.node === node) {
        steps.push({ kind: 'cancel-handoff', name, to: to ?? node, to_address: addressOf(cluster, node) });
      }
    } else if (ownsVolume && want?.volume && target !== undefined && target !== node) {
      const d = decision(desired, cluster, name, where, opts);
      if (d.kind === 'owner' && d.node === node)
        steps.push({ kind: 'handoff-volume', name, to: target, to_address: addressOf(cluster, target) });
    }
    const s = sequence(steps);
    // stopped after the apps that depend on it (as they were started: the recorded spec's order)
    if (s) perApp.push({ name, deps: current?.app.depends_on ?? want?.depends_on ?? [], item: s });
  }
  return sequence(
    dependencyLayers(perApp)
      .reverse()
      .map((l) => parallel(l)!),
  );
}

function planStart(
  desired: DesiredConfig,
  cluster: ClusterState,
  node: string,
  where: Map<string, string>,
  opts: PlanOptions,
) {
  const state = nodeState(cluster, node);
  const address = addressOf(cluster, node);
  const perApp: Ordered<Change>[] = [];
  for (const name of [...(own(desired.nodes, node) ?? [])].sort()) {
    const want = own(desired.applications, name);
    if (!want) continue;
    const current = reportedApp(state, name);
    const upToDate = current !== undefined && current.running && sameApplication(current.app, want);
    // issue 13: maximum_size is the dataset's quota, set without a restart
    const quota = quotaChange(state, name, want);
    if (upToDate) {
      if (quota && state.owned_volumes.some((v) => v.name === name))
        perApp.push({ name, deps: want.depends_on ?? [], item: quota });
      continue;
    }
    const steps: Change[] = [];
    if (want.volume) {
      const d = decision(desired, cluster, name, where, opts);
      if (d.kind === 'create') steps.push({ kind: 'create-volume', name });
      else if (d.kind === 'promote')
        steps.push({ kind: 'promote-volume', name, epoch: d.epoch, forgotten: d.forgotten });
      else if (d.kind === 'handing-off') {
        // cancelled in the stop phase if it stays on its sender; else resumed toward its
        // recorded receiver, and a third node must wait for the next deploy to move it on
        if (d.to === node) steps.push({ kind: 'wait-for-volume', name, from: d.from });
        else if (d.from !== node) continue;
      } else if (ownerOf(d) !== node) steps.push({ kind: 'wait-for-volume', name, from: ownerOf(d)! });
    }
    // after the volume is here (created, promoted or arrived), before the app writes to it
    if (quota) steps.push(quota);
    steps.push({
      kind: 'start-application',
      application: want,
      link_environment: linkEnvironment(want, address),
    });
    perApp.push({ name, deps: want.depends_on ?? [], item: sequence(steps)! });
  }
  // A route here for a port of an app about to start here would shadow it (our DNAT comes
  // before docker's): drop such routes first, so the app answers as soon as it runs. Only
  // removals here; routes to other nodes' apps are set in the routes phase, once those run.
  const starting = new Set(
    perApp
      .flatMap((x) => leaves(x.item))
      .flatMap((c) =>
        c.kind === 'start-application'
          ? c.application.ports.map((p) =>
              routePortKey({ port: p.external, ...(p.protocol ? { protocol: p.protocol } : {}) }),
            )
          : [],
      ),
  );
  const kept = state.routes.filter((r) => !starting.has(routePortKey(r)));
  // networks: the guard of cluster-only ports is in place before an app publishes one here
  const guard = desiredGuard(desired, cluster);
  const guarded = perApp
    .flatMap((x) => leaves(x.item))
    .some((c) => c.kind === 'start-application' && c.application.ports.some((p) => p.cluster_only));
  const unshadow: Change | undefined =
    kept.length < state.routes.length || (guarded && !sameGuard(guard, state.route_guard))
      ? { kind: 'set-proxies', routes: sortRoutes(kept), ...(guard ? { guard } : {}) }
      : undefined;
  // depends_on: an app starts after those it depends on that start here too
  const layers = dependencyLayers(perApp).map((l) => parallel(l)!);
  return sequence([...(unshadow ? [unshadow] : []), ...layers]);
}

/**
 * The size of every volume the plan moves (pushes, handoffs), as its sender reports it (zfs
 * `referenced`: about what a full stream carries): what the plan shows beside each move.
 */
export function movingVolumeSizes(p: ClusterPlan, cluster: ClusterState): Record<string, number> {
  const sizes: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const ph of p.phases)
    for (const [node, c] of Object.entries(ph.nodes))
      for (const x of leaves(c)) {
        if (x.kind !== 'push-volume' && x.kind !== 'handoff-volume' && x.kind !== 'resume-handoff') continue;
        const st = cluster.nodes[node]?.state;
        const v = [...(st?.owned_volumes ?? []), ...(st?.volume_copies ?? [])].find((y) => y.name === x.name);
        if (v?.bytes !== undefined) sizes[x.name] = v.bytes;
      }
  return sizes;
}

/** Bytes a volume's data takes on the node that owns it (0 when not reported). */
function ownerBytes(cluster: ClusterState, volume: string, owner: string): number {
  return own(cluster.nodes, owner)?.state.owned_volumes.find((v) => v.name === volume)?.bytes ?? 0;
}

/**
 * The check phase: what this node must be able to do before anything changes anywhere — the
 * images of the apps it will start (present or pullable), their ports and the ports it will newly
 * route (free of listeners not ours), and room in the pool for the volumes that will arrive
 * (the owner's size less what a copy here already holds) or be created here.
 */
function planCheck(
  desired: DesiredConfig,
  cluster: ClusterState,
  node: string,
  where: Map<string, string>,
  opts: PlanOptions,
): Change | undefined {
  const state = nodeState(cluster, node);
  const start = planStart(desired, cluster, node, where, opts);
  const starting = start ? leaves(start) : [];
  const images = new Set<string>();
  const appPorts = new Set<number>();
  const udpAppPorts = new Set<number>();
  const volumes: { name: string; bytes: number }[] = [];
  for (const c of starting) {
    if (c.kind === 'start-application') {
      images.add(c.application.image_id ?? c.application.image); // issue 13 item 1: by ID when sent
      for (const p of c.application.ports) (p.protocol === 'udp' ? udpAppPorts : appPorts).add(p.external);
    } else if (c.kind === 'create-volume') volumes.push({ name: c.name, bytes: 0 });
    else if (c.kind === 'wait-for-volume') {
      const here = state.volume_copies.find((v) => v.name === c.name)?.bytes ?? 0;
      volumes.push({ name: c.name, bytes: Math.max(0, ownerBytes(cluster, c.name, c.from) - here) });
    }
  }
  // a port already routed here by us is DNATed already: only new route ports can hijack anything
  const newRoutes = (udp: boolean): number[] =>
    desiredRoutes(desired, cluster, node)
      .filter((d) => (d.protocol === 'udp') === udp)
      .map((r) => r.port)
      .filter((p) => !state.routes.some((r) => r.port === p && (r.protocol === 'udp') === udp));
  const routePorts = newRoutes(false);
  const udpRoutePorts = newRoutes(true);
  if (images.size === 0 && routePorts.length + udpRoutePorts.length === 0 && volumes.length === 0)
    return undefined;
  const sorted = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);
  return {
    kind: 'check-start',
    images: [...images].sort(),
    app_ports: sorted(appPorts),
    route_ports: sorted(routePorts),
    ...(udpAppPorts.size ? { udp_app_ports: sorted(udpAppPorts) } : {}),
    ...(udpRoutePorts.length ? { udp_route_ports: sorted(udpRoutePorts) } : {}),
    volumes: volumes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/**
 * Issue 13: the quota change that gives this node's copy of the app's volume the app's
 * maximum_size, if its reported quota differs (a volume created or received here has none).
 */
function quotaChange(state: NodeState, name: string, want: Application): Change | undefined {
  if (!want.volume) return undefined;
  const here = [...state.owned_volumes, ...state.volume_copies].find((v) => v.name === name)?.quota;
  const bytes = want.volume.maximum_size;
  if (here === bytes) return undefined;
  return { kind: 'set-volume-quota', name, ...(bytes !== undefined ? { bytes } : {}) };
}

/**
 * Issue 13: a maximum_size below what the volume's data already takes (its owner's reported
 * bytes) cannot be set: every such app, with both figures. Empty when none.
 */
export function quotaShrinkProblems(desired: DesiredConfig, cluster: ClusterState): string[] {
  const out: string[] = [];
  for (const [name, app] of Object.entries(desired.applications)) {
    const max = app.volume?.maximum_size;
    if (max === undefined) continue;
    for (const n of Object.values(cluster.nodes)) {
      const v = n.state.owned_volumes.find((x) => x.name === name);
      if (v?.bytes !== undefined && v.bytes > max)
        out.push(
          `application ${name}: volume.maximum_size ${max} bytes is below the ${v.bytes} bytes its volume already holds: a volume is not shrunk below its data (free space in the application first, or keep a larger maximum_size)`,
        );
    }
  }
  return out.sort();
}

/** A port published only on its node's loopback (host_ip 127.x): the cluster does not route it. */
export function loopbackOnly(p: PortMapping): boolean {
  return p.host_ip !== undefined && p.host_ip.startsWith('127.');
}

/**
 * Routes a node must have: every app placed on another node, by its external ports — except
 * ports published on the loopback of the node running the app (nothing else may reach them).
 */
export function desiredRoutes(desired: DesiredConfig, cluster: ClusterState, node: string): ReportedRoute[] {
  const routes: ReportedRoute[] = [];
  for (const [name, target] of placement(desired)) {
    const app = own(desired.applications, name);
    if (!app || target === node) continue;
    for (const p of app.ports) {
      if (loopbackOnly(p)) continue;
      routes.push({
        port: p.external,
        target_address: addressOf(cluster, target),
        target_port: p.external,
        ...(p.protocol === 'udp' ? { protocol: p.protocol } : {}),
      });
    }
  }
  return sortRoutes(routes);
}

// ---- issue 13 item 4 (networks) ----
/**
 * The guard every node has: the cluster-only ports of every placed app (routed or published
 * there), accepted from the addresses of the cluster's nodes. Undefined when there are none.
 */
export function desiredGuard(desired: DesiredConfig, cluster: ClusterState): RouteGuard | undefined {
  const ports = new Set<number>();
  for (const [name] of placement(desired))
    for (const p of own(desired.applications, name)?.ports ?? []) if (p.cluster_only) ports.add(p.external);
  if (!ports.size) return undefined;
  const sources = new Set(Object.keys(cluster.nodes).map((n) => addressOf(cluster, n)));
  return { ports: [...ports].sort((a, b) => a - b), sources: [...sources].sort() };
}

export const sameGuard = (a: RouteGuard | undefined, b: RouteGuard | undefined): boolean =>
  JSON.stringify(a ? [a.ports, a.sources] : null) === JSON.stringify(b ? [b.ports, b.sources] : null);
// ---- end networks ----

export function sortRoutes(routes: readonly ReportedRoute[]): ReportedRoute[] {
  return [...routes].sort(byRoutePort);
}

function planRoutes(
  desired: DesiredConfig,
  cluster: ClusterState,
  node: string,
  where: Map<string, string>,
  opts: PlanOptions,
): Change | undefined {
  const want = desiredRoutes(desired, cluster, node);
  const guard = desiredGuard(desired, cluster);
  // what the start phase leaves: it drops routes that would shadow apps it starts here
  const start = planStart(desired, cluster, node, where, opts);
  const unshadowed = start ? leaves(start).find((c) => c.kind === 'set-proxies') : undefined;
  const have = sortRoutes(
    unshadowed?.kind === 'set-proxies' ? unshadowed.routes : nodeState(cluster, node).routes,
  );
  const haveGuard =
    unshadowed?.kind === 'set-proxies' ? unshadowed.guard : nodeState(cluster, node).route_guard;
  if (JSON.stringify(want) === JSON.stringify(have) && sameGuard(guard, haveGuard)) return undefined;
  return { kind: 'set-proxies', routes: want, ...(guard ? { guard } : {}) };
}

function sorted<T>(r: Readonly<Record<string, T>>): [string, T][] {
  return Object.keys(r)
    .sort()
    .map((k) => [k, own(r, k) as T]);
}

/** One node's change for one phase (what flocker-changestate executes), or undefined. */
export function planNodePhase(
  desired: DesiredConfig,
  cluster: ClusterState,
  node: string,
  phase: PhaseName,
  opts: PlanOptions = {},
): Change | undefined {
  if (!own(cluster.nodes, node)) throw new Error(`no state for node ${node}`);
  const where = placement(desired);
  switch (phase) {
    case 'check':
      return planCheck(desired, cluster, node, where, opts);
    case 'push':
      return planPush(desired, cluster, node, where, opts);
    case 'stop':
      return planStop(desired, cluster, node, where, opts);
    case 'start':
      return planStart(desired, cluster, node, where, opts);
    case 'routes':
      return planRoutes(desired, cluster, node, where, opts);
  }
}

/**
 * Every volume decision of the plan, made up front so that a refusal (a missing owner, a
 * conflict) stops the deploy before anything changes.
 */
export function checkVolumes(desired: DesiredConfig, cluster: ClusterState, opts: PlanOptions = {}): void {
  checkVolumeLayouts(desired, cluster);
  const where = placement(desired);
  for (const [name, app] of sorted(desired.applications))
    if (app.volume && where.has(name)) decision(desired, cluster, name, where, opts);
}

/** The whole plan: phases in order, only those with work, only nodes with work. */
export function plan(desired: DesiredConfig, cluster: ClusterState, opts: PlanOptions = {}): ClusterPlan {
  checkVolumes(desired, cluster, opts);
  const nodes = Object.keys(cluster.nodes).sort();
  const phases: ClusterPlan['phases'][number][] = [];
  for (const phase of PHASES) {
    const perNode: NodeChanges = dict();
    for (const node of nodes) {
      const c = planNodePhase(desired, cluster, node, phase, opts);
      if (c) perNode[node] = c;
    }
    if (Object.keys(perNode).length) phases.push({ phase, nodes: perNode });
  }
  return { phases };
}

/** Leaf changes of a tree, in order. */
export function leaves(c: Change): Change[] {
  return c.kind === 'sequentially' || c.kind === 'in-parallel' ? c.changes.flatMap(leaves) : [c];
}
