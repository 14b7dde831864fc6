// The routes file (/var/lib/flocker/routes.json): the desired routes re-applied at boot.
import { FlockerError } from '../errors.js';
import type { ReportedRoute, RouteGuard } from '../model/state.js';
import { routeProblems } from '../routing/iptables.js';
import { summarize, validate } from './problems.js';
import { ROUTES_FORMAT } from './routes-file-schema.js';
import { validateRoutesFileSchema } from './validators.js';

export { ROUTES_FORMAT };

/** Parse a routes file; throws E_ROUTES naming the file and the JSON path of each problem. */
export function parseRoutesFile(text: string, file: string): ReportedRoute[] {
  return parseRoutesDocument(text, file).routes;
}

/** The routes file with its guard of cluster-only ports (networks, issue 13 item 4). */
export function parseRoutesDocument(
  text: string,
  file: string,
): { routes: ReportedRoute[]; guard?: RouteGuard } {
  const damaged = (why: string): FlockerError =>
    new FlockerError(`${file}: damaged routes file: ${why}`, 'E_ROUTES', 'system');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw damaged(`not JSON: ${(e as Error).message}`);
  }
  const problems = validate(validateRoutesFileSchema, v);
  if (problems.length === 0) problems.push(...routeProblems((v as { routes: ReportedRoute[] }).routes));
  if (problems.length) throw damaged(summarize(problems));
  return v as { routes: ReportedRoute[]; guard?: RouteGuard };
}
