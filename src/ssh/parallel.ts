// Bounded parallelism over nodes: every node runs to completion, failures are collected per
// node (one AggregateNodeError), results keep input order.
import type { NodeError } from '../errors.js';
import { DEFAULT_CONCURRENCY } from './connect-options.js';
import type { NodeConnection } from './connection.js';
import { AggregateNodeError, toNodeError } from './errors.js';

/** Map over items with at most `concurrency` promises in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i] as T;
      try {
        results[i] = { status: 'fulfilled', value: await fn(item, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  const n = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}

/** Run fn on every connection, at most `concurrency` at a time; settled results per node. */
export async function runAllSettled<T>(
  conns: ReadonlyMap<string, NodeConnection>,
  fn: (conn: NodeConnection) => Promise<T>,
  concurrency = DEFAULT_CONCURRENCY,
): Promise<Map<string, PromiseSettledResult<T>>> {
  const entries = [...conns.entries()];
  const results = await mapLimit(entries, concurrency, ([, c]) => fn(c));
  return new Map(entries.map(([node], i) => [node, results[i] as PromiseSettledResult<T>]));
}

/**
 * Run fn on every connection, at most `concurrency` at a time. Every node runs to completion;
 * if any failed, throws one AggregateNodeError (what = `what`) listing each failed node.
 */
export async function runAll<T>(
  conns: ReadonlyMap<string, NodeConnection>,
  fn: (conn: NodeConnection) => Promise<T>,
  concurrency = DEFAULT_CONCURRENCY,
  what = 'command failed',
): Promise<Map<string, T>> {
  const settled = await runAllSettled(conns, fn, concurrency);
  const out = new Map<string, T>();
  const errors: NodeError[] = [];
  for (const [node, r] of settled) {
    if (r.status === 'fulfilled') out.set(node, r.value);
    else errors.push(toNodeError(node, r.reason));
  }
  if (errors.length > 0) throw new AggregateNodeError(errors, what, conns.size);
  return out;
}
