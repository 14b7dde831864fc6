// Wiring for `flocker-changestate restore-routes` (run by flocker-routes.service at boot).
import { LocalRunner } from '../exec/local-runner.js';
import type { ReportedRoute } from '../model/state.js';
import { RunnerNodeFiles } from '../exec/node-files.js';
import { IptablesRouteTable, restoreRoutes } from './route-table.js';

/** Re-apply /var/lib/flocker/routes.json on this node; undefined when nothing was persisted. */
export async function restoreRoutesOnThisNode(): Promise<
  { added: ReportedRoute[]; removed: ReportedRoute[] } | undefined
> {
  const runner = new LocalRunner();
  const files = new RunnerNodeFiles(runner);
  return restoreRoutes(new IptablesRouteTable(runner, files, { persist: false }), files);
}
