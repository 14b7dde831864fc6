// Rules of a canonical Application that its schema cannot say.
import type { Application } from '../model/application.js';
import { pathOf } from './problems.js';

/** Problems of a schema-valid application at `at` (path segments); [] when valid. */
export function applicationProblems(app: Application, at: readonly (string | number)[]): string[] {
  const rp = app.restart_policy;
  return rp.maximum_retry_count !== undefined && rp.name !== 'on-failure'
    ? [
        `${pathOf([...at, 'restart_policy', 'maximum_retry_count'])}: only with name on-failure, found it with name ${rp.name}`,
      ]
    : [];
}
