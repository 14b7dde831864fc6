// The planner: a pure, synchronous function from (desired config, every node's state) to the
// cluster plan. flocker-deploy prints it (--dry-run) and flocker-changestate recomputes its own
// node's part of each phase from fresher local state, so every decision here is made only from
// ownership and running state that the phases themselves move forward.
import type { Application } from '../model/application.js';
import { sameApplication, toApplication } from '../model/canonical.js';
import type { Change, ClusterPlan, PhaseName } from '../model/changes.js';
import { PHASES } from '../model/changes.js';
import type { DesiredConfig } from '../model/deployment.js';
import { linkEnvironment } from './links.js';
import type { ClusterState, NodeState, ReportedRoute } from '../model/state.js';

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
    for (const app of desired.nodes[node] ?? []) m.set(app, node);
  }
  return m;
}

/** volume name -> nodes owning it (sorted); built once per cluster state */
const ownerIndex = new WeakMap<ClusterState, Map<string, string[]>>();

function owners(cluster: ClusterState, volume: string): readonly string[] {
  let index = ownerIndex.get(cluster);
  if (!index) {
    index = new Map();
    for (const n of Object.keys(cluster.nodes).sort()) {
      for (const v of cluster.nodes[n]!.state.owned_volumes) {
        const list = index.get(v.name) ?? [];
        list.push(n);
        index.set(v.name, list);
      }
    }
    ownerIndex.set(cluster, index);
  }
  return index.get(volume) ?? [];
}

/** The owner of a volume as seen from `self`: self if it owns it, else the first other owner. */
function ownerOf(cluster: ClusterState, volume: string, self: string): string | undefined {
  const o = owners(cluster, volume);
  return o.includes(self) ? self : o[0];
}

function reportedApp(state: NodeState, name: string): { app: Application; running: boolean } | undefined {
  const r = state.applications[name];
  return r ? { app: toApplication(name, r.spec), running: r.running } : undefined;
}

function addressOf(cluster: ClusterState, node: string): string {
  const n = cluster.nodes[node];
  if (!n) throw new Error(`no state for node ${node}`);
  return n.address;
}

function planPush(desired: DesiredConfig, cluster: ClusterState, node: string, where: Map<string, string>) {
  const pushes: Change[] = [];
  for (const [name, app] of sorted(desired.applications)) {
    const target = where.get(name);
    if (!app.volume || target === undefined || target === node) continue;
    if (ownerOf(cluster, name, node) !== node) continue;
    pushes.push({ kind: 'push-volume', name, to: target, to_address: addressOf(cluster, target) });
  }
  return sequence(pushes);
}

function planStop(desired: DesiredConfig, cluster: ClusterState, node: string, where: Map<string, string>) {
  const state = cluster.nodes[node]!.state;
  const perApp: Change[] = [];
  const names = new Set([...Object.keys(state.applications), ...state.owned_volumes.map((v) => v.name)]);
  for (const name of [...names].sort()) {
    const steps: Change[] = [];
    const current = reportedApp(state, name);
    const want = desired.applications[name];
    const target = where.get(name);
    if (current) {
      if (want === undefined || target === undefined)
        steps.push({ kind: 'stop-application', name, reason: 'removed' });
      else if (target !== node) steps.push({ kind: 'stop-application', name, reason: 'moved' });
      else if (!sameApplication(current.app, want))
        steps.push({ kind: 'stop-application', name, reason: 'changed' });
    }
    const ownsVolume = state.owned_volumes.some((v) => v.name === name);
    if (ownsVolume && want?.volume && target !== undefined && target !== node) {
      steps.push({ kind: 'handoff-volume', name, to: target, to_address: addressOf(cluster, target) });
    }
    const s = sequence(steps);
    if (s) perApp.push(s);
  }
  return parallel(perApp);
}

function planStart(desired: DesiredConfig, cluster: ClusterState, node: string) {
  const state = cluster.nodes[node]!.state;
  const address = addressOf(cluster, node);
  const perApp: Change[] = [];
  for (const name of [...(desired.nodes[node] ?? [])].sort()) {
    const want = desired.applications[name];
    if (!want) continue;
    const current = reportedApp(state, name);
    const upToDate = current !== undefined && current.running && sameApplication(current.app, want);
    if (upToDate) continue;
    const steps: Change[] = [];
    if (want.volume) {
      const owner = ownerOf(cluster, name, node);
      if (owner === undefined) steps.push({ kind: 'create-volume', name });
      else if (owner !== node) steps.push({ kind: 'wait-for-volume', name, from: owner });
    }
    steps.push({
      kind: 'start-application',
      application: want,
      link_environment: linkEnvironment(want, address),
    });
    perApp.push(sequence(steps)!);
  }
  // A route here for a port of an app about to start here would shadow it (our DNAT comes
  // before docker's): drop such routes first, so the app answers as soon as it runs. Only
  // removals here; routes to other nodes' apps are set in the routes phase, once those run.
  const starting = new Set(
    perApp
      .flatMap(leaves)
      .flatMap((c) => (c.kind === 'start-application' ? c.application.ports.map((p) => p.external) : [])),
  );
  const kept = state.routes.filter((r) => !starting.has(r.port));
  const unshadow: Change | undefined =
    kept.length < state.routes.length ? { kind: 'set-proxies', routes: sortRoutes(kept) } : undefined;
  return sequence([...(unshadow ? [unshadow] : []), ...(perApp.length ? [parallel(perApp)!] : [])]);
}

/** Bytes a volume's data takes on the node that owns it (0 when not reported). */
function ownerBytes(cluster: ClusterState, volume: string, owner: string): number {
  return cluster.nodes[owner]?.state.owned_volumes.find((v) => v.name === volume)?.bytes ?? 0;
}

/**
 * The check phase: what this node must be able to do before anything changes anywhere — the
 * images of the apps it will start (present or pullable), their ports and the ports it will newly
 * route (free of listeners not ours), and room in the pool for the volumes that will arrive
 * (the owner's size less what a copy here already holds) or be created here.
 */
function planCheck(desired: DesiredConfig, cluster: ClusterState, node: string): Change | undefined {
  const state = cluster.nodes[node]!.state;
  const start = planStart(desired, cluster, node);
  const starting = start ? leaves(start) : [];
  const images = new Set<string>();
  const appPorts = new Set<number>();
  const volumes: { name: string; bytes: number }[] = [];
  for (const c of starting) {
    if (c.kind === 'start-application') {
      images.add(c.application.image);
      for (const p of c.application.ports) appPorts.add(p.external);
    } else if (c.kind === 'create-volume') volumes.push({ name: c.name, bytes: 0 });
    else if (c.kind === 'wait-for-volume') {
      const here = state.volume_copies.find((v) => v.name === c.name)?.bytes ?? 0;
      volumes.push({ name: c.name, bytes: Math.max(0, ownerBytes(cluster, c.name, c.from) - here) });
    }
  }
  // a port already routed here by us is DNATed already: only new route ports can hijack anything
  const routePorts = desiredRoutes(desired, cluster, node)
    .map((r) => r.port)
    .filter((p) => !state.routes.some((r) => r.port === p));
  if (images.size === 0 && routePorts.length === 0 && volumes.length === 0) return undefined;
  const byNumber = (a: number, b: number): number => a - b;
  return {
    kind: 'check-start',
    images: [...images].sort(),
    app_ports: [...appPorts].sort(byNumber),
    route_ports: [...new Set(routePorts)].sort(byNumber),
    volumes: volumes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** Routes a node must have: every app placed on another node, by its external ports. */
export function desiredRoutes(desired: DesiredConfig, cluster: ClusterState, node: string): ReportedRoute[] {
  const routes: ReportedRoute[] = [];
  for (const [name, target] of placement(desired)) {
    const app = desired.applications[name];
    if (!app || target === node) continue;
    for (const p of app.ports) {
      routes.push({ port: p.external, target_address: addressOf(cluster, target), target_port: p.external });
    }
  }
  return sortRoutes(routes);
}

export function sortRoutes(routes: readonly ReportedRoute[]): ReportedRoute[] {
  return [...routes].sort(
    (a, b) =>
      a.port - b.port ||
      (a.target_address < b.target_address ? -1 : a.target_address > b.target_address ? 1 : 0) ||
      a.target_port - b.target_port,
  );
}

function planRoutes(desired: DesiredConfig, cluster: ClusterState, node: string): Change | undefined {
  const want = desiredRoutes(desired, cluster, node);
  // what the start phase leaves: it drops routes that would shadow apps it starts here
  const start = planStart(desired, cluster, node);
  const unshadowed = start ? leaves(start).find((c) => c.kind === 'set-proxies') : undefined;
  const have = sortRoutes(
    unshadowed?.kind === 'set-proxies' ? unshadowed.routes : cluster.nodes[node]!.state.routes,
  );
  if (JSON.stringify(want) === JSON.stringify(have)) return undefined;
  return { kind: 'set-proxies', routes: want };
}

function sorted<T>(r: Readonly<Record<string, T>>): [string, T][] {
  return Object.keys(r)
    .sort()
    .map((k) => [k, r[k] as T]);
}

/** One node's change for one phase (what flocker-changestate executes), or undefined. */
export function planNodePhase(
  desired: DesiredConfig,
  cluster: ClusterState,
  node: string,
  phase: PhaseName,
): Change | undefined {
  if (!cluster.nodes[node]) throw new Error(`no state for node ${node}`);
  const where = placement(desired);
  switch (phase) {
    case 'check':
      return planCheck(desired, cluster, node);
    case 'push':
      return planPush(desired, cluster, node, where);
    case 'stop':
      return planStop(desired, cluster, node, where);
    case 'start':
      return planStart(desired, cluster, node);
    case 'routes':
      return planRoutes(desired, cluster, node);
  }
}

/** The whole plan: phases in order, only those with work, only nodes with work. */
export function plan(desired: DesiredConfig, cluster: ClusterState): ClusterPlan {
  const nodes = Object.keys(cluster.nodes).sort();
  const phases: ClusterPlan['phases'][number][] = [];
  for (const phase of PHASES) {
    const perNode: NodeChanges = {};
    for (const node of nodes) {
      const c = planNodePhase(desired, cluster, node, phase);
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
