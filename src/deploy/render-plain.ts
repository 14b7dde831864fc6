// The plain renderer (CI, pipes): the plan as text on stdout before anything changes, one
// timestamped line per progress event on stderr, and "Applied N changes." at the end.
import type { ClusterPlan } from '../model/changes.js';
import type { DeployEvent } from '../model/events.js';
import { countChanges, describePlan } from '../plan/describe.js';
import { formatEvent, timestamped } from './event-text.js';
import type { RenderIO, Renderer } from './renderer.js';

export function plainRenderer(io: RenderIO): Renderer {
  let plan: ClusterPlan = { phases: [] };
  return {
    emit(e) {
      if (e.type === 'plan') {
        plan = e.plan;
        io.stdout(describePlan(e.plan, e.addresses));
      } else if (e.type === 'finished') {
        if (e.applied) io.stdout(`Applied ${countChanges(plan)} changes.\n`);
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
