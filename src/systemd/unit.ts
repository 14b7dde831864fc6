// The systemd unit of one application and the spec recorded next to it (pure).
//
// Files per application NAME (state directory default /var/lib/flocker/apps, mode 0700):
//   /etc/systemd/system/flocker--NAME.service  0644  the unit (no secrets in it)
//   <state>/NAME.env                            0600  environment + link variables (--env-file)
//   <state>/NAME.json                           0600  the exact Application (read back by list())
//
// Restart policy -> systemd:
//   never      -> Restart=no
//   always     -> Restart=always, no start rate limit (StartLimitIntervalSec=0): retries forever
//   on-failure -> Restart=on-failure; without maximum_retry_count no rate limit; with N:
//                 StartLimitBurst=N+1 over StartLimitIntervalSec=infinity (the first start plus N
//                 restarts; the count is reset by every deliberate start (reset-failed) and at boot).
// RestartSec=1s. docker stop's SIGTERM/SIGKILL exits (143/137) count as success.
import type { Application, RestartPolicy } from '../model/application.js';
import { FlockerError } from '../errors.js';
import { assertNever } from '../util/assert-never.js';
import { dockerRunArgv } from '../docker/run-argv.js';
import { checkAppName, containerName, unitName } from '../docker/names.js';
import { systemdCommandLine } from './quote.js';

export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
export const DEFAULT_STATE_DIR = '/var/lib/flocker/apps';
export const SPEC_FORMAT = 'flocker-application/1';

export interface AppPaths {
  readonly unit: string;
  readonly envFile: string;
  readonly specFile: string;
}

export function appPaths(name: string, unitDir = DEFAULT_UNIT_DIR, stateDir = DEFAULT_STATE_DIR): AppPaths {
  checkAppName(name);
  return {
    unit: `${unitDir}/${unitName(name)}`,
    envFile: `${stateDir}/${name}.env`,
    specFile: `${stateDir}/${name}.json`,
  };
}

export interface UnitOptions {
  readonly envFile: string;
  readonly specFile: string;
  readonly volumePath?: string;
  /** docker executable; default 'docker' (systemd >= 239 resolves bare names) */
  readonly docker?: string;
  /** seconds docker stop waits before SIGKILL; default 10 */
  readonly stopTimeout?: number;
}

export function restartDirectives(p: RestartPolicy): { unit: string[]; service: string[] } {
  switch (p.name) {
    case 'never':
      return { unit: [], service: ['Restart=no'] };
    case 'always':
      return { unit: ['StartLimitIntervalSec=0'], service: ['Restart=always', 'RestartSec=1s'] };
    case 'on-failure':
      return p.maximum_retry_count === undefined
        ? { unit: ['StartLimitIntervalSec=0'], service: ['Restart=on-failure', 'RestartSec=1s'] }
        : {
            unit: ['StartLimitIntervalSec=infinity', `StartLimitBurst=${p.maximum_retry_count + 1}`],
            service: ['Restart=on-failure', 'RestartSec=1s'],
          };
    default:
      return assertNever(p.name);
  }
}

export function renderUnit(app: Application, opts: UnitOptions): string {
  const docker = opts.docker ?? 'docker';
  const c = containerName(app.name);
  const r = restartDirectives(app.restart_policy);
  const run = dockerRunArgv(app, { envFile: opts.envFile, volumePath: opts.volumePath, docker });
  const lines = [
    "# Written by flocker; do not edit. The application spec is in the X-Flocker section's file.",
    '[Unit]',
    `Description=flocker application ${app.name}`,
    'After=docker.service flocker-routes.service',
    'Requires=docker.service',
    ...r.unit,
    '',
    '[Service]',
    'Type=simple',
    `ExecStartPre=-${systemdCommandLine([docker, 'rm', '-f', c])}`,
    `ExecStart=${systemdCommandLine(run)}`,
    `ExecStop=${systemdCommandLine([docker, 'stop', '-t', String(opts.stopTimeout ?? 10), c])}`,
    'SuccessExitStatus=137 143',
    ...r.service,
    'TimeoutStartSec=infinity',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
    '[X-Flocker]',
    `Application=${app.name}`,
    `Spec=${opts.specFile}`,
    '',
  ];
  return lines.join('\n');
}

/** What is recorded in NAME.json. */
export interface RecordedSpec {
  readonly format: typeof SPEC_FORMAT;
  readonly application: Application;
  readonly link_environment: Readonly<Record<string, string>>;
  readonly volume_path?: string;
}

export function renderSpec(
  app: Application,
  linkEnvironment: Readonly<Record<string, string>>,
  volumePath?: string,
): string {
  const rec: RecordedSpec = {
    format: SPEC_FORMAT,
    application: app,
    link_environment: linkEnvironment,
    ...(volumePath !== undefined ? { volume_path: volumePath } : {}),
  };
  return `${JSON.stringify(rec, null, 2)}\n`;
}

class SpecProblem extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function only(o: Record<string, unknown>, keys: readonly string[], at: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new SpecProblem(`${at}: unexpected key ${k}`);
}
function int(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new SpecProblem(`${at}: expected a non-negative integer`);
  return v;
}
function str(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new SpecProblem(`${at}: expected a string`);
  return v;
}
function strRecord(v: unknown, at: string): Record<string, string> {
  if (!isObj(v)) throw new SpecProblem(`${at}: expected an object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = str(x, `${at}.${k}`);
  return out;
}
function arr(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new SpecProblem(`${at}: expected a list`);
  return v;
}

function parseApplication(v: unknown): Application {
  const at = 'application';
  if (!isObj(v)) throw new SpecProblem(`${at}: expected an object`);
  only(
    v,
    ['name', 'image', 'ports', 'volume', 'links', 'environment', 'mem_limit', 'cpu_shares', 'restart_policy'],
    at,
  );
  const ports = arr(v.ports, `${at}.ports`).map((p, i) => {
    if (!isObj(p)) throw new SpecProblem(`${at}.ports[${i}]: expected an object`);
    only(p, ['internal', 'external'], `${at}.ports[${i}]`);
    return {
      internal: int(p.internal, `${at}.ports[${i}].internal`),
      external: int(p.external, `${at}.ports[${i}].external`),
    };
  });
  const links = arr(v.links, `${at}.links`).map((l, i) => {
    if (!isObj(l)) throw new SpecProblem(`${at}.links[${i}]: expected an object`);
    only(l, ['local_port', 'remote_port', 'alias'], `${at}.links[${i}]`);
    return {
      local_port: int(l.local_port, `${at}.links[${i}].local_port`),
      remote_port: int(l.remote_port, `${at}.links[${i}].remote_port`),
      alias: str(l.alias, `${at}.links[${i}].alias`),
    };
  });
  let volume: Application['volume'];
  if (v.volume !== undefined) {
    if (!isObj(v.volume)) throw new SpecProblem(`${at}.volume: expected an object`);
    only(v.volume, ['mountpoint'], `${at}.volume`);
    volume = { mountpoint: str(v.volume.mountpoint, `${at}.volume.mountpoint`) };
  }
  const rp = v.restart_policy;
  if (!isObj(rp)) throw new SpecProblem(`${at}.restart_policy: expected an object`);
  only(rp, ['name', 'maximum_retry_count'], `${at}.restart_policy`);
  const rpName = rp.name;
  if (rpName !== 'never' && rpName !== 'always' && rpName !== 'on-failure')
    throw new SpecProblem(`${at}.restart_policy.name: expected never, always or on-failure`);
  const restart_policy: RestartPolicy =
    rp.maximum_retry_count !== undefined
      ? {
          name: rpName,
          maximum_retry_count: int(rp.maximum_retry_count, `${at}.restart_policy.maximum_retry_count`),
        }
      : { name: rpName };
  return {
    name: str(v.name, `${at}.name`),
    image: str(v.image, `${at}.image`),
    ports,
    ...(volume ? { volume } : {}),
    links,
    environment: strRecord(v.environment, `${at}.environment`),
    ...(v.mem_limit !== undefined ? { mem_limit: int(v.mem_limit, `${at}.mem_limit`) } : {}),
    ...(v.cpu_shares !== undefined ? { cpu_shares: int(v.cpu_shares, `${at}.cpu_shares`) } : {}),
    restart_policy,
  };
}

/** Parse NAME.json back into the exact Application it recorded; throws naming the file on damage. */
export function parseSpec(text: string, file: string): RecordedSpec {
  try {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new SpecProblem(`not JSON: ${(e as Error).message}`);
    }
    if (!isObj(v)) throw new SpecProblem('expected an object');
    only(v, ['format', 'application', 'link_environment', 'volume_path'], '(document)');
    if (v.format !== SPEC_FORMAT) throw new SpecProblem(`format: expected ${SPEC_FORMAT}`);
    return {
      format: SPEC_FORMAT,
      application: parseApplication(v.application),
      link_environment: strRecord(v.link_environment, 'link_environment'),
      ...(v.volume_path !== undefined ? { volume_path: str(v.volume_path, 'volume_path') } : {}),
    };
  } catch (e) {
    if (e instanceof SpecProblem)
      throw new FlockerError(`${file}: damaged application spec: ${e.message}`, 'E_SPEC', 'system');
    throw e;
  }
}
