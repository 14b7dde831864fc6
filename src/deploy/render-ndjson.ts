// The --json renderers. Deploying: one JSON line per event (docs/events.md, schema
// docs/schema/events.v1.json), then {"type":"result", applied, plan} as the last line.
// --dry-run: the plan document only (docs/plan.md). Secret values are never printed: plans and
// changes go out as shown.ts shows them (environment: the variable names only).
import type { ClusterPlan } from '../model/changes.js';
import type { DeployEvent } from '../model/events.js';
import { EVENTS_SCHEMA } from '../model/events-schema.js';
import { planDocument } from '../plan/describe.js';
import { shownEvent } from '../plan/shown.js';
import type { RenderIO, Renderer } from './renderer.js';

/** One NDJSON line of `flocker-deploy --json`: its schema first, then the event, then its time. */
export function eventLine<E extends { readonly type: string }>(e: E, now: Date): string {
  return `${JSON.stringify({ schema: EVENTS_SCHEMA, ...e, time: now.toISOString() })}\n`;
}

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
        io.stdout(eventLine({ type: 'result', applied: e.applied, plan: doc }, io.now()));
      } else io.stdout(eventLine(shownEvent(e), io.now()));
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
