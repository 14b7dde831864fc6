// The interpreter over plan data: runs one node's Change tree with its adapters.
import { errorData, FlockerError } from '../errors.js';
import type { Change, PhaseName } from '../model/changes.js';
import type { Emit, NodeEvent } from '../model/events.js';
import type { PeerInfo } from '../model/changestate-input.js';
import { describeChange } from '../plan/describe.js';
import { assertNever } from '../util/assert-never.js';
import type { NodeAdapters, PeerTarget, TransferFigures } from './adapters.js';

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
}

function peer(ctx: InterpretContext, node: string): PeerTarget {
  const p = ctx.peers[node];
  if (!p) throw new Error(`no peer information for node ${node}`);
  return { node, address: p.address, port: p.port };
}

async function leaf(c: Change, ctx: InterpretContext): Promise<TransferFigures | undefined> {
  const { adapters } = ctx;
  switch (c.kind) {
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
      });
      return undefined;
    }
    case 'stop-application':
      await adapters.apps.stop(c.name);
      return undefined;
    case 'create-volume':
      // never takes over a copy: the store refuses (E_VOLUME_IS_COPY); the planner decides that
      await adapters.volumes.create(c.name, ctx.self);
      return undefined;
    case 'push-volume':
      return adapters.transfer.push(c.name, peer(ctx, c.to), ctx.self);
    case 'handoff-volume':
    case 'resume-handoff':
      return adapters.transfer.handoff(c.name, peer(ctx, c.to), ctx.self);
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
      await adapters.routes.set(c.routes);
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
