// The docker run command line of one application (pure).
import type { Application } from '../model/application.js';
import { FlockerError } from '../errors.js';
import { checkAppName, containerName } from './names.js';
import { healthArgv } from './health-argv.js';
import { hostEntries } from '../plan/link-hosts.js';
import { volumeBinds } from './volume-layout.js';

export interface RunOptions {
  /** root-only file with the environment and link variables */
  readonly envFile: string;
  /** where the application's dataset is mounted on the node; required iff app.volume is set */
  readonly volumePath?: string;
  /** docker executable (systemd resolves a bare name in its search path) */
  readonly docker?: string;
  /** issue 13: where the node keeps the app's project files (one entry per hash); iff app.files */
  readonly filesDir?: string;
  /** issue 13: where the node keeps the app's secret files (secretFileName); iff app.secrets */
  readonly secretsDir?: string;
}

// --- issue 13, project files and secrets (branch wt-files) ---
/** The file name of the secret mounted at a target: its place among the sorted targets. */
export function secretFileName(app: Application, target: string): string {
  return String(
    Object.keys(app.secrets ?? {})
      .sort()
      .indexOf(target),
  );
}

function mountArgs(app: Application, opts: RunOptions): string[] {
  const argv: string[] = [];
  const need = (dir: string | undefined, what: string): string => {
    if (dir === undefined || dir.includes(':') || !dir.startsWith('/'))
      throw new FlockerError(
        `application ${app.name} has ${what} but no directory for them was given`,
        'E_APP_FILES',
        'system',
      );
    return dir;
  };
  const files = Object.entries(app.files ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (files.length) {
    const dir = need(opts.filesDir, 'project files');
    for (const [target, f] of files) argv.push('-v', `${dir}/${f.hash}:${target}${f.read_only ? ':ro' : ''}`);
  }
  const secrets = Object.keys(app.secrets ?? {}).sort();
  if (secrets.length) {
    const dir = need(opts.secretsDir, 'secrets');
    for (const target of secrets) argv.push('-v', `${dir}/${secretFileName(app, target)}:${target}:ro`);
  }
  return argv;
}

export function dockerRunArgv(app: Application, opts: RunOptions): string[] {
  checkAppName(app.name);
  // --init: a tiny init as PID 1 forwards signals, so apps that ignore SIGTERM as PID 1 (most
  // do) stop at once instead of after docker's grace period — it bounds a move's downtime
  const argv = [opts.docker ?? 'docker', 'run', '--rm', '--init', '--name', containerName(app.name)];
  argv.push('--label', `flocker.application=${app.name}`);
  argv.push('--env-file', opts.envFile);
  // links by name: the alias resolves to the link's virtual address (src/plan/link-hosts.ts)
  for (const h of hostEntries(app)) argv.push('--add-host', `${h.name}:${h.address}`);
  // a cluster-only port: IPv4 only (the node's guard rules are IPv4; docker would also listen on [::])
  for (const p of app.ports)
    argv.push(
      '-p',
      `${p.cluster_only ? '0.0.0.0:' : publishedOn(p.host_ip)}${p.external}:${p.internal}${p.protocol === 'udp' ? '/udp' : ''}`,
    );
  if (app.volume) {
    if (opts.volumePath === undefined)
      throw new FlockerError(
        `application ${app.name} has a volume but no volume path was given`,
        'E_VOLUME_PATH',
        'system',
      );
    // several volumes: one -v per sub-folder of the dataset (volume-layout.ts)
    for (const b of volumeBinds(app.volume, opts.volumePath)) {
      for (const path of [b.source, b.target])
        if (path.includes(':') || !path.startsWith('/'))
          throw new FlockerError(
            `volume path ${JSON.stringify(path)} must be absolute and contain no ':'`,
            'E_VOLUME_PATH',
            'user',
          );
      argv.push('-v', `${b.source}:${b.target}`);
    }
  }
  argv.push(...mountArgs(app, opts));
  if (app.mem_limit !== undefined) argv.push('--memory', String(app.mem_limit));
  if (app.cpu_shares !== undefined) argv.push('--cpu-shares', String(app.cpu_shares));
  if (app.healthcheck) argv.push(...healthArgv(app.healthcheck));
  argv.push(...runtimeArgv(app));
  // docker's --entrypoint takes one word: the rest of the entrypoint goes before the command
  // (docker then runs entrypoint[0] with entrypoint[1..] + command, exactly the exec form).
  // Setting an entrypoint also drops the image's CMD (docker's and compose's rule alike).
  const [entry, ...entryRest] = app.entrypoint ?? [];
  if (app.entrypoint !== undefined) argv.push('--entrypoint', entry ?? '');
  // issue 13 item 1: an image the deploy sent runs by its ID (exactly what was built/shipped)
  argv.push(app.image_id ?? app.image, ...entryRest, ...(app.command ?? []));
  return argv;
}

/** `HOSTIP:` before a published port; none for every address (absent or 0.0.0.0). */
function publishedOn(hostIp: string | undefined): string {
  return hostIp === undefined || hostIp === '0.0.0.0' ? '' : `${hostIp}:`;
}

/** issue 13: the runtime keys (hostname, user, capabilities, labels, stop, tmpfs, limits). */
function runtimeArgv(app: Application): string[] {
  const argv: string[] = [];
  if (app.hostname !== undefined) argv.push('--hostname', app.hostname);
  if (app.user !== undefined) argv.push('--user', app.user);
  for (const c of app.cap_add ?? []) argv.push('--cap-add', c);
  for (const c of app.cap_drop ?? []) argv.push('--cap-drop', c);
  for (const [k, v] of Object.entries(app.labels ?? {})) {
    // flocker.application finds the container: a user label must never replace it
    if (/^flocker\./i.test(k))
      throw new FlockerError(`label ${JSON.stringify(k)} is Flocker's own`, 'E_APP_LABEL', 'user');
    argv.push('--label', `${k}=${v}`);
  }
  if (app.working_dir !== undefined) argv.push('--workdir', app.working_dir);
  if (app.stop_signal !== undefined) argv.push('--stop-signal', app.stop_signal);
  // docker stop without -t (e.g. a node's own docker restart) waits as long as the unit does
  if (app.stop_grace_period_seconds !== undefined)
    argv.push('--stop-timeout', String(app.stop_grace_period_seconds));
  for (const t of app.tmpfs ?? []) argv.push('--tmpfs', t);
  for (const [k, l] of Object.entries(app.ulimits ?? {})) argv.push('--ulimit', `${k}=${l.soft}:${l.hard}`);
  for (const [k, v] of Object.entries(app.sysctls ?? {})) argv.push('--sysctl', `${k}=${v}`);
  // -t without -i: under systemd the unit has no input (docker refuses -it without a terminal)
  if (app.tty === true) argv.push('-t');
  return argv;
}
