// Names of the things flocker owns for one application.
import { FlockerError } from '../errors.js';

/** Application names usable as systemd unit and docker container names. */
export const APP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkAppName(name: string): void {
  if (!APP_NAME_PATTERN.test(name) || name.length > 200) {
    throw new FlockerError(
      `application name ${JSON.stringify(name)} is not usable as a unit/container name (letters, digits, _ . -; starts with a letter or digit)`,
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
  return m && APP_NAME_PATTERN.test(m[1] as string) ? m[1] : undefined;
}
