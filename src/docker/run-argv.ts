// The docker run command line of one application (pure).
import type { Application } from '../model/application.js';
import { FlockerError } from '../errors.js';
import { checkAppName, containerName } from './names.js';
import { healthArgv } from './health-argv.js';
import { linkHosts } from '../plan/link-hosts.js';

export interface RunOptions {
  /** root-only file with the environment and link variables */
  readonly envFile: string;
  /** the application's volume mountpoint on the node; required iff app.volume is set */
  readonly volumePath?: string;
  /** docker executable (systemd resolves a bare name in its search path) */
  readonly docker?: string;
}

export function dockerRunArgv(app: Application, opts: RunOptions): string[] {
  checkAppName(app.name);
  // --init: a tiny init as PID 1 forwards signals, so apps that ignore SIGTERM as PID 1 (most
  // do) stop at once instead of after docker's grace period — it bounds a move's downtime
  const argv = [opts.docker ?? 'docker', 'run', '--rm', '--init', '--name', containerName(app.name)];
  argv.push('--label', `flocker.application=${app.name}`);
  argv.push('--env-file', opts.envFile);
  // links by name: the alias resolves to the link's virtual address (src/plan/link-hosts.ts)
  for (const h of linkHosts(app)) argv.push('--add-host', `${h.name}:${h.address}`);
  for (const p of app.ports) argv.push('-p', `${publishedOn(p.host_ip)}${p.external}:${p.internal}`);
  if (app.volume) {
    if (opts.volumePath === undefined)
      throw new FlockerError(
        `application ${app.name} has a volume but no volume path was given`,
        'E_VOLUME_PATH',
        'system',
      );
    for (const path of [opts.volumePath, app.volume.mountpoint])
      if (path.includes(':') || !path.startsWith('/'))
        throw new FlockerError(
          `volume path ${JSON.stringify(path)} must be absolute and contain no ':'`,
          'E_VOLUME_PATH',
          'user',
        );
    argv.push('-v', `${opts.volumePath}:${app.volume.mountpoint}`);
  }
  if (app.mem_limit !== undefined) argv.push('--memory', String(app.mem_limit));
  if (app.cpu_shares !== undefined) argv.push('--cpu-shares', String(app.cpu_shares));
  if (app.healthcheck) argv.push(...healthArgv(app.healthcheck));
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
