// What docker says of a container's health (pure parsing and the wait's budget).
import type { HealthCheck } from '../model/application.js';

/** `docker inspect --format` giving the state and the effective check (own or the image's). */
export const HEALTH_FORMAT = '{{json .State}}\n{{json .Config.Healthcheck}}';

export interface ContainerHealth {
  /** docker's State.Status: running, exited, restarting, ... */
  readonly status: string;
  /** State.Health.Status: starting, healthy, unhealthy; absent = no check */
  readonly health?: string;
  /** output and exit code of the last check, if any ran */
  readonly lastCheck?: { readonly exitCode: number; readonly output: string };
  /** the effective check's timings in seconds and retries, docker's defaults filled */
  readonly check?: Required<Omit<HealthCheck, 'test'>>;
}

interface RawState {
  Status?: string;
  Health?: { Status?: string; Log?: { ExitCode?: number; Output?: string }[] | null } | null;
}
interface RawCheck {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

const NS = 1e9;

/** Parse HEALTH_FORMAT's two JSON lines. */
export function parseContainerHealth(text: string): ContainerHealth {
  const [stateLine = 'null', checkLine = 'null'] = text.trim().split('\n');
  const state = (JSON.parse(stateLine) ?? {}) as RawState;
  const raw = (JSON.parse(checkLine) ?? null) as RawCheck | null;
  const log = state.Health?.Log ?? [];
  const last = log[log.length - 1];
  const none = !raw || !raw.Test || raw.Test.length === 0 || raw.Test[0] === 'NONE';
  return {
    status: state.Status ?? 'unknown',
    ...(state.Health?.Status ? { health: state.Health.Status } : {}),
    ...(last ? { lastCheck: { exitCode: last.ExitCode ?? -1, output: last.Output ?? '' } } : {}),
    ...(none
      ? {}
      : {
          check: {
            // docker's defaults for what is unset (0)
            interval_seconds: (raw.Interval || 30 * NS) / NS,
            timeout_seconds: (raw.Timeout || 30 * NS) / NS,
            retries: raw.Retries || 3,
            start_period_seconds: (raw.StartPeriod || 0) / NS,
          },
        }),
  };
}

/**
 * How long a start waits for healthy: the start period, then every retry's interval and
 * timeout, plus a margin for docker's own scheduling.
 */
export function healthBudgetMs(check: Required<Omit<HealthCheck, 'test'>>, marginMs: number): number {
  return Math.ceil(
    (check.start_period_seconds + check.retries * (check.interval_seconds + check.timeout_seconds)) * 1000 +
      marginMs,
  );
}
