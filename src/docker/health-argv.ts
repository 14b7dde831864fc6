// docker run's health flags for an application's healthcheck (pure).
import type { HealthCheck } from '../model/application.js';
import { FlockerError } from '../errors.js';
import { shellQuote } from '../exec/quote.js';

/**
 * A duration as docker's flags take it (Go syntax): whole seconds as `Ns`, else milliseconds
 * (at least 1 ms, docker's smallest).
 */
export function dockerDuration(seconds: number): string {
  if (Number.isInteger(seconds)) return `${seconds}s`;
  return `${Math.max(1, Math.round(seconds * 1000))}ms`;
}

/**
 * `docker run` has one form, `--health-cmd TEXT`, which docker stores as ['CMD-SHELL', TEXT]
 * (run by the container's /bin/sh -c). So:
 * - ['CMD-SHELL', text] -> --health-cmd text (as written);
 * - ['CMD', argv...]    -> --health-cmd 'exec ' + argv quoted for sh: the very argv runs (the
 *                          image needs a /bin/sh, as it does for any check the CLI can set);
 * - ['NONE']            -> --no-healthcheck (the image's HEALTHCHECK disabled; timings ignored).
 */
export function healthArgv(h: HealthCheck): string[] {
  const [form, ...rest] = h.test;
  if (form === 'NONE' && rest.length === 0) return ['--no-healthcheck'];
  let cmd: string;
  if (form === 'CMD-SHELL' && rest.length === 1) cmd = rest[0]!;
  else if (form === 'CMD' && rest.length > 0) cmd = `exec ${shellQuote(rest)}`;
  // the config refuses other forms; a recorded spec could still hold one
  else
    throw new FlockerError(
      `healthcheck test ${JSON.stringify(h.test)} is not ["CMD", argv...], ["CMD-SHELL", text] or ["NONE"]`,
      'E_APP_START',
      'user',
    );
  const argv = ['--health-cmd', cmd];
  if (h.interval_seconds !== undefined) argv.push('--health-interval', dockerDuration(h.interval_seconds));
  if (h.timeout_seconds !== undefined) argv.push('--health-timeout', dockerDuration(h.timeout_seconds));
  if (h.retries !== undefined) argv.push('--health-retries', String(h.retries));
  if (h.start_period_seconds !== undefined)
    argv.push('--health-start-period', dockerDuration(h.start_period_seconds));
  return argv;
}
