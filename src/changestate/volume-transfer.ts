// Node-to-node volume transfer, run ON the sending node inside flocker-changestate:
// snapshot + zfs send (incremental from the newest snapshot the receiver also holds, else full)
// to the receiver's restricted peer endpoint through a PeerTransport (peer-transport.ts).
import { randomBytes } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { NodeError } from '../errors.js';
import type { HandoffIntent, LocalVolume, VolumeStore } from '../zfs/volume-store.js';
import { PROGRESS_INTERVAL_MS } from '../model/events.js';
import type { PeerTarget, ProgressSink, TransferFigures, VolumeTransfer } from './adapters.js';
import type { PeerRequest, PeerStatus } from './peer.js';
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
  /** told the bytes sent while the stream runs, and once at its end */
  readonly onProgress?: ProgressSink;
  /** how often onProgress is told (default PROGRESS_INTERVAL_MS) */
  readonly progressMs?: number;
}

/** How often a direct stream's producer is read (its last reading is the final count). */
const SAMPLE_MS = 100;

/** The expected size of a full stream: the volume's `referenced` (undefined if unknown). */
async function fullStreamSize(store: VolumeStore, name: string): Promise<number | undefined> {
  try {
    return (await store.sizes())[name];
  } catch {
    return undefined; // progress without a total: bytes and rate only
  }
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
  /** the snapshot to send (a handoff's final one); default: a new one */
  final?: string,
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
  const snap = final ?? (await store.snapshot(name));
  const older = vol.snapshots.slice(0, Math.max(0, vol.snapshots.indexOf(snap)));
  const base = chooseBase(final === undefined ? vol.snapshots : older, remote as string[]);
  // zfs-fuse has no `send -nP`: only a full stream's size is known ahead (about `referenced`)
  const total = opts.onProgress && base === undefined ? await fullStreamSize(store, name) : undefined;
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
  const request: PeerRequest = {
    kind: 'recv',
    name,
    lineage: vol.lineage ?? '',
    epoch: vol.epoch,
    owner: vol.owner ?? opts.self ?? 'localhost',
    ...(base !== undefined ? { from: base } : {}),
  };
  // progress: what passed the counter, or what the transport saw taken (a direct stream)
  let taken: (() => number | undefined) | undefined;
  let seen = 0;
  let told = 0;
  const tell = (n: number) =>
    opts.onProgress?.({
      bytes: n,
      ...(total !== undefined ? { total } : {}),
      ms: Math.round(performance.now() - started),
    });
  const sampler = opts.onProgress
    ? setInterval(() => {
        seen = Math.max(seen, (direct ? taken?.() : bytes) ?? 0);
        if (performance.now() - told >= (opts.progressMs ?? PROGRESS_INTERVAL_MS)) {
          told = performance.now();
          tell(seen);
        }
      }, SAMPLE_MS)
    : undefined;
  told = performance.now();
  let settled;
  try {
    settled = await Promise.allSettled([
      sent.done,
      opts.transport.request(peer, request, input, opts.onProgress ? { onStream: (t) => (taken = t) } : {}),
    ]);
  } finally {
    clearInterval(sampler);
  }
  const [s, r] = settled;
  // the sender's failure explains the receiver's ("failed to read from stream"), so it wins
  if (s.status === 'rejected') throw s.reason;
  if (r.status === 'rejected') throw r.reason;
  // the receiver counts what it got (the only count when the stream bypassed this process)
  const reply = parseJson<{ bytes?: unknown }>(peer, 'recv', r.value);
  if (typeof reply.bytes === 'number') bytes = reply.bytes;
  const seconds = (performance.now() - started) / 1000;
  // the end: the exact count when one process saw the stream, else the producer's last reading
  tell(bytes ?? seen);
  // the snapshot both now hold is the next incremental's base: held, the older ones go
  await store.protect(name, snap);
  await store.pruneSnapshots(name, [snap, ...(opts.retain ?? [])]);
  return {
    snapshot: snap,
    ...(base !== undefined ? { base } : {}),
    incremental: base !== undefined,
    ...(bytes !== undefined ? { bytes } : {}),
    seconds,
  };
}

/**
 * A volume made before ownership records existed gets them on its owner (epoch 1, this node,
 * a new lineage) before its first transfer, so every copy it makes carries them.
 */
async function ensureRecord(store: VolumeStore, vol: LocalVolume, self: string): Promise<LocalVolume> {
  if (vol.lineage !== undefined && vol.epoch > 0 && vol.owner !== undefined) return vol;
  await store.setRecord(vol.name, {
    ...(vol.lineage === undefined ? { lineage: randomBytes(8).toString('hex') } : {}),
    ...(vol.epoch === 0 ? { epoch: 1 } : {}),
    ...(vol.owner === undefined ? { owner: self } : {}),
  });
  return (await store.get(vol.name)) ?? vol;
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
  if (vol) await ensureRecord(store, vol, opts.self ?? 'localhost');
  return pushOnce(store, name, peer, opts);
}

export interface HandoffResult extends PushResult {
  /** the receiver already owned the volume (an earlier handoff completed); nothing was sent */
  readonly alreadyHandedOff: boolean;
}

async function peerStatus(store: VolumeStore, name: string, peer: PeerTarget, opts: PushOptions) {
  void store;
  return parseJson<PeerStatus>(peer, 'status', await opts.transport.request(peer, { kind: 'status', name }));
}

/** The receiver owns the volume at the intent's epoch: the handoff's step 4 happened. */
function ownsAt(st: PeerStatus, vol: LocalVolume, epoch: number): boolean {
  return st.role === 'owner' && st.epoch === epoch && st.lineage === vol.lineage;
}

/** Step 5: this node records the receiver as owner at the new epoch; the intent goes last. */
async function finish(store: VolumeStore, name: string, intent: HandoffIntent, opts: PushOptions) {
  await store.setRecord(name, { role: 'copy', epoch: intent.epoch, owner: intent.to, handoff: null });
  if (intent.snapshot !== undefined) {
    await store.protect(name, intent.snapshot).catch(() => undefined);
    await store.pruneSnapshots(name, [intent.snapshot, ...(opts.retain ?? [])]);
  }
}

const done = (snapshot: string): HandoffResult => ({
  snapshot,
  incremental: true,
  bytes: 0,
  seconds: 0,
  alreadyHandedOff: true,
});

/**
 * Move ownership to the peer (the app is stopped). Every step is recorded first and resumable
 * after a crash anywhere (the planner sends a handing-off node here again, or to cancelHandoff):
 * (1) intent {to, epoch E+1} + role handing-off (read-only) here; (2) the final snapshot, its
 * name and GUID into the intent; (3) the final incremental push; (4) the receiver owns at E+1
 * only if its newest snapshot is that one; (5) this node: copy at E+1, owner = receiver, intent
 * cleared. Never two writable owners: this node stops owning at (1), the receiver starts at (4).
 */
export async function handoffVolume(
  store: VolumeStore,
  name: string,
  peer: PeerTarget,
  opts: PushOptions,
): Promise<HandoffResult> {
  const self = opts.self ?? 'localhost';
  let vol = await store.get(name);
  if (!vol) throw new NodeError(self, `cannot hand off volume ${name}: not on this node`, 'E_NO_VOLUME');
  if (vol.role === 'copy') {
    const st = await peerStatus(store, name, peer, opts);
    if (vol.owner === peer.node && ownsAt(st, vol, vol.epoch))
      return done(vol.snapshots[vol.snapshots.length - 1] ?? '');
    // neither side owns it: not ours to hand off (the planner decides who may own it)
    throw new NodeError(self, `cannot hand off volume ${name}: this node does not own it`, 'E_NOT_OWNER');
  }
  if (vol.role === 'owner') {
    vol = await ensureRecord(store, vol, self);
    await store.setRecord(name, { role: 'handing-off', handoff: { to: peer.node, epoch: vol.epoch + 1 } });
    vol = (await store.get(name)) ?? vol;
  }
  let intent: HandoffIntent = vol.handoff ?? { to: peer.node, epoch: vol.epoch + 1 };
  if (vol.handoff === undefined) await store.setRecord(name, { handoff: intent });
  if (intent.to !== peer.node)
    throw new NodeError(
      self,
      `volume ${name} is being handed off to ${intent.to}, not ${peer.node}: resume that handoff or cancel it first`,
      'E_HANDOFF_MISMATCH',
    );
  const st = await peerStatus(store, name, peer, opts);
  if (ownsAt(st, vol, intent.epoch)) {
    await finish(store, name, intent, opts);
    return done(intent.snapshot ?? st.newest ?? '');
  }
  // (2) the final snapshot: the one recorded, if still here; this node is read-only since (1)
  if (
    intent.snapshot === undefined ||
    intent.guid === undefined ||
    vol.guids[intent.snapshot] !== intent.guid
  ) {
    const snap = await store.snapshot(name);
    const guid = (await store.get(name))?.guids[snap];
    if (guid === undefined) throw new NodeError(self, `snapshot ${name}@${snap} has no GUID`);
    intent = { ...intent, snapshot: snap, guid };
    await store.setRecord(name, { handoff: intent });
  }
  const snap = intent.snapshot as string;
  const guid = intent.guid as string;
  // (3) the final push, unless the receiver holds it already (a crash after the push)
  let pushed: PushResult;
  if (st.newest === snap && st.newest_guid === guid) {
    pushed = { snapshot: snap, incremental: true, bytes: 0, seconds: 0 };
  } else {
    // the app is stopped: its downtime is this stream. A direct stream is measured through an
    // ssh connection of its own (~0.5 s to open here), so the handoff goes unmeasured instead
    // (the push before it carried the bulk of the data, with progress)
    const unmeasured: PushOptions = { ...opts };
    delete (unmeasured as { onProgress?: unknown }).onProgress;
    pushed = await pushOnce(store, name, peer, opts.transport.direct ? unmeasured : opts, snap);
  }
  // (4) the receiver verifies and owns
  await opts.transport.request(peer, {
    kind: 'own',
    name,
    snapshot: snap,
    guid,
    epoch: intent.epoch,
    from: self,
    to: intent.to,
  });
  // (5)
  await finish(store, name, intent, opts);
  return { ...pushed, alreadyHandedOff: false };
}

/**
 * The app stays here after all (the desired node is this one again): a handing-off node owns
 * again at its epoch, unless the receiver owns already (step 4 done) — then the handoff is
 * finished instead, never undone. Returns what it did.
 */
export async function cancelHandoff(
  store: VolumeStore,
  name: string,
  peer: PeerTarget,
  opts: PushOptions,
): Promise<'cancelled' | 'finished' | 'nothing'> {
  const self = opts.self ?? 'localhost';
  const vol = await store.get(name);
  if (!vol)
    throw new NodeError(self, `cannot cancel a handoff of volume ${name}: not on this node`, 'E_NO_VOLUME');
  if (vol.role !== 'handing-off') return 'nothing';
  const intent = vol.handoff ?? { to: peer.node, epoch: vol.epoch + 1 };
  const st = await peerStatus(store, name, { ...peer, node: intent.to }, opts);
  if (ownsAt(st, vol, intent.epoch)) {
    await finish(store, name, intent, opts);
    return 'finished';
  }
  await store.setRecord(name, { role: 'owner', handoff: null });
  return 'cancelled';
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

  async push(
    name: string,
    to: PeerTarget,
    self = this.self,
    onProgress?: ProgressSink,
  ): Promise<TransferFigures> {
    return transferFigures(
      await pushVolume(this.store, name, to, {
        transport: this.transport,
        self,
        ...(onProgress ? { onProgress } : {}),
      }),
    );
  }

  async handoff(
    name: string,
    to: PeerTarget,
    self = this.self,
    onProgress?: ProgressSink,
  ): Promise<TransferFigures> {
    return transferFigures(
      await handoffVolume(this.store, name, to, {
        transport: this.transport,
        self,
        ...(onProgress ? { onProgress } : {}),
      }),
    );
  }

  async cancelHandoff(name: string, to: PeerTarget, self = this.self): Promise<TransferFigures> {
    return {
      outcome: await cancelHandoff(this.store, name, to, { transport: this.transport, self }),
    };
  }
}
