// What flocker prints of the plan and of its events: the plan data itself, except secret values.
// An application's secret fields (SECRET_VALUE_FIELDS: environment) are shown as the sorted list
// of their keys, never their values: in --dry-run --json, in the NDJSON events and in text
// alike (the text renderers never print an environment value either). Pure.
import type { Application } from '../model/application.js';
import { SECRET_VALUE_FIELDS } from '../model/application.js';
import type { Change, ClusterPlan, InParallel, Sequentially, StartApplication } from '../model/changes.js';
import type { DeployEvent } from '../model/events.js';

/** An application as printed: `environment` is the list of its variable names. */
export type ShownApplication = Omit<Application, 'environment' | 'secrets'> & {
  readonly environment: readonly string[];
  readonly secrets?: readonly string[];
};

export type ShownChange =
  | Exclude<Change, StartApplication | Sequentially | InParallel>
  | (Omit<StartApplication, 'application'> & { readonly application: ShownApplication })
  | { readonly kind: 'sequentially' | 'in-parallel'; readonly changes: readonly ShownChange[] };

export interface ShownPlan {
  readonly phases: readonly {
    readonly phase: ClusterPlan['phases'][number]['phase'];
    readonly nodes: Readonly<Record<string, ShownChange>>;
  }[];
}

export type ShownEvent<E = DeployEvent> = E extends { readonly change: Change }
  ? Omit<E, 'change'> & { readonly change: ShownChange }
  : E extends { readonly plan: ClusterPlan }
    ? Omit<E, 'plan'> & { readonly plan: ShownPlan }
    : E;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The app with each secret field replaced by its keys (a mapping) or "(hidden)". */
export function shownApplication(a: Application): ShownApplication {
  const out: Record<string, unknown> = { ...a };
  for (const f of SECRET_VALUE_FIELDS) {
    if (!Object.hasOwn(out, f)) continue;
    const v = out[f];
    out[f] = isRecord(v) ? Object.keys(v).sort() : '(hidden)';
  }
  return out as ShownApplication;
}

export function shownChange(c: Change): ShownChange {
  switch (c.kind) {
    case 'start-application':
      return { ...c, application: shownApplication(c.application) };
    case 'sequentially':
    case 'in-parallel':
      return { kind: c.kind, changes: c.changes.map(shownChange) };
    default:
      return c;
  }
}

export function shownPlan(p: ClusterPlan): ShownPlan {
  return {
    phases: p.phases.map((ph) => ({
      phase: ph.phase,
      nodes: Object.fromEntries(Object.entries(ph.nodes).map(([n, c]) => [n, shownChange(c)])),
    })),
  };
}

export function shownEvent(e: DeployEvent): ShownEvent {
  if ('change' in e) return { ...e, change: shownChange(e.change) } as ShownEvent;
  if (e.type === 'plan') return { ...e, plan: shownPlan(e.plan) } as ShownEvent;
  return e as ShownEvent;
}
