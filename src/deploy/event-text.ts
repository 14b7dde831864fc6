// One line of text per progress event, shared by the plain renderer (CI, pipes) and the listr2
// task output. Pure; the plan itself is rendered by describePlan (src/plan/describe.ts).
import type { DeployEvent } from '../model/events.js';
import { describeChange } from '../plan/describe.js';
import { assertNever } from '../util/assert-never.js';

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;
// first line only: the final error report carries a command's whole stderr
const firstLine = (s: string): string => s.split('\n')[0] ?? '';

/** The line for an event, or undefined for those rendered otherwise (plan, finished) or not at all. */
export function formatEvent(e: DeployEvent): string | undefined {
  switch (e.type) {
    case 'step-start':
      return `${e.step}: ${e.nodes.join(', ')}`;
    case 'step-done':
      return `${e.step}: done in ${secs(e.ms)}`;
    case 'step-failed':
      return `${e.step}: FAILED: ${e.error.message}`;
    case 'phase-start':
      return `phase ${e.phase}: ${e.nodes.join(', ')}`;
    case 'phase-done':
      return `phase ${e.phase}: done in ${secs(e.ms)}`;
    case 'phase-failed':
      return `phase ${e.phase}: FAILED: ${firstLine(e.error.message)}`;
    case 'change-start':
      return `${e.node}: ${describeChange(e.change)} ...`;
    case 'change-done': {
      const detail = e.detail
        ? ` (${Object.entries(e.detail)
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(', ')})`
        : '';
      return `${e.node}: ${describeChange(e.change)}: done in ${secs(e.ms)}${detail}`;
    }
    case 'change-failed':
      return `${e.node}: ${describeChange(e.change)}: FAILED: ${firstLine(e.error.message)}`;
    case 'agent-installed':
      return `${e.node}: node agent ${e.version} ${e.action}${e.previous && e.action === 'updated' ? ` (was ${e.previous})` : ''} in ${secs(e.ms)}`;
    case 'plan':
    case 'audit':
    case 'finished':
      return undefined;
    default:
      return assertNever(e);
  }
}

export function timestamped(now: Date, line: string): string {
  return `[${now.toISOString().slice(11, 23)}] ${line}`;
}
