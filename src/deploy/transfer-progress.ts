// The deploy side's reckoning of a node's stream progress: the rate over the last few seconds
// of the node's own samples (its clock, so ssh delays do not skew it) and the time left.
// Pure but for the per-stream memory of recent samples.
import type { ChangeProgress, DeployEvent, Emit, NodeEvent, TransferProgress } from '../model/events.js';

/** the rate is measured over the samples of this many ms (smooths out bursts) */
export const RATE_WINDOW_MS = 5000;

export interface Sample {
  readonly bytes: number;
  readonly ms: number;
}

/**
 * Rate in bytes/s from the oldest sample within RATE_WINDOW_MS of the newest (samples oldest
 * first); undefined until time has passed between two samples.
 */
export function rateOf(samples: readonly Sample[]): number | undefined {
  const last = samples[samples.length - 1];
  if (!last) return undefined;
  const first = samples.find((s) => last.ms - s.ms <= RATE_WINDOW_MS) ?? last;
  const dt = last.ms - first.ms;
  return dt > 0 ? ((last.bytes - first.bytes) * 1000) / dt : undefined;
}

/** Seconds left at `rate`: 0 once the total is reached, undefined without a total or a rate. */
export function etaOf(
  bytes: number,
  total: number | undefined,
  rate: number | undefined,
): number | undefined {
  if (total === undefined) return undefined;
  if (bytes >= total) return 0;
  if (rate === undefined || rate <= 0) return undefined;
  return Math.ceil((total - bytes) / rate);
}

/** One tracker per deploy: each stream (node + change) keeps its recent samples. */
export class TransferTracker {
  private readonly samples = new Map<string, Sample[]>();

  next(node: string, e: ChangeProgress): TransferProgress {
    const key = `${node}\0${e.phase}\0${JSON.stringify(e.change)}`;
    const list = this.samples.get(key) ?? [];
    list.push({ bytes: e.bytes, ms: e.ms });
    // keep one sample older than the window: the rate spans the whole window
    while (list.length > 2 && list[list.length - 1]!.ms - list[1]!.ms > RATE_WINDOW_MS) list.shift();
    this.samples.set(key, list);
    const rate = rateOf(list);
    const eta = etaOf(e.bytes, e.total, rate);
    return {
      type: 'transfer-progress',
      node,
      phase: e.phase,
      change: e.change,
      bytes: e.bytes,
      ...(e.total !== undefined ? { total: e.total } : {}),
      ...(rate !== undefined ? { rate: Math.round(rate) } : {}),
      ...(eta !== undefined ? { eta } : {}),
      ms: e.ms,
    };
  }
}

/** The driver's view of node events: progress samples become transfer-progress events. */
export function withTransferProgress(emit: Emit<DeployEvent>): Emit<NodeEvent & { readonly node: string }> {
  const tracker = new TransferTracker();
  return (e) => {
    if (e.type === 'change-progress') emit(tracker.next(e.node, e));
    else emit(e);
  };
}
