// Short text for one change, as the audit log keeps it ("start web", "hand off volume db to n2"):
// what changed, never environment values.
import type { Change } from '../model/changes.js';
import { assertNever } from '../util/assert-never.js';

export function shortChange(c: Change): string {
  switch (c.kind) {
    case 'check-start':
      return 'check before changing';
    case 'start-application':
      return `start ${c.application.name} (${c.application.image})`;
    case 'stop-application':
      return `stop ${c.name} (${c.reason})`;
    case 'create-volume':
      return `create volume ${c.name}`;
    case 'set-volume-quota':
      return `set volume ${c.name} maximum size ${c.bytes ?? 'none'}`;
    case 'push-volume':
      return `copy volume ${c.name} to ${c.to}`;
    case 'handoff-volume':
      return `hand off volume ${c.name} to ${c.to}`;
    case 'resume-handoff':
      return `resume handoff of volume ${c.name} to ${c.to}`;
    case 'cancel-handoff':
      return `cancel handoff of volume ${c.name} to ${c.to}`;
    case 'promote-volume':
      return `promote copy of volume ${c.name} (epoch ${c.epoch})`;
    case 'wait-for-volume':
      return `receive volume ${c.name} from ${c.from}`;
    case 'set-proxies':
      return c.routes.length ? `set ${c.routes.length} route(s)` : 'remove all routes';
    case 'sequentially':
    case 'in-parallel':
      return c.changes.map(shortChange).join('; ');
    default:
      return assertNever(c);
  }
}
