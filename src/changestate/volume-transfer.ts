// Node-to-node volume transfer, run ON the sending node inside flocker-changestate:
// snapshot + zfs send (incremental from the newest snapshot the receiver also holds, else full)
// piped into `ssh ... root@peer <request>` served by the receiver's restricted peer endpoint.
import { Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { NodeCommandError, NodeError } from '../errors.js';
import { localSpawner, type Spawner } from '../exec/spawn.js';
import type { VolumeStore } from '../zfs/volume-store.js';
import type { PeerTarget, TransferFigures, VolumeTransfer } from './adapters.js';
import { formatPeerRequest, type PeerRequest } from './peer.js';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { peerKnownHostsPath, peerMasterArgv, peerSshArgv, type TrustOptions } from './trust.js';
import { sendArgv } from '../zfs/argv.js';

/** How requests reach a peer's endpoint: ssh in production, in-process in unit tests. */
export interface PeerTransport {
  /** run one request; `input` is streamed to its stdin; resolves with its stdout */
  request(peer: PeerTarget, request: PeerRequest, input?: Readable): Promise<string>;
  /**
   * true when `input` may be a producer's raw stdout (VolumeStore.send with direct): the stream
   * then goes zfs send -> ssh through the kernel, without passing through this process
   */
  readonly direct?: boolean;
}

/** ssh with the flocker push key, the verified known_hosts and strict checking; no shell here. */
export class SshPeerTransport implements PeerTransport {
  private readonly masters = new Map<string, Promise<void>>();
  /** real ssh processes can take the producer's stdout as their stdin (test spawners cannot) */
  readonly direct: boolean;
  constructor(
    private readonly opts: TrustOptions & {
      readonly spawner?: Spawner;
      readonly shareConnection?: boolean;
    } = {},
  ) {
    this.direct = opts.spawner === undefined;
  }

  /** Open (once per peer) the shared master connection; a failure only means no sharing. */
  private master(peer: PeerTarget, trust: TrustOptions): Promise<void> {
    const key = `${peer.address}:${peer.port}:${trust.trustDigest ?? ''}`;
    let m = this.masters.get(key);
    if (!m) {
      const [cmd, ...args] = peerMasterArgv(peer, trust);
      m = new Promise<void>((resolve) => {
        // stdio ignored: the backgrounded master must not hold our pipes open
        const p = spawn(cmd!, args, { stdio: 'ignore' });
        p.on('error', () => resolve());
        p.on('exit', () => resolve());
      });
      this.masters.set(key, m);
    }
    return m;
  }

  /** the trust in force now: the verified known_hosts this node was given */
  private trust(): TrustOptions {
    let digest = 'none';
    try {
      digest = createHash('sha256')
        .update(readFileSync(peerKnownHostsPath(this.opts)))
        .digest('hex')
        .slice(0, 12);
    } catch {
      // no known_hosts yet: ssh will refuse the peer anyway
    }
    return { ...this.opts, trustDigest: digest };
  }

  async request(peer: PeerTarget, request: PeerRequest, input?: Readable): Promise<string> {
    const trust = this.trust();
    if (this.opts.shareConnection !== false && !this.opts.spawner) await this.master(peer, trust);
    const argv = peerSshArgv(peer, formatPeerRequest(request), trust);
    const passFd = input instanceof Socket && this.direct;
    const p = (this.opts.spawner ?? localSpawner)(argv, passFd ? { stdinFrom: input } : {});
    const out: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    if (passFd) {
      // ssh now holds the pipe; our copy must go, or Node would drain the producer's last
      // bytes itself when the producer exits (and take them from ssh)
      input.destroy();
    } else if (input) {
      input.on('error', () => p.kill());
      input.pipe(p.stdin);
    } else p.stdin.end();
    const x = await p.exited;
    if (x.code !== 0) {
      const what = x.code === 255 ? 'ssh to peer failed' : 'peer request failed';
      throw new NodeCommandError(peer.node, argv, x.code, x.stderr, what);
    }
    return Buffer.concat(out).toString('utf8');
  }
}

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
    const counter = new PassThrough();
    counter.on('data', (b: Buffer) => {
      bytes = (bytes ?? 0) + b.length;
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

/** The VolumeTransfer adapter of flocker-changestate. */
export class ZfsVolumeTransfer implements VolumeTransfer {
  constructor(
    private readonly store: VolumeStore,
    private readonly opts: PushOptions,
  ) {}

  async push(name: string, to: PeerTarget): Promise<TransferFigures> {
    return transferFigures(await pushVolume(this.store, name, to, this.opts));
  }

  async handoff(name: string, to: PeerTarget): Promise<TransferFigures> {
    const r = await handoffVolume(this.store, name, to, this.opts);
    return { ...transferFigures(r), handed_off: true };
  }
}

/**
 * Raw pipeline for benchmarks: `left | right`, both argv (no shell), stdout of left into stdin of
 * right. Resolves with bytes and seconds; rejects with the failing side's NodeCommandError.
 */
export async function pipeCommands(
  left: readonly string[],
  right: readonly string[],
  opts: { readonly spawner?: Spawner; readonly host?: string } = {},
): Promise<{ bytes: number; seconds: number }> {
  const spawner = opts.spawner ?? localSpawner;
  const started = performance.now();
  const a = spawner(left);
  const b = spawner(right);
  a.stdin.end();
  let bytes = 0;
  a.stdout.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  a.stdout.pipe(b.stdin);
  b.stdout.resume();
  const [xa, xb] = await Promise.all([a.exited, b.exited]);
  const host = opts.host ?? 'localhost';
  if (xa.code !== 0) throw new NodeCommandError(host, left, xa.code, xa.stderr);
  if (xb.code !== 0) throw new NodeCommandError(host, right, xb.code, xb.stderr);
  return { bytes, seconds: (performance.now() - started) / 1000 };
}

/**
 * Benchmark baseline: the plain `zfs send [-i @from] ds@snap | ssh ... zfs recv -F <dataset>` of
 * the same data between the same nodes, with the same ssh options as pushes. The receiver must
 * accept this key WITHOUT the forced command (a temporary untagged authorized_keys line).
 * Run with pipeCommands(r.send, r.ssh) on the sending node.
 */
export function rawPushArgv(
  peer: { readonly address: string; readonly port: number },
  source: { readonly parent: string; readonly name: string; readonly snap: string; readonly from?: string },
  targetDataset: string,
  opts: TrustOptions = {},
): { send: string[]; ssh: string[] } {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/.test(targetDataset))
    throw new Error(`invalid dataset ${targetDataset}`);
  return {
    send: sendArgv(source.parent, source.name, source.snap, source.from),
    ssh: peerSshArgv(peer, `zfs recv -F ${targetDataset}`, opts),
  };
}
