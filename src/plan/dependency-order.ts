// depends_on within one node's phase: the apps it starts (or stops) in layers — an app after
// every app it depends on among those (sequentially where a dependency exists, in parallel
// otherwise). Pure.
//
// Total on any input: config refuses cycles, but a recorded spec or a hand-made state may hold
// one. Dependencies are followed depth-first in name order; an edge that would close a cycle
// (back to an app whose depth is being computed) is ignored, so every app gets a finite layer,
// each app appears exactly once, and nothing waits for itself.

export interface Ordered<T> {
  readonly name: string;
  /** names this one depends on (others than those in the same list are ignored) */
  readonly deps: readonly string[];
  readonly item: T;
}

/** Layers of items, dependencies first; each layer sorted by name. One layer when no edges. */
export function dependencyLayers<T>(items: readonly Ordered<T>[]): T[][] {
  const byName = new Map(items.map((x) => [x.name, x]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    visiting.add(name);
    let d = 0;
    for (const dep of [...(byName.get(name)?.deps ?? [])].sort())
      if (byName.has(dep) && !visiting.has(dep)) d = Math.max(d, depthOf(dep) + 1);
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  const names = [...byName.keys()].sort();
  for (const n of names) depthOf(n);
  const layers: T[][] = [];
  for (const n of names) {
    const d = depth.get(n)!;
    (layers[d] ??= []).push(byName.get(n)!.item);
  }
  return layers.filter((l) => l !== undefined);
}
