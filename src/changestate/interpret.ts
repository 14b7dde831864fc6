// The interpreter over plan data: runs one node's Change tree with its adapters.
import { errorData, FlockerError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { Change, CheckStart, PhaseName } from '../model/changes.js';
import type { Emit, LeafChange, NodeEvent } from '../model/events.js';
import type { PeerInfo } from '../model/changestate-input.js';
import { describeChange, formatBytes } from '../plan/describe.js';
import { portConflicts } from '../routing/listeners.js';
import { repairStaleDockerPorts, staleDockerPortsMessage } from './stale-docker-ports.js';
import { assertNever } from '../util/assert-never.js';
import type { NodeAdapters, PeerTarget, ProgressSink, TransferFigures } from './adapters.js';
import { own } from '../util/own.js';
import type { Payload } from '../model/payload.js';

export class ChangeError extends FlockerError {
  constructor(
    readonly change: string,
    readonly failure: unknown,
  ) {
    super(`${change}: ${failure instanceof Error ? failure.message : String(failure)}`, 'E_CHANGE', 'system');
  }
}

export interface InterpretContext {
  readonly phase: PhaseName;
  readonly adapters: NodeAdapters;
  readonly peers: Readonly<Record<string, PeerInfo>>;
  /** this node's name in the deployment (recorded as a volume's owner) */
  readonly self?: string;
  readonly emit: Emit<NodeEvent>;
  /** how long wait-for-volume waits for ownership to arrive */
  readonly volumeWaitMs?: number;
  /** issue 13: contents of project files and secrets by hash (the changestate input's) */
  readonly payloads?: Readonly<Record<string, Payload>>;
}

function peer(ctx: InterpretContext, node: string): PeerTarget {
  const p = own(ctx.peers, node);
  if (!p) throw new Error(`no peer information for node ${node}`);
  return { node, address: p.address, port: p.port };
}

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The check before anything changes: every problem of this node, each with its code. Nothing
 * here changes the node except pulling a missing image (which a start would do anyway).
 */
export async function checkProblems(
  c: CheckStart,
  a: NodeAdapters,
): Promise<{ problems: FlockerError[]; figures: TransferFigures }> {
  const problems: FlockerError[] = [];
  const figures: Record<string, string | number | boolean> = {};
  const problem = (code: ErrorCode, message: string): void => {
    problems.push(new FlockerError(message, code, 'system'));
  };
  if (c.images.length) {
    let dockerOk = false;
    try {
      figures.docker = await a.apps.dockerVersion();
      dockerOk = true;
    } catch (e) {
      problem('E_PRECHECK_DOCKER', `dockerd does not answer: ${reason(e)}`);
    }
    if (dockerOk) {
      const pulled: string[] = [];
      for (const image of c.images) {
        try {
          if (await a.apps.hasImage(image)) continue;
          await a.apps.pullImage(image);
          pulled.push(image);
        } catch (e) {
          problem(
            'E_PRECHECK_IMAGE',
            `image ${image} is not on this node and could not be pulled: ${reason(e)}`,
          );
        }
      }
      if (pulled.length) figures.pulled = pulled.join(' ');
    }
  }
  if (c.volumes.length) {
    const pool = await a.volumes.pool();
    const need = c.volumes.reduce((n, v) => n + v.bytes, 0);
    figures.pool_available = pool.available;
    if (pool.health === 'MISSING') problem('E_PRECHECK_POOL', `ZFS pool ${pool.pool} does not exist here`);
    else if (pool.health !== 'ONLINE') problem('E_PRECHECK_POOL', `ZFS pool ${pool.pool} is ${pool.health}`);
    else if (pool.available < need)
      problem(
        'E_PRECHECK_POOL',
        `ZFS pool ${pool.pool} has ${formatBytes(pool.available)} free, ${c.volumes
          .map((v) => `volume ${v.name} needs ${formatBytes(v.bytes)}`)
          .join(', ')}`,
      );
  }
  const udpApp = c.udp_app_ports ?? [];
  const udpRoute = c.udp_route_ports ?? [];
  if (c.app_ports.length || c.route_ports.length || udpApp.length || udpRoute.length) {
    let [listeners, apps] = await Promise.all([a.routes.listening(), a.apps.list()]);
    const stale = await repairStaleDockerPorts(listeners, [...c.app_ports, ...c.route_ports], a.apps);
    if (stale?.restarted) {
      figures.docker_restarted = `stale port mapping of ${stale.ports.join(', ')}`;
      [listeners, apps] = await Promise.all([a.routes.listening(), a.apps.list()]);
    } else if (stale) problem('E_PRECHECK_PORT', staleDockerPortsMessage(stale));
    const published = (udp: boolean): number[] =>
      apps.flatMap((x) =>
        x.application.ports.filter((p) => (p.protocol === 'udp') === udp).map((p) => p.external),
      );
    const ours = new Set([
      ...published(false),
      ...(stale && !stale.restarted ? stale.ports : []), // said above
    ]);
    const want = {
      appPorts: c.app_ports,
      routePorts: c.route_ports,
      udpAppPorts: udpApp,
      udpRoutePorts: udpRoute,
    };
    for (const x of portConflicts(listeners, want, ours, new Set(published(true)))) {
      problem(
        'E_PRECHECK_PORT',
        `${x.protocol === 'udp' ? 'UDP port' : 'port'} ${x.port} is in use here by a program that is not a flocker app (listening on ${x.addresses.join(', ')}): ${
          x.use === 'app'
            ? 'the app cannot publish it'
            : 'routing it to another node would take it over; choose another external port or stop that program'
        }`,
      );
    }
  }
  return { problems, figures };
}

/** A stream's progress as change-progress events of change `c`. */
const progressOf =
  (c: LeafChange, ctx: InterpretContext): ProgressSink =>
  (p) =>
    ctx.emit({ type: 'change-progress', phase: ctx.phase, change: c, ...p });

async function leaf(c: Change, ctx: InterpretContext): Promise<TransferFigures | undefined> {
  const { adapters } = ctx;
  switch (c.kind) {
    case 'check-start': {
      const { problems, figures } = await checkProblems(c, adapters);
      const first = problems[0];
      if (first) throw new FlockerError(problems.map((p) => p.message).join('\n'), first.code, 'system');
      return figures;
    }
    case 'start-application': {
      const volumePath = c.application.volume
        ? (await adapters.volumes.get(c.application.name))?.mountpoint
        : undefined;
      if (c.application.volume && volumePath === undefined) {
        throw new Error(`volume ${c.application.name} is not on this node`);
      }
      // an owner is writable (a crash may have stopped between its role and readonly)
      if (c.application.volume) await adapters.volumes.setRecord(c.application.name, { role: 'owner' });
      await adapters.apps.start(c.application, {
        linkEnvironment: { ...c.link_environment },
        ...(volumePath !== undefined ? { volumePath } : {}),
        ...(ctx.payloads ? { payloads: ctx.payloads } : {}),
      });
      return undefined;
    }
    case 'stop-application':
      await adapters.apps.stop(c.name);
      return undefined;
    case 'set-volume-quota':
      await adapters.volumes.setQuota(c.name, c.bytes);
      return undefined;
    case 'create-volume':
      // never takes over a copy: the store refuses (E_VOLUME_IS_COPY); the planner decides that
      await adapters.volumes.create(c.name, ctx.self);
      return undefined;
    case 'push-volume':
      return adapters.transfer.push(c.name, peer(ctx, c.to), ctx.self, progressOf(c, ctx));
    case 'handoff-volume':
    case 'resume-handoff':
      return adapters.transfer.handoff(c.name, peer(ctx, c.to), ctx.self, progressOf(c, ctx));
    case 'cancel-handoff':
      return adapters.transfer.cancelHandoff(c.name, peer(ctx, c.to), ctx.self);
    case 'promote-volume': {
      const v = await adapters.volumes.get(c.name);
      if (!v) throw new Error(`volume ${c.name} is not on this node`);
      if (v.role === 'owner') return undefined;
      if (v.role !== 'copy' || v.epoch >= c.epoch)
        throw new Error(
          `volume ${c.name} here is ${v.role} at epoch ${v.epoch}: not promoted to epoch ${c.epoch}`,
        );
      await adapters.volumes.setRecord(c.name, {
        epoch: c.epoch,
        ...(ctx.self !== undefined ? { owner: ctx.self } : {}),
        role: 'owner',
        handoff: null,
      });
      return { epoch: c.epoch };
    }
    case 'wait-for-volume': {
      const deadline = Date.now() + (ctx.volumeWaitMs ?? 60_000);
      for (;;) {
        const v = await adapters.volumes.get(c.name);
        if (v?.owned) return undefined;
        if (Date.now() > deadline) {
          throw new Error(
            `volume ${c.name} did not arrive from ${c.from} (this node ${v ? 'holds only a read-only copy' : 'has no copy'})`,
          );
        }
        await adapters.sleep(200);
      }
    }
    case 'set-proxies':
      await adapters.routes.set(c.routes, c.guard);
      return undefined;
    case 'sequentially':
    case 'in-parallel':
      throw new Error('not a leaf');
    default:
      return assertNever(c);
  }
}

/** Execute a change tree; the first failure stops a sequence, a parallel group finishes then fails. */
export async function interpret(c: Change, ctx: InterpretContext): Promise<void> {
  if (c.kind === 'sequentially') {
    for (const x of c.changes) await interpret(x, ctx);
    return;
  }
  if (c.kind === 'in-parallel') {
    const results = await Promise.allSettled(c.changes.map((x) => interpret(x, ctx)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return;
  }
  // events carry the change itself; the deploy side renders it
  ctx.emit({ type: 'change-start', phase: ctx.phase, change: c });
  const t0 = Date.now();
  try {
    const detail = await leaf(c, ctx);
    ctx.emit({
      type: 'change-done',
      phase: ctx.phase,
      change: c,
      ms: Date.now() - t0,
      ...(detail ? { detail } : {}),
    });
  } catch (e) {
    const err = e instanceof ChangeError ? e : new ChangeError(describeChange(c), e);
    ctx.emit({
      type: 'change-failed',
      phase: ctx.phase,
      change: c,
      error: errorData(err.failure, 'E_CHANGE'),
    });
    throw err;
  }
}
