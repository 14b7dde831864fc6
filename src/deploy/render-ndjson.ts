// The --json renderers. Deploying: one JSON line per event (with its time), then
// {"type":"result", applied, plan} as the last line. --dry-run: the plan document only.
import type { ClusterPlan } from '../model/changes.js';
import type { DeployEvent } from '../model/events.js';
import { planDocument } from '../plan/describe.js';
import type { RenderIO, Renderer } from './renderer.js';

export function ndjsonRenderer(io: Pick<RenderIO, 'stdout' | 'now'>): Renderer {
  let plan: {
    plan: ClusterPlan;
    addresses: Readonly<Record<string, string>>;
    volumes?: Readonly<Record<string, number>>;
  } = {
    plan: { phases: [] },
    addresses: {},
  };
  return {
    emit(e) {
      if (e.type === 'plan') plan = e;
      if (e.type === 'finished') {
        const doc = planDocument(plan.plan, plan.addresses, plan.volumes);
        io.stdout(`${JSON.stringify({ type: 'result', applied: e.applied, plan: doc })}\n`);
      } else {
        io.stdout(`${JSON.stringify({ ...e, time: io.now().toISOString() })}\n`);
      }
    },
    end: async () => undefined,
  };
}

/** --dry-run --json: one JSON document {format: "flocker-plan", ...}, nothing else. */
export function planDocumentRenderer(io: Pick<RenderIO, 'stdout'>): Renderer {
  return {
    emit(e) {
      if (e.type === 'plan')
        io.stdout(`${JSON.stringify(planDocument(e.plan, e.addresses, e.volumes), null, 2)}\n`);
    },
    end: async () => undefined,
  };
}

/** Pure: the lines the NDJSON renderer writes for these events. */
export function renderNdjson(events: readonly DeployEvent[], now: () => Date): string[] {
  let out = '';
  const r = ndjsonRenderer({ stdout: (s) => (out += s), now });
  events.forEach(r.emit);
  return out.split('\n').slice(0, -1);
}
