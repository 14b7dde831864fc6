// The node's route table: interface, real implementation over iptables, fake, boot restore.
import type { ReportedRoute, RouteGuard } from '../model/state.js';
import type { CommandRunner } from '../exec/runner.js';
import { runChecked } from '../exec/check.js';
import { FlockerError } from '../errors.js';
import type { NodeFiles } from '../exec/node-files.js';
import { systemdCommandLine } from '../systemd/quote.js';
import { parseRoutesDocument, parseRoutesFile, ROUTES_FORMAT } from '../validation/routes-file.js';
import {
  byRoutePort,
  installedGuard,
  installedRoutes,
  parseIptablesSave,
  planRoutes,
  routeProblems,
} from './iptables.js';
import { byListener, parseListeners, type Listener } from './listeners.js';

export interface RouteTable {
  /** routes installed on this node, sorted by port */
  list(): Promise<ReportedRoute[]>;
  /**
   * make the installed routes exactly these (a diff: only the difference is added/removed), and
   * the guard of cluster-only ports exactly `guard` (absent: none)
   */
  set(
    routes: readonly ReportedRoute[],
    guard?: RouteGuard,
  ): Promise<{ added: ReportedRoute[]; removed: ReportedRoute[] }>;
  /** networks (issue 13 item 4): the guard installed, undefined when no port is guarded */
  guard(): Promise<RouteGuard | undefined>;
  /** listening TCP sockets on the node (any process), sorted by port (issue #8: checks) */
  listening(): Promise<Listener[]>;
}

export const ROUTES_FILE = '/var/lib/flocker/routes.json';
export const ROUTES_UNIT = 'flocker-routes.service';
export { ROUTES_FORMAT };
export const DEFAULT_RESTORE_COMMAND: readonly string[] = ['flocker-changestate', 'restore-routes'];

function checkRoutes(routes: readonly ReportedRoute[]): void {
  const problems = routeProblems(routes);
  if (problems.length) throw new FlockerError(problems.join('\n'), 'E_ROUTES', 'system');
}

/**
 * The boot unit: re-applies the persisted routes after docker is up, before multi-user.target
 * (and so before the application units). PartOf=docker.service + WantedBy=docker.service: when
 * docker is restarted, this unit is restarted after it and re-adds anything that went missing.
 */
export function renderRoutesUnit(restoreCommand: readonly string[] = DEFAULT_RESTORE_COMMAND): string {
  return [
    '# Written by flocker; do not edit.',
    '[Unit]',
    'Description=flocker routes (NAT of every application port to the node running it)',
    'After=docker.service network-online.target',
    'Wants=network-online.target',
    'PartOf=docker.service',
    'Before=multi-user.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=${systemdCommandLine(restoreCommand)}`,
    // at boot after a power cut, what it needs (docker's chains, the xtables lock) may not be
    // ready at once: try again rather than leave the node without routes
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target docker.service',
    '',
  ].join('\n');
}

export function renderRoutesFile(routes: readonly ReportedRoute[], guard?: RouteGuard): string {
  const sorted = [...routes]
    .map((r) => ({
      port: r.port,
      target_address: r.target_address,
      target_port: r.target_port,
      ...(r.protocol === 'udp' ? { protocol: r.protocol } : {}),
    }))
    .sort(byRoutePort);
  const g = guard?.ports.length ? { guard: { ports: [...guard.ports], sources: [...guard.sources] } } : {};
  return `${JSON.stringify({ format: ROUTES_FORMAT, routes: sorted, ...g }, null, 2)}\n`;
}

export { parseRoutesFile };

export interface IptablesRouteTableOptions {
  readonly iptables?: string;
  readonly iptablesSave?: string;
  /** the ss executable (iproute2) */
  readonly ss?: string;
  readonly routesFile?: string;
  readonly unitDir?: string;
  /** what flocker-routes.service runs at boot; default flocker-changestate restore-routes */
  readonly restoreCommand?: readonly string[];
  /** persist + install the boot unit on set() (default true; restore itself passes false) */
  readonly persist?: boolean;
}

export class IptablesRouteTable implements RouteTable {
  constructor(
    private readonly runner: CommandRunner,
    private readonly files: NodeFiles,
    private readonly opts: IptablesRouteTableOptions = {},
  ) {}

  private async saved(): Promise<ReturnType<typeof parseIptablesSave>> {
    const r = await runChecked(this.runner, [this.opts.iptablesSave ?? 'iptables-save']);
    return parseIptablesSave(r.stdout);
  }

  async list(): Promise<ReportedRoute[]> {
    return installedRoutes(await this.saved());
  }

  async guard(): Promise<RouteGuard | undefined> {
    return installedGuard(await this.saved());
  }

  async set(
    routes: readonly ReportedRoute[],
    guard?: RouteGuard,
  ): Promise<{ added: ReportedRoute[]; removed: ReportedRoute[] }> {
    checkRoutes(routes);
    if (this.opts.persist !== false) {
      await this.files.write(this.opts.routesFile ?? ROUTES_FILE, renderRoutesFile(routes, guard), 0o600);
      await this.installBootUnit();
    }
    if (routes.length) await runChecked(this.runner, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    const plan = planRoutes(await this.saved(), routes, guard);
    for (const cmd of plan.commands)
      await runChecked(this.runner, [this.opts.iptables ?? 'iptables', '-w', ...cmd]);
    return { added: plan.added, removed: plan.removed };
  }

  async listening(): Promise<Listener[]> {
    // -p: the process names tell a docker-proxy (dockerd's port mapping) from other programs;
    // -u: bound UDP sockets too (a UDP app port or route is checked like a TCP one)
    return parseListeners((await runChecked(this.runner, [this.opts.ss ?? 'ss', '-Hltunp'])).stdout);
  }

  /** write + enable flocker-routes.service (only when its content changed) */
  async installBootUnit(): Promise<void> {
    const path = `${this.opts.unitDir ?? '/etc/systemd/system'}/${ROUTES_UNIT}`;
    const text = renderRoutesUnit(this.opts.restoreCommand);
    if ((await this.files.read(path)) === text) return;
    await this.files.write(path, text, 0o644);
    await runChecked(this.runner, ['systemctl', 'daemon-reload']);
    await runChecked(this.runner, ['systemctl', 'enable', ROUTES_UNIT]);
  }
}

/**
 * Boot/docker-restart restore: re-apply the persisted desired routes (no file = nothing to do).
 * flocker-changestate restore-routes should call restoreRoutesOnThisNode() (see restore.ts).
 */
export async function restoreRoutes(
  table: RouteTable,
  files: NodeFiles,
  routesFile = ROUTES_FILE,
): Promise<{ added: ReportedRoute[]; removed: ReportedRoute[] } | undefined> {
  const text = await files.read(routesFile);
  if (text === undefined) return undefined;
  const doc = parseRoutesDocument(text, routesFile);
  return table.set(doc.routes, doc.guard);
}

export class FakeRouteTable implements RouteTable {
  routes: ReportedRoute[] = [];
  /** networks: the guard set last (undefined: none) */
  installedGuard: RouteGuard | undefined;
  guard(): Promise<RouteGuard | undefined> {
    const g = this.installedGuard;
    return Promise.resolve(g ? { ports: [...g.ports], sources: [...g.sources] } : undefined);
  }
  /** what else listens on the node (tests add foreign listeners, e.g. sshd on 22) */
  listeners: Listener[] = [];
  /** @param published listeners of the node's containers (docker-proxy), e.g. from its fake apps */
  constructor(private readonly published: () => readonly Listener[] = () => []) {}
  listening(): Promise<Listener[]> {
    return Promise.resolve(
      [...this.listeners, ...this.published()]
        .map((l) => ({
          address: l.address,
          port: l.port,
          ...(l.program ? { program: l.program } : {}),
          ...(l.protocol ? { protocol: l.protocol } : {}),
        }))
        .sort(byListener),
    );
  }
  list(): Promise<ReportedRoute[]> {
    return Promise.resolve(this.routes.map((r) => ({ ...r })).sort(byRoutePort));
  }
  set(
    routes: readonly ReportedRoute[],
    guard?: RouteGuard,
  ): Promise<{ added: ReportedRoute[]; removed: ReportedRoute[] }> {
    try {
      checkRoutes(routes);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.installedGuard = guard?.ports.length
      ? { ports: [...guard.ports].sort((a, b) => a - b), sources: [...guard.sources].sort() }
      : undefined;
    const key = (r: ReportedRoute): string =>
      `${r.protocol ?? 'tcp'} ${r.port} ${r.target_address} ${r.target_port}`;
    const before = new Set(this.routes.map(key));
    const after = new Set(routes.map(key));
    const byPort = byRoutePort;
    const added = routes
      .filter((r) => !before.has(key(r)))
      .map((r) => ({ ...r }))
      .sort(byPort);
    const removed = this.routes.filter((r) => !after.has(key(r))).sort(byPort);
    this.routes = routes.map((r) => ({
      port: r.port,
      target_address: r.target_address,
      target_port: r.target_port,
      ...(r.protocol === 'udp' ? { protocol: r.protocol } : {}),
    }));
    return Promise.resolve({ added, removed });
  }
}
