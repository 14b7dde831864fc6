// The systemd unit of one application and the spec recorded next to it (pure).
//
// Files per application NAME (state directory default /var/lib/flocker/apps, mode 0700):
//   /etc/systemd/system/flocker--NAME.service  0644  the unit (no secrets in it)
//   <state>/NAME.env                            0600  environment + link variables (--env-file)
//   <state>/NAME.json                           0600  the exact Application (read back by list())
//   <state>/NAME.files/HASH                           project files by content (0644/0755, root)
//   <state>/NAME.secrets/N                      0400  secrets (mode/uid/gid as the file says)
//
// Restart policy -> systemd:
//   never      -> Restart=no
//   always     -> Restart=always, no start rate limit (StartLimitIntervalSec=0): retries forever
//   on-failure -> Restart=on-failure; without maximum_retry_count no rate limit; with N:
//                 StartLimitBurst=N+1 over StartLimitIntervalSec=infinity (the first start plus N
//                 restarts; the count is reset by every deliberate start (reset-failed) and at boot).
// RestartSec=1s. docker stop's SIGTERM/SIGKILL exits (143/137) count as success.
import type { Application, RestartPolicy } from '../model/application.js';
import { assertNever } from '../util/assert-never.js';
import { dockerRunArgv } from '../docker/run-argv.js';
import { checkAppName, containerName, unitName } from '../docker/names.js';
import { systemdCommandLine } from './quote.js';
import { parseRecordedSpec, SPEC_FORMAT } from '../validation/recorded-spec.js';
import { linkHosts } from '../plan/link-hosts.js';
import { LAYOUT_MARKER } from '../docker/volume-layout.js';
import type { RecordedSpec } from '../validation/recorded-spec.js';

export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
export const DEFAULT_STATE_DIR = '/var/lib/flocker/apps';
/** what ExecStartPost runs (with the app's name) to install the NAT rules of links by name */
export const DEFAULT_LINK_NAT_COMMAND: readonly string[] = ['flocker-changestate', 'link-nat'];
export { SPEC_FORMAT, type RecordedSpec };

export interface AppPaths {
  readonly unit: string;
  readonly envFile: string;
  readonly specFile: string;
  /** issue 13: project files, one entry per content hash (NAME.files/HASH) */
  readonly filesDir: string;
  /** issue 13: secret files, mode 0400 unless said otherwise (NAME.secrets/N) */
  readonly secretsDir: string;
}

export function appPaths(name: string, unitDir = DEFAULT_UNIT_DIR, stateDir = DEFAULT_STATE_DIR): AppPaths {
  checkAppName(name);
  return {
    unit: `${unitDir}/${unitName(name)}`,
    envFile: `${stateDir}/${name}.env`,
    specFile: `${stateDir}/${name}.json`,
    filesDir: `${stateDir}/${name}.files`,
    secretsDir: `${stateDir}/${name}.secrets`,
  };
}

export interface UnitOptions {
  readonly envFile: string;
  readonly specFile: string;
  readonly volumePath?: string;
  /** issue 13: see AppPaths; needed iff the app has project files / secrets */
  readonly filesDir?: string;
  readonly secretsDir?: string;
  /** docker executable; default 'docker' (systemd >= 239 resolves bare names) */
  readonly docker?: string;
  /** seconds docker stop waits before SIGKILL; default 10 */
  readonly stopTimeout?: number;
  /** node-side command (+ the app's name) installing the links' NAT rules; see DEFAULT_LINK_NAT_COMMAND */
  readonly linkNatCommand?: readonly string[];
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
  const run = dockerRunArgv(app, {
    envFile: opts.envFile,
    volumePath: opts.volumePath,
    docker,
    ...(opts.filesDir !== undefined ? { filesDir: opts.filesDir } : {}),
    ...(opts.secretsDir !== undefined ? { secretsDir: opts.secretsDir } : {}),
  });
  const stopTimeout = app.stop_grace_period_seconds ?? opts.stopTimeout ?? 10;
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
    // several volumes: start only on the dataset itself (its marker), never on an unmounted
    // mountpoint where docker would make empty folders (issue 13 item 2)
    ...(app.volume?.mounts !== undefined && opts.volumePath !== undefined
      ? [
          `ExecStartPre=${systemdCommandLine(['test', '-f', `${opts.volumePath.replace(/\/+$/, '')}/${LAYOUT_MARKER}`])}`,
        ]
      : []),
    `ExecStart=${systemdCommandLine(run)}`,
    // links by name: the rules live in the container's network namespace, new at every start
    // (deploy, systemd restart, boot), so each start installs them; failing fails the start
    ...(linkHosts(app).length
      ? [
          `ExecStartPost=${systemdCommandLine([...(opts.linkNatCommand ?? DEFAULT_LINK_NAT_COMMAND), app.name])}`,
        ]
      : []),
    `ExecStop=${systemdCommandLine([docker, 'stop', '-t', String(stopTimeout), c])}`,
    // systemd's own stop timeout (default 90 s) must outlast docker's grace period, else
    // systemd kills docker stop first; only written when the app sets one (no change otherwise)
    ...(app.stop_grace_period_seconds !== undefined ? [`TimeoutStopSec=${stopTimeout + 30}`] : []),
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

/** Parse NAME.json back into the exact Application it recorded; throws E_SPEC naming the file. */
export const parseSpec = parseRecordedSpec;
