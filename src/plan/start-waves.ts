// depends_on across nodes, in the start phase: a node that starts an app depending on an app
// another node starts in the same phase begins its start only after that node's start ended
// (which includes the dependency's health: a start with a check ends once healthy). The plan
// itself is unchanged; the driver runs the start phase's nodes in these waves. Pure.
//
// Nodes are ordered as a whole (a node's every start waits), which is the least the phase
// protocol (one `apply` per node and phase) allows. When nodes wait on each other both ways
// (n1's a needs n2's b, n2's c needs n1's d — no app cycle), the edge closing that cycle is
// ignored as in dependencyLayers: both nodes still start, in name order, never hanging.
import type { Change } from '../model/changes.js';
import { leaves } from './planner.js';
import { dependencyLayers } from './dependency-order.js';

/** The start phase's nodes in waves (each sorted); a single wave when no cross-node dependency. */
export function startWaves(nodes: Readonly<Record<string, Change>>): string[][] {
  const startedOn = new Map<string, string>(); // app -> node starting it in this phase
  const needs = new Map<string, Set<string>>(); // node -> apps its starting apps depend on
  for (const [node, change] of Object.entries(nodes)) {
    const deps = new Set<string>();
    for (const c of leaves(change))
      if (c.kind === 'start-application') {
        startedOn.set(c.application.name, node);
        for (const d of c.application.depends_on ?? []) deps.add(d);
      }
    needs.set(node, deps);
  }
  return dependencyLayers(
    Object.keys(nodes)
      .sort()
      .map((node) => ({
        name: node,
        deps: [...(needs.get(node) ?? [])]
          .map((app) => startedOn.get(app))
          .filter((n): n is string => n !== undefined && n !== node),
        item: node,
      })),
  );
}
