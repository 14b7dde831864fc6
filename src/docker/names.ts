// Names of the things flocker owns for one application (the name rule is model/names.ts).
import { FlockerError } from '../errors.js';
import { APP_NAME_RULE, isAppName } from '../model/names.js';

export function checkAppName(name: string): void {
  if (!isAppName(name)) {
    throw new FlockerError(
      `application name ${JSON.stringify(name)} is not usable as a unit/container name: expected ${APP_NAME_RULE}`,
      'E_APP_NAME',
      'user',
    );
  }
}

export const containerName = (app: string): string => `flocker--${app}`;
export const unitName = (app: string): string => `flocker--${app}.service`;

/** app name from a unit file name, or undefined if the unit is not one of ours */
export function appNameOfUnit(unit: string): string | undefined {
  const m = /^flocker--(.+)\.service$/.exec(unit);
  return m && isAppName(m[1] as string) ? m[1] : undefined;
}
