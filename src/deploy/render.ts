// Rendering deploy events: plain timestamped lines (CI, pipes) or NDJSON (--json). Pure
// formatting; the CLI decides where the lines go.
import type { DeployEvent } from '../model/events.js';
import { assertNever } from '../util/assert-never.js';

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

export function formatEvent(e: DeployEvent): string {
  switch (e.type) {
    case 'step-start':
      return `${e.step}: ${e.nodes.join(', ')}`;
    case 'step-done':
      return `${e.step}: done in ${secs(e.ms)}`;
    case 'step-failed':
      return `${e.step}: FAILED: ${e.error}`;
    case 'phase-start':
      return `phase ${e.phase}: ${e.nodes.join(', ')}`;
    case 'phase-done':
      return `phase ${e.phase}: done in ${secs(e.ms)}`;
    case 'change-start':
      return `${e.node}: ${e.change} ...`;
    case 'change-done': {
      const detail = e.detail
        ? ` (${Object.entries(e.detail)
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(', ')})`
        : '';
      return `${e.node}: ${e.change}: done in ${secs(e.ms)}${detail}`;
    }
    case 'change-failed':
      // first line only: the final error report carries the command's whole stderr
      return `${e.node}: ${e.change}: FAILED: ${e.error.split('\n')[0] ?? ''}`;
    default:
      return assertNever(e);
  }
}

export function timestamped(now: Date, line: string): string {
  return `[${now.toISOString().slice(11, 23)}] ${line}`;
}
