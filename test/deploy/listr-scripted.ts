// Feeds a scripted event sequence to the listr2 renderer, one event every few milliseconds, as
// the driver would. Run under a pseudo-terminal by render-listr.test.ts:
//   node listr-scripted.js applied|failed|dry-run|trust|moving|agent
import { listrRenderer } from '../../src/deploy/render-listr.js';
import type { DeployEvent } from '../../src/model/events.js';
import {
  START_FAILURE,
  applied,
  dryRun,
  failedStart,
  moving,
  restarting,
  withAgent,
  withImages,
  withNodeBuild,
  withTrust,
} from './scripted-events.js';

const scripts: Record<string, readonly DeployEvent[]> = {
  applied,
  failed: failedStart,
  'dry-run': dryRun,
  trust: withTrust,
  moving,
  agent: withAgent,
  images: withImages,
  'node-build': withNodeBuild,
  restarting,
};
const which = process.argv[2] ?? '';
const events = scripts[which];
if (!events) throw new Error(`unknown script ${which}`);

const view = await listrRenderer({ dryRun: which === 'dry-run' });
for (const e of events) {
  view.emit(e);
  // a progress line stays long enough for a frame to show it
  await new Promise((r) => setTimeout(r, e.type === 'transfer-progress' ? 250 : 15));
}
await view.end(which === 'failed' ? new Error(START_FAILURE) : undefined);
process.stdout.write('\nSCRIPT END\n');
