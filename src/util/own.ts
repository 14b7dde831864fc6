// Records keyed by names users (or nodes) chose: an application called `constructor` or
// `toString` must never find Object.prototype's member, and a key `__proto__` must never set a
// prototype. Lookups go through own(); records built here have no prototype at all.

/** The value `r` holds under its own key `k`; never one inherited from a prototype. */
export function own<T>(r: Readonly<Record<string, T>>, k: string): T | undefined {
  return Object.hasOwn(r, k) ? r[k] : undefined;
}

/** An empty record with no prototype: every name, `__proto__` included, is a plain key. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A prototype-free record of the given entries (later entries win, as Object.fromEntries). */
export function dictFrom<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = dict<T>();
  for (const [k, v] of entries) out[k] = v;
  return out;
}
