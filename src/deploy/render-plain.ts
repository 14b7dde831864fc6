// The plain renderer (CI, pipes): the plan as text on stdout before anything changes, one
// timestamped line per progress event on stderr, and "Applied N change(s)." at the end.
import type { ClusterPlan } from '../model/changes.js';
import type { DeployEvent } from '../model/events.js';
import { countChanges, describePlan, plural } from '../plan/describe.js';
import { formatEvent, formatProgress, timestamped } from './event-text.js';
import type { RenderIO, Renderer } from './renderer.js';

/** a stream's progress is printed at most this often (CI logs stay short) */
export const PLAIN_PROGRESS_MS = 5000;

export function plainRenderer(io: RenderIO): Renderer {
  let plan: ClusterPlan = { phases: [] };
  /** per stream: when its progress was last printed */
  const printed = new Map<string, number>();
  return {
    emit(e) {
      if (e.type === 'transfer-progress' || e.type === 'image-progress') {
        const key =
          e.type === 'image-progress'
            ? `${e.node}\0image\0${e.image}`
            : `${e.node}\0${e.phase}\0${JSON.stringify(e.change)}`;
        const now = io.now().getTime();
        const last = printed.get(key);
        if (last !== undefined && now - last < PLAIN_PROGRESS_MS) return;
        printed.set(key, now);
        const line = e.type === 'image-progress' ? formatEvent(e)! : formatProgress(e);
        io.stderr(`${timestamped(io.now(), line)}\n`);
      } else if (e.type === 'plan') {
        plan = e.plan;
        io.stdout(describePlan(e.plan, e.addresses, e.volumes));
      } else if (e.type === 'finished') {
        if (e.applied) io.stdout(`Applied ${plural(countChanges(plan), 'change')}.\n`);
      } else {
        const line = formatEvent(e);
        if (line !== undefined) io.stderr(`${timestamped(io.now(), line)}\n`);
      }
    },
    end: async () => undefined,
  };
}

/** Pure: what the plain renderer writes for these events. */
export function renderPlain(
  events: readonly DeployEvent[],
  now: () => Date,
): { readonly stdout: string; readonly stderr: string } {
  let stdout = '';
  let stderr = '';
  const r = plainRenderer({ stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), now });
  events.forEach(r.emit);
  return { stdout, stderr };
}
