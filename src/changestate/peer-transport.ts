// How the sending node reaches a peer's restricted endpoint (`flocker-changestate peer`):
// `ssh ... root@peer <request>` with the flocker push key, the verified known_hosts and strict
// host key checking. InProcessPeerTransport (in-process-transport.ts) is its fake; both are
// checked by test/changestate/volume-transfer.contract.ts.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { NodeCommandError } from '../errors.js';
import { readBytes } from '../exec/proc-io.js';
import { localSpawner, type Spawner } from '../exec/spawn.js';
import type { PeerTarget } from './adapters.js';
import { formatPeerRequest, type PeerRequest } from './peer.js';
import {
  peerKnownHostsPath,
  peerMasterArgv,
  peerMasterCheckArgv,
  peerSshArgv,
  type TrustOptions,
} from './trust.js';

/** What a caller may ask of one request. */
export interface RequestOptions {
  /**
   * `input` will be measured: called once the stream is under way with a function telling the
   * bytes taken from it so far, when this transport can tell (a direct stream bypasses the
   * caller, who cannot count it)
   */
  readonly onStream?: (taken: () => number | undefined) => void;
}

/** How requests reach a peer's endpoint: ssh in production, in-process in unit tests. */
export interface PeerTransport {
  /** run one request; `input` is streamed to its stdin; resolves with its stdout */
  request(peer: PeerTarget, request: PeerRequest, input?: Readable, opts?: RequestOptions): Promise<string>;
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
      const run = (argv: readonly string[]): Promise<number | null> =>
        new Promise((resolve) => {
          // stdio ignored: a backgrounded master must not hold our pipes open
          const p = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
          p.on('error', () => resolve(null));
          p.on('exit', (code) => resolve(code));
        });
      // an earlier phase's master may still serve the peer (ControlPersist): a second `ssh -M`
      // could not bind the socket and would linger as a connection nobody uses
      m = run(peerMasterCheckArgv(peer, trust)).then(async (alive) => {
        if (alive !== 0) await run(peerMasterArgv(peer, trust));
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

  async request(
    peer: PeerTarget,
    request: PeerRequest,
    input?: Readable,
    opts: RequestOptions = {},
  ): Promise<string> {
    const trust = this.trust();
    const passFd = input instanceof Socket && this.direct;
    // a measured direct stream gets its own connection: then this ssh process reads the whole
    // stream itself (through a shared master, the master would, mixed with other sessions)
    const measured = passFd && opts.onStream !== undefined;
    if (this.opts.shareConnection !== false && !this.opts.spawner && !measured)
      await this.master(peer, trust);
    const argv = peerSshArgv(peer, formatPeerRequest(request), trust, !measured);
    const p = (this.opts.spawner ?? localSpawner)(argv, passFd ? { stdinFrom: input } : {});
    if (measured) opts.onStream?.(() => readBytes(p.pid));
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
    // ssh gone before the stream ended (the peer refused): drain the rest, so the producer
    // finishes and its own exit status is known
    if (input && !passFd) {
      input.unpipe(p.stdin);
      input.resume();
    }
    if (x.code !== 0) {
      const what = x.code === 255 ? 'ssh to peer failed' : 'peer request failed';
      throw new NodeCommandError(peer.node, argv, x.code, x.stderr, what);
    }
    return Buffer.concat(out).toString('utf8');
  }
}
