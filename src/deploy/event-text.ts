// One line of text per progress event, shared by the plain renderer (CI, pipes) and the listr2
// task output. Pure; the plan itself is rendered by describePlan (src/plan/describe.ts).
import type { DeployEvent, LeafChange, TransferProgress } from '../model/events.js';
import { describeChange, formatBytes } from '../plan/describe.js';
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
      const detail =
        e.detail && Object.keys(e.detail).length
          ? ` (${Object.entries(e.detail)
              .map(([k, v]) => `${k} ${String(v)}`)
              .join(', ')})`
          : '';
      return `${e.node}: ${describeChange(e.change)}: done in ${secs(e.ms)}${detail}`;
    }
    case 'change-failed':
      return `${e.node}: ${describeChange(e.change)}: FAILED: ${firstLine(e.error.message)}`;
    case 'transfer-progress':
      return formatProgress(e);
    case 'agent-installed':
      return `${e.node}: node agent ${e.version} ${e.action}${e.previous && e.action === 'updated' ? ` (was ${e.previous})` : ''} in ${secs(e.ms)}`;
    case 'image-built': // issue 13 item 1
      return e.node === undefined
        ? `image ${e.image} of ${e.app}: built (${e.image_id.slice(7, 19)}) in ${secs(e.ms)}`
        : `${e.node}: image ${e.image} of ${e.app}: built there (${e.image_id.slice(7, 19)}; context ${formatBytes(e.context_bytes ?? 0)}, no docker here) in ${secs(e.ms)}`;
    case 'image-shipped':
      return `${e.node}: image ${e.image} sent: ${formatBytes(e.bytes)} of ${formatBytes(e.image_bytes)} (only the layers it lacked) in ${secs(e.ms)}`;
    case 'image-progress':
      return `${e.node}: sending image ${e.image}: ${formatBytes(e.bytes)} / ${formatBytes(e.total)}`;
    case 'plan':
    case 'audit':
    case 'finished':
      return undefined;
    default:
      return assertNever(e);
  }
}

/** "copy web n1→n2": what a stream is, short enough for one terminal line */
export function streamLabel(c: LeafChange, node: string): string {
  switch (c.kind) {
    case 'push-volume':
      return `copy ${c.name} ${node}→${c.to}`;
    case 'handoff-volume':
      return `hand off ${c.name} ${node}→${c.to}`;
    case 'resume-handoff':
      return `resume hand-off ${c.name} ${node}→${c.to}`;
    default:
      return `${node}: ${describeChange(c)}`;
  }
}

/** "1 s", "2 min 5 s", "1 h 3 min" */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

/** "copy web n1→n2: 312 MiB / 500 MiB, 62 MiB/s, ETA 3 s" (parts shown when known) */
export function formatProgress(e: TransferProgress): string {
  const amount =
    e.total !== undefined ? `${formatBytes(e.bytes)} / ${formatBytes(e.total)}` : formatBytes(e.bytes);
  const parts = [amount];
  if (e.rate !== undefined) parts.push(`${formatBytes(e.rate)}/s`);
  if (e.eta !== undefined) parts.push(`ETA ${formatDuration(e.eta)}`);
  return `${streamLabel(e.change, e.node)}: ${parts.join(', ')}`;
}

export function timestamped(now: Date, line: string): string {
  return `[${now.toISOString().slice(11, 23)}] ${line}`;
}
