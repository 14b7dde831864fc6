// Applications as systemd units running docker containers: the adapter interface, the real
// implementation (systemctl/docker/journalctl over a CommandRunner + NodeFiles) and a fake.
import type { Application } from '../model/application.js';
import type { CommandRunner } from '../exec/runner.js';
import { runChecked } from '../exec/check.js';
import { FlockerError, NodeCommandError } from '../errors.js';
import { appNameOfUnit, checkAppName, containerName, unitName } from '../docker/names.js';
import { renderEnvFile } from '../docker/env-file.js';
import type { NodeFiles } from '../exec/node-files.js';
import {
  HEALTH_FORMAT,
  healthBudgetMs,
  parseContainerHealth,
  type ContainerHealth,
} from '../docker/health.js';
import { LAYOUT_MISMATCH_EXIT, layoutMismatchText, prepareLayoutArgv } from '../docker/volume-layout.js';
import { DEFAULT_STATE_DIR, DEFAULT_UNIT_DIR, appPaths, parseSpec, renderSpec, renderUnit } from './unit.js';
import type { AppPaths } from './unit.js';
import type { Payload } from '../model/payload.js';
import { payloadTar } from './payload-tar.js';
import { secretFileName } from '../docker/run-argv.js';

export interface ListedApplication {
  readonly application: Application;
  /** systemd says the unit is active */
  readonly running: boolean;
}

/** What systemd says of an app's unit now, and since when (the last state change). */
export interface UnitState {
  /** systemd ActiveState: active, failed, inactive, activating, deactivating, ... */
  readonly state: string;
  /** ISO time of the last state change (absent when systemd does not know) */
  readonly since?: string;
}

export interface StartOptions {
  readonly linkEnvironment: Readonly<Record<string, string>>;
  /** the app's volume mountpoint on the node; required iff the app has a volume */
  readonly volumePath?: string;
  /** issue 13: contents of the app's project files and secrets by hash (every one it mounts) */
  readonly payloads?: Readonly<Record<string, Payload>>;
}

export interface ApplicationUnits {
  /** every flocker application unit on the node, sorted by name */
  list(): Promise<ListedApplication[]>;
  /** systemd's state of every app's unit (same names as list()), read-only */
  unitStates(): Promise<Record<string, UnitState>>;
  /** write files, daemon-reload, enable, (re)start; resolves once the container runs */
  start(app: Application, opts: StartOptions): Promise<void>;
  /** stop, disable, remove unit + files + container; no-op if absent */
  stop(name: string): Promise<void>;

  // --- additions (issue #8: check before you stop) ---
  /** dockerd's version; rejects (naming the command and its stderr) when dockerd does not answer */
  dockerVersion(): Promise<string>;
  /** the image is on this node (as `docker run` would find it without pulling) */
  hasImage(image: string): Promise<boolean>;
  /** pull the image; rejects with docker's reason (no registry, unknown tag, ...) */
  pullImage(image: string): Promise<void>;

  // --- additions (dockerd's stale port mappings after an unclean shutdown) ---
  /** host ports that running containers (any, ours or not) publish, and how many containers run */
  dockerPorts(): Promise<DockerPorts>;
  /** restart dockerd; it stops every running container, so callers do it only when none runs */
  restartDocker(): Promise<void>;
}

export interface DockerPorts {
  readonly published: readonly number[];
  readonly running: number;
}

/**
 * Host ports in `docker ps --format '{{.ID}} {{.Ports}}'` lines: "0.0.0.0:8080->80/tcp, :::8080->80/tcp",
 * ranges "0.0.0.0:8000-8001->80-81/tcp"; exposed-only ports ("80/tcp") publish nothing.
 */
export function parseDockerPs(stdout: string): DockerPorts {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const ports = new Set<number>();
  for (const m of stdout.matchAll(/:(\d+)(?:-(\d+))?->/g)) {
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    for (let p = from; p <= to && p <= 65535; p++) ports.add(p);
  }
  return { published: [...ports].sort((a, b) => a - b), running: lines.length };
}

export interface SystemdApplicationUnitsOptions {
  readonly unitDir?: string;
  readonly stateDir?: string;
  readonly docker?: string;
  /** how long start() waits for the container to run; default 60 s */
  readonly startTimeoutMs?: number;
  /** added to a health check's own bound (start period + retries x (interval + timeout)); default 10 s */
  readonly healthMarginMs?: number;
  readonly pollMs?: number;
}

// --- issue 13, project files and secrets (branch wt-files) ---
// Constant scripts; paths arrive as positional parameters, never spliced into code.
/** $1 files dir, $2 hash; the archive (one top folder named $2) on stdin. Once per hash. */
const EXTRACT =
  'set -e; [ -e "$1/$2" ] && { cat > /dev/null; exit 0; }; mkdir -p -m 0700 -- "$1"; ' +
  't="$1/.tmp-$2"; rm -rf -- "$t"; mkdir -m 0700 -- "$t"; ' +
  'tar -x --no-same-owner -C "$t" -f -; mv -- "$t/$2" "$1/$2"; rmdir -- "$t"';
/** $1 secrets dir, $2 file, $3 mode, $4 uid:gid; the value on stdin. */
const WRITE_SECRET =
  'set -e; umask 077; mkdir -p -m 0700 -- "$1"; t="$1/.tmp-$2"; cat > "$t"; chown -- "$4" "$t"; ' +
  'chmod "$3" "$t"; mv -f -- "$t" "$1/$2"';
/** $1 files dir, then the hashes in use: remove every other entry. */
const PRUNE_FILES =
  'd="$1"; shift; [ -d "$d" ] || exit 0; for e in "$d"/* "$d"/.tmp-*; do [ -e "$e" ] || continue; ' +
  'n=${e##*/}; keep=; for h in "$@"; do [ "$n" = "$h" ] && keep=1; done; [ -n "$keep" ] || rm -rf -- "$e"; done';

interface AppContents {
  /** hash -> payload of each project file content */
  readonly files: Map<string, Payload>;
  readonly secrets: readonly { file: string; data: string; mode: number; owner: string }[];
}

/** What an app mounts, from the payloads; E_APP_FILES when one is missing or a secret is no file. */
export function appContents(app: Application, payloads: Readonly<Record<string, Payload>>): AppContents {
  const get = (hash: string, what: string): Payload => {
    const p = Object.hasOwn(payloads, hash) ? payloads[hash] : undefined;
    if (!p)
      throw new FlockerError(
        `application ${app.name}: no content was sent for ${what}`,
        'E_APP_FILES',
        'system',
      );
    return p;
  };
  const files = new Map<string, Payload>();
  for (const [target, f] of Object.entries(app.files ?? {}))
    files.set(f.hash, get(f.hash, `the project file ${target}`));
  const secrets = Object.entries(app.secrets ?? {}).map(([target, s]) => {
    const root = get(s.hash, `the secret ${s.source}`).entries.find((e) => e.path === '');
    if (root?.type !== 'file')
      throw new FlockerError(
        `application ${app.name}: the secret ${s.source} is not a file`,
        'E_APP_FILES',
        'system',
      );
    return {
      file: secretFileName(app, target),
      data: root.data,
      mode: s.mode,
      owner: `${s.uid ?? 0}:${s.gid ?? 0}`,
    };
  });
  return { files, secrets };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The last check's output as the error shows it: at most 2000 characters, its end kept. */
function lastOutput(check: { exitCode: number; output: string } | undefined): string {
  if (!check) return 'no check finished';
  const out = check.output.trim();
  const cut = out.length > 2000 ? `…${out.slice(-2000)}` : out;
  return `last check exited ${check.exitCode}${cut ? `:\n${cut}` : ' with no output'}`;
}

/** A started app did not become healthy: which app, on which node, and what its check said. */
export class AppUnhealthyError extends FlockerError {
  readonly lastCheckOutput: string;
  constructor(
    readonly node: string,
    readonly app: string,
    why: string,
    lastCheck?: { exitCode: number; output: string },
  ) {
    super(
      `${node}: application ${app} is not healthy (${why}); stopped, no route set\n${lastOutput(lastCheck)}`,
      'E_APP_UNHEALTHY',
      'system',
    );
    this.lastCheckOutput = lastCheck?.output ?? '';
  }
}

export class SystemdApplicationUnits implements ApplicationUnits {
  private readonly unitDir: string;
  private readonly stateDir: string;
  private readonly docker: string;

  constructor(
    private readonly runner: CommandRunner,
    private readonly files: NodeFiles,
    private readonly opts: SystemdApplicationUnitsOptions = {},
  ) {
    this.unitDir = opts.unitDir ?? DEFAULT_UNIT_DIR;
    this.stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
    this.docker = opts.docker ?? 'docker';
  }

  private paths(name: string): ReturnType<typeof appPaths> {
    return appPaths(name, this.unitDir, this.stateDir);
  }

  async list(): Promise<ListedApplication[]> {
    const names = (await this.files.list(this.unitDir))
      .map(appNameOfUnit)
      .filter((n): n is string => n !== undefined)
      .sort();
    if (names.length === 0) return [];
    // is-active exits non-zero when any unit is not active; one line per unit either way
    const r = await this.runner.run(['systemctl', 'is-active', ...names.map(unitName)]);
    const states = r.stdout.split('\n').filter((l) => l !== '');
    if (states.length !== names.length)
      throw new NodeCommandError(
        this.runner.host,
        ['systemctl', 'is-active'],
        r.code,
        r.stderr,
        'unexpected output',
      );
    const out: ListedApplication[] = [];
    for (const [i, name] of names.entries()) {
      const p = this.paths(name);
      const text = await this.files.read(p.specFile);
      if (text === undefined)
        throw new FlockerError(
          `${this.runner.host}: ${p.unit} has no recorded spec ${p.specFile}`,
          'E_SPEC',
          'system',
        );
      const spec = parseSpec(text, `${this.runner.host}:${p.specFile}`);
      if (spec.application.name !== name)
        throw new FlockerError(
          `${this.runner.host}:${p.specFile}: records application ${spec.application.name}`,
          'E_SPEC',
          'system',
        );
      out.push({ application: spec.application, running: states[i] === 'active' });
    }
    return out;
  }

  async unitStates(): Promise<Record<string, UnitState>> {
    const names = (await this.files.list(this.unitDir))
      .map(appNameOfUnit)
      .filter((n): n is string => n !== undefined)
      .sort();
    const out: Record<string, UnitState> = Object.create(null) as Record<string, UnitState>;
    if (names.length === 0) return out;
    const argv = [
      'systemctl',
      'show',
      '--timestamp=unix',
      '--property=Id,ActiveState,StateChangeTimestamp',
      ...names.map(unitName),
    ];
    const r = await runChecked(this.runner, argv);
    for (const [name, st] of parseUnitStates(r.stdout)) out[name] = st;
    return out;
  }

  async start(app: Application, opts: StartOptions): Promise<void> {
    const p = this.paths(app.name);
    const unit = unitName(app.name);
    const env = renderEnvFile(app.environment, opts.linkEnvironment); // validates before touching anything
    // the dataset's layout matches the app's volumes, their sub-folders exist (issue 13 item 2)
    if (app.volume && opts.volumePath !== undefined) {
      const argv = prepareLayoutArgv(app.volume, opts.volumePath);
      const r = await this.runner.run(argv);
      if (r.code === LAYOUT_MISMATCH_EXIT)
        throw new FlockerError(
          `${this.runner.host}: ${layoutMismatchText(app.name, app.volume)}`,
          'E_VOLUME_LAYOUT',
          'user',
        );
      if (r.code !== 0) throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
    }
    const unitText = renderUnit(app, {
      envFile: p.envFile,
      specFile: p.specFile,
      volumePath: opts.volumePath,
      filesDir: p.filesDir,
      secretsDir: p.secretsDir,
      docker: this.docker,
    });
    const contents = appContents(app, opts.payloads ?? {}); // every content there, before anything
    await this.writeContents(app, p, contents);
    await Promise.all([
      this.files.write(p.envFile, env, 0o600),
      this.files.write(p.specFile, renderSpec(app, opts.linkEnvironment, opts.volumePath), 0o600),
      this.files.write(p.unit, unitText, 0o644),
    ]);
    await runChecked(this.runner, ['systemctl', 'daemon-reload']);
    await runChecked(this.runner, ['systemctl', 'enable', '--no-reload', unit]); // reloaded just above
    await this.runner.run(['systemctl', 'reset-failed', unit]); // fresh start-limit count
    await runChecked(this.runner, ['systemctl', 'restart', unit]);
    await this.waitRunning(app.name);
    await this.waitHealthy(app.name);
    // project files of earlier versions: the container running now no longer mounts them
    await runChecked(this.runner, ['sh', '-c', PRUNE_FILES, 'sh', p.filesDir, ...contents.files.keys()]);
  }

  // --- issue 13, project files and secrets (branch wt-files) ---
  /**
   * Project files: one entry per content hash, extracted once (a writable one keeps what the
   * app wrote until its content changes). Secrets: rewritten at every start, as their mode says.
   */
  private async writeContents(app: Application, p: AppPaths, c: AppContents): Promise<void> {
    for (const [hash, payload] of c.files)
      await runChecked(this.runner, ['sh', '-c', EXTRACT, 'sh', p.filesDir, hash], {
        stdin: payloadTar(payload, hash),
      });
    await runChecked(this.runner, ['rm', '-rf', '--', p.secretsDir]);
    for (const s of c.secrets) {
      const data = Buffer.from(s.data, 'base64');
      await runChecked(
        this.runner,
        ['sh', '-c', WRITE_SECRET, 'sh', p.secretsDir, s.file, s.mode.toString(8).padStart(4, '0'), s.owner],
        { stdin: data },
      );
    }
  }

  /**
   * A container with a health check — the app's own or its image's HEALTHCHECK (docker merges
   * them; ['NONE'] disables it) — is up only once docker reports it healthy. Bounded by the
   * check's own timings; unhealthy or too slow: the unit is stopped (so nothing routes to it and
   * the next deploy starts it again) and E_APP_UNHEALTHY carries the last check's output. A
   * container that exits meanwhile fails with E_APP_START and its journal.
   */
  private async waitHealthy(name: string): Promise<void> {
    const unit = unitName(name);
    let deadline: number | undefined;
    let h: ContainerHealth | undefined;
    let why: string;
    for (;;) {
      const r = await this.runner.run([
        this.docker,
        'inspect',
        '--format',
        HEALTH_FORMAT,
        containerName(name),
      ]);
      h = r.code === 0 ? parseContainerHealth(r.stdout) : undefined;
      if (h?.status !== 'running') {
        const journal = await this.runner.run(['journalctl', '--no-pager', '-n', '30', '-u', unit]);
        throw new FlockerError(
          `${this.runner.host}: application ${name} exited while its health check ran (${h ? `container ${h.status}` : 'container gone'})\n${journal.stdout.trim()}`,
          'E_APP_START',
          'system',
        );
      }
      if (h.health === undefined || h.check === undefined || h.health === 'healthy') return;
      deadline ??= Date.now() + healthBudgetMs(h.check, this.opts.healthMarginMs ?? 10_000);
      if (h.health === 'unhealthy') {
        why = `unhealthy after ${h.check.retries} failed check${h.check.retries === 1 ? '' : 's'}`;
        break;
      }
      if (Date.now() > deadline) {
        why = `not healthy within ${Math.round(healthBudgetMs(h.check, this.opts.healthMarginMs ?? 10_000) / 1000)} s`;
        break;
      }
      await sleep(this.opts.pollMs ?? 250);
    }
    await this.runner.run(['systemctl', 'stop', unit]);
    throw new AppUnhealthyError(this.runner.host, name, why, h.lastCheck);
  }

  private async waitRunning(name: string): Promise<void> {
    const unit = unitName(name);
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    let why = 'timed out';
    for (;;) {
      const r = await this.runner.run([
        this.docker,
        'inspect',
        '-f',
        '{{.State.Running}}',
        containerName(name),
      ]);
      if (r.code === 0 && r.stdout.trim() === 'true') return;
      const s = await this.runner.run(['systemctl', 'is-active', unit]);
      const state = s.stdout.trim();
      if (state === 'failed' || state === 'inactive') {
        why = `unit is ${state}`;
        break;
      }
      if (Date.now() > deadline) break;
      await sleep(this.opts.pollMs ?? 50);
    }
    const status = await this.runner.run(['systemctl', 'status', '--no-pager', '--lines=0', unit]);
    const journal = await this.runner.run(['journalctl', '--no-pager', '-n', '30', '-u', unit]);
    throw new FlockerError(
      `${this.runner.host}: application ${name} did not start (${why})\n${status.stdout.trim()}\n${journal.stdout.trim()}`,
      'E_APP_START',
      'system',
    );
  }

  async stop(name: string): Promise<void> {
    checkAppName(name);
    const p = this.paths(name);
    const unit = unitName(name);
    if ((await this.files.read(p.unit)) !== undefined) {
      await runChecked(this.runner, ['systemctl', 'disable', '--now', unit]);
    }
    const rm = await this.runner.run([this.docker, 'rm', '-f', containerName(name)]);
    if (rm.code !== 0 && !/no such container/i.test(rm.stderr))
      throw new NodeCommandError(
        this.runner.host,
        [this.docker, 'rm', '-f', containerName(name)],
        rm.code,
        rm.stderr,
      );
    await Promise.all([
      this.files.remove(p.unit),
      this.files.remove(p.envFile),
      this.files.remove(p.specFile),
    ]);
    await runChecked(this.runner, ['rm', '-rf', '--', p.filesDir, p.secretsDir]);
    await runChecked(this.runner, ['systemctl', 'daemon-reload']);
    await this.runner.run(['systemctl', 'reset-failed', unit]); // forget a failed state; absent is fine
  }

  async dockerVersion(): Promise<string> {
    const argv = [this.docker, 'version', '--format', '{{.Server.Version}}'];
    const r = await this.runner.run(argv);
    const version = r.stdout.trim();
    if (r.code !== 0 || version === '')
      throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr, 'dockerd does not answer');
    return version;
  }

  async hasImage(image: string): Promise<boolean> {
    const argv = [this.docker, 'image', 'inspect', '--format', '{{.Id}}', '--', image];
    const r = await this.runner.run(argv);
    if (r.code === 0) return true;
    if (/no such image/i.test(r.stderr)) return false;
    throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
  }

  async pullImage(image: string): Promise<void> {
    await runChecked(this.runner, [this.docker, 'pull', '--', image]);
  }

  async dockerPorts(): Promise<DockerPorts> {
    return parseDockerPs(
      (await runChecked(this.runner, [this.docker, 'ps', '--format', '{{.ID}} {{.Ports}}'])).stdout,
    );
  }

  async restartDocker(): Promise<void> {
    // docker.service is Type=notify: restart returns once dockerd answers again
    await runChecked(this.runner, ['systemctl', 'restart', 'docker.service']);
  }
}

/**
 * In-memory twin. `failing`: apps whose start fails (as if the container never ran), each with
 * why, as the real error tells it (e.g. 'unit is failed', 'pull access denied').
 */
export class FakeApplicationUnits implements ApplicationUnits {
  readonly apps = new Map<
    string,
    {
      application: Application;
      running: boolean;
      env: Record<string, string>;
      volumePath?: string;
      since?: string;
    }
  >();
  readonly failing = new Map<string, string>();
  /** apps whose health check fails, each with its last check output (start: E_APP_UNHEALTHY) */
  readonly unhealthy = new Map<string, string>();
  /** every start/stop/pull, in order, for assertions */
  readonly calls: string[] = [];
  /** images not on this node (every other image is); a pull of one fails unless in `registry` */
  readonly missingImages = new Set<string>();
  /** images a pull would fetch */
  readonly registry = new Set<string>();
  /** set: dockerd does not answer (why, as docker tells it) */
  dockerDown?: string;
  /**
   * ports a docker-proxy holds for no container (what dockerd leaves after an unclean shutdown):
   * a start publishing one fails as docker's does; restartDocker() clears them
   */
  readonly staleProxies = new Set<number>();
  /** containers running here that are not flocker apps */
  foreignContainers: { readonly ports: readonly number[] }[] = [];

  list(): Promise<ListedApplication[]> {
    return Promise.resolve(
      [...this.apps.values()]
        .sort((a, b) => (a.application.name < b.application.name ? -1 : 1))
        .map((a) => ({ application: structuredClone(a.application), running: a.running })),
    );
  }

  unitStates(): Promise<Record<string, UnitState>> {
    const out: Record<string, UnitState> = Object.create(null) as Record<string, UnitState>;
    for (const [name, a] of this.apps)
      out[name] = { state: a.running ? 'active' : 'failed', ...(a.since ? { since: a.since } : {}) };
    return Promise.resolve(out);
  }

  start(app: Application, opts: StartOptions): Promise<void> {
    this.calls.push(`start ${app.name}`);
    try {
      checkAppName(app.name);
      const env = Object.fromEntries(
        renderEnvFile(app.environment, opts.linkEnvironment)
          .split('\n')
          .filter((l) => l)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      appContents(app, opts.payloads ?? {}); // the same refusal as the real one
      if (app.volume && opts.volumePath === undefined)
        throw new FlockerError(
          `application ${app.name} has a volume but no volume path was given`,
          'E_VOLUME_PATH',
          'system',
        );
      const stale = app.ports.find((p) => this.staleProxies.has(p.external));
      const why =
        this.failing.get(app.name) ??
        (stale ? `Bind for 0.0.0.0:${stale.external} failed: port is already allocated` : undefined);
      const failed = why !== undefined;
      this.apps.set(app.name, {
        application: structuredClone(app),
        running: !failed,
        env,
        since: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
        ...(opts.volumePath !== undefined ? { volumePath: opts.volumePath } : {}),
      });
      if (failed)
        throw new FlockerError(
          `fake: application ${app.name} did not start (${why})`,
          'E_APP_START',
          'system',
        );
      const check = this.unhealthy.get(app.name);
      if (check !== undefined) {
        this.apps.get(app.name)!.running = false; // stopped, as the real one does
        throw new AppUnhealthyError('fake', app.name, 'unhealthy after 3 failed checks', {
          exitCode: 1,
          output: check,
        });
      }
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  stop(name: string): Promise<void> {
    this.calls.push(`stop ${name}`);
    try {
      checkAppName(name);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.apps.delete(name);
    return Promise.resolve();
  }

  dockerVersion(): Promise<string> {
    if (this.dockerDown !== undefined)
      return Promise.reject(
        new NodeCommandError('fake', ['docker', 'version'], 1, this.dockerDown, 'dockerd does not answer'),
      );
    return Promise.resolve('fake');
  }

  hasImage(image: string): Promise<boolean> {
    if (this.dockerDown !== undefined)
      return Promise.reject(new NodeCommandError('fake', ['docker', 'image', 'inspect'], 1, this.dockerDown));
    return Promise.resolve(!this.missingImages.has(image));
  }

  pullImage(image: string): Promise<void> {
    this.calls.push(`pull ${image}`);
    if (this.dockerDown === undefined && (!this.missingImages.has(image) || this.registry.has(image))) {
      this.missingImages.delete(image);
      return Promise.resolve();
    }
    return Promise.reject(
      new NodeCommandError(
        'fake',
        ['docker', 'pull', '--', image],
        1,
        this.dockerDown ?? `Error response from daemon: pull access denied for ${image}`,
      ),
    );
  }

  dockerPorts(): Promise<DockerPorts> {
    if (this.dockerDown !== undefined)
      return Promise.reject(new NodeCommandError('fake', ['docker', 'ps'], 1, this.dockerDown));
    const running = [...this.apps.values()].filter((a) => a.running);
    const ports = [
      ...running.flatMap((a) => a.application.ports.map((p) => p.external)),
      ...this.foreignContainers.flatMap((c) => c.ports),
    ];
    return Promise.resolve({
      published: [...new Set(ports)].sort((a, b) => a - b),
      running: running.length + this.foreignContainers.length,
    });
  }

  restartDocker(): Promise<void> {
    this.calls.push('restart docker');
    // dockerd stops every container; systemd's units see theirs end
    for (const a of this.apps.values()) a.running = false;
    this.foreignContainers = [];
    this.staleProxies.clear();
    return Promise.resolve();
  }
}

/**
 * `systemctl show --timestamp=unix --property=Id,ActiveState,StateChangeTimestamp U...`: blocks
 * separated by blank lines; timestamps as "@SECONDS" (empty when never changed).
 */
export function parseUnitStates(text: string): [string, UnitState][] {
  const out: [string, UnitState][] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const kv = new Map<string, string>();
    for (const line of block.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
    }
    const name = appNameOfUnit(kv.get('Id') ?? '');
    const state = kv.get('ActiveState');
    if (name === undefined || !state) continue;
    const m = /^@(\d+)$/.exec(kv.get('StateChangeTimestamp') ?? '');
    out.push([name, { state, ...(m ? { since: new Date(Number(m[1]) * 1000).toISOString() } : {}) }]);
  }
  return out;
}
