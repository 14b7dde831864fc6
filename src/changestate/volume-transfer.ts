// Node-to-node volume transfer, run ON the sending node inside flocker-changestate:
// snapshot + zfs send (incremental from the newest snapshot the receiver also holds, else full)
// to the receiver's restricted peer endpoint through a PeerTransport (peer-transport.ts).
import { Transform, type Readable } from 'node:stream';
import { NodeError } from '../errors.js';
import type { VolumeStore } from '../zfs/volume-store.js';
import type { PeerTarget, TransferFigures, VolumeTransfer } from './adapters.js';
import type { PeerRequest } from './peer.js';
import type { PeerTransport } from './peer-transport.js';

export interface PushResult {
  readonly snapshot: string;
  /** snapshot the incremental stream started from; absent for a full stream */
  readonly base?: string;
  readonly incremental: boolean;
  /** stream bytes, when a process on either side saw them (not when piped process to process) */
  readonly bytes?: number;
  readonly seconds: number;
}

export interface PushOptions {
  readonly transport: PeerTransport;
  /** snapshots to keep locally besides the one just sent (e.g. what other copies hold) */
  readonly retain?: readonly string[];
  /** this node's name, for error messages (default: store host or 'localhost') */
  readonly self?: string;
}

function parseJson<T>(peer: PeerTarget, what: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new NodeError(peer.node, `unexpected reply to ${what}: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

/** Newest local snapshot the receiver also holds (local is oldest first). */
export function chooseBase(local: readonly string[], remote: readonly string[]): string | undefined {
  const have = new Set(remote);
  for (let i = local.length - 1; i >= 0; i--) if (have.has(local[i] as string)) return local[i];
  return undefined;
}

async function pushOnce(
  store: VolumeStore,
  name: string,
  peer: PeerTarget,
  opts: PushOptions,
): Promise<PushResult> {
  const vol = await store.get(name);
  if (!vol)
    throw new NodeError(
      opts.self ?? 'localhost',
      `cannot push volume ${name}: not on this node`,
      'E_NO_VOLUME',
    );
  const remote = parseJson<unknown>(
    peer,
    'snapshots',
    await opts.transport.request(peer, { kind: 'snapshots', name }),
  );
  if (!Array.isArray(remote) || !remote.every((s) => typeof s === 'string')) {
    throw new NodeError(peer.node, `unexpected reply to snapshots: ${JSON.stringify(remote)}`);
  }
  const base = chooseBase(vol.snapshots, remote as string[]);
  const snap = await store.snapshot(name);
  const started = performance.now();
  const direct = opts.transport.direct === true;
  const sent = store.send(name, snap, base, { direct });
  let bytes: number | undefined;
  let input: Readable = sent.stream;
  if (!direct) {
    // counted as it is consumed: a 'data' listener would set the stream flowing and lose what
    // it produced before the transport attached its reader
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes = (bytes ?? 0) + chunk.length;
        done(null, chunk);
      },
    });
    sent.stream.on('error', (e) => counter.destroy(e));
    input = sent.stream.pipe(counter);
  }
  const request: PeerRequest =
    base === undefined ? { kind: 'recv', name } : { kind: 'recv', name, from: base };
  const [s, r] = await Promise.allSettled([sent.done, opts.transport.request(peer, request, input)]);
  // the sender's failure explains the receiver's ("failed to read from stream"), so it wins
  if (s.status === 'rejected') throw s.reason;
  if (r.status === 'rejected') throw r.reason;
  // the receiver counts what it got (the only count when the stream bypassed this process)
  const reply = parseJson<{ bytes?: unknown }>(peer, 'recv', r.value);
  if (typeof reply.bytes === 'number') bytes = reply.bytes;
  const seconds = (performance.now() - started) / 1000;
  await store.pruneSnapshots(name, [snap, ...(opts.retain ?? [])]);
  return {
    snapshot: snap,
    ...(base !== undefined ? { base } : {}),
    incremental: base !== undefined,
    ...(bytes !== undefined ? { bytes } : {}),
    seconds,
  };
}

/** Copy the volume to the peer while the app keeps running; this node stays the owner. */
export async function pushVolume(
  store: VolumeStore,
  name: string,
  peer: PeerTarget,
  opts: PushOptions,
): Promise<PushResult> {
  const vol = await store.get(name);
  if (vol && !vol.owned) {
    throw new NodeError(
      opts.self ?? 'localhost',
      `cannot push volume ${name}: this node holds only a read-only copy`,
      'E_NOT_OWNER',
    );
  }
  return pushOnce(store, name, peer, opts);
}

export interface HandoffResult extends PushResult {
  /** the receiver already owned the volume (an earlier handoff completed); nothing was sent */
  readonly alreadyHandedOff: boolean;
}

/**
 * Move ownership to the peer (the app is stopped): this node becomes read-only FIRST, then the
 * final incremental push, then the receiver takes ownership — never two writable owners. If the
 * push fails, ownership stays here (the receiver was never told to own). If `own` fails both sides
 * are read-only and this function refuses to guess on a re-run; the planner recovers by taking
 * over the receiver's (complete) copy with create-volume.
 */
export async function handoffVolume(
  store: VolumeStore,
  name: string,
  peer: PeerTarget,
  opts: PushOptions,
): Promise<HandoffResult> {
  const self = opts.self ?? 'localhost';
  const vol = await store.get(name);
  if (!vol) throw new NodeError(self, `cannot hand off volume ${name}: not on this node`, 'E_NO_VOLUME');
  if (!vol.owned) {
    const st = parseJson<{ owned?: unknown }>(
      peer,
      'status',
      await opts.transport.request(peer, { kind: 'status', name }),
    );
    if (st.owned === true) {
      return {
        snapshot: vol.snapshots[vol.snapshots.length - 1] ?? '',
        incremental: true,
        bytes: 0,
        seconds: 0,
        alreadyHandedOff: true,
      };
    }
    // neither side owns it: not ours to hand off (the planner takes over a copy with create-volume)
    throw new NodeError(self, `cannot hand off volume ${name}: this node does not own it`, 'E_NOT_OWNER');
  } else {
    await store.setOwned(name, false);
  }
  let pushed: PushResult;
  try {
    pushed = await pushOnce(store, name, peer, opts);
  } catch (e) {
    await store.setOwned(name, true).catch(() => undefined);
    throw e;
  }
  await opts.transport.request(peer, { kind: 'own', name });
  return { ...pushed, alreadyHandedOff: false };
}

/** Figures for progress events. */
export function transferFigures(r: PushResult): TransferFigures {
  return {
    snapshot: r.snapshot,
    incremental: r.incremental,
    ...(r.bytes !== undefined ? { bytes: r.bytes } : {}),
    seconds: Math.round(r.seconds * 1000) / 1000,
  };
}

/** The VolumeTransfer adapter of flocker-changestate: this node's store, pushing through `transport`. */
export class PeerVolumeTransfer implements VolumeTransfer {
  constructor(
    private readonly store: VolumeStore,
    private readonly transport: PeerTransport,
    /** this node's name, for error messages */
    private readonly self: string,
  ) {}

  async push(name: string, to: PeerTarget): Promise<TransferFigures> {
    return transferFigures(
      await pushVolume(this.store, name, to, { transport: this.transport, self: this.self }),
    );
  }

  async handoff(name: string, to: PeerTarget): Promise<TransferFigures> {
    return transferFigures(
      await handoffVolume(this.store, name, to, { transport: this.transport, self: this.self }),
    );
  }
}
