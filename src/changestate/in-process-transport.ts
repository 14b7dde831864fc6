// The fake PeerTransport: no ssh, each request is served in this process by the real peer
// endpoint (runPeerCommand) against the peer node's VolumeStore. Failures look as they do
// through SshPeerTransport (a NodeCommandError carrying the endpoint's stderr), so the same
// contract (test/changestate/volume-transfer.contract.ts) holds for both.
import { PassThrough, Readable } from 'node:stream';
import { exitCodeFor, NodeCommandError } from '../errors.js';
import type { VolumeStore } from '../zfs/volume-store.js';
import type { PeerTarget } from './adapters.js';
import type { PeerTransport } from './peer-transport.js';
import { formatPeerRequest, runPeerCommand, type PeerRequest } from './peer.js';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class InProcessPeerTransport implements PeerTransport {
  /** every request made, in order ("n2: recv web"), for assertions */
  readonly requests: string[] = [];

  /** `peerStore` finds the peer's store; throwing stands for ssh failing to reach or log in */
  constructor(private readonly peerStore: (peer: PeerTarget) => VolumeStore) {}

  async request(peer: PeerTarget, request: PeerRequest, input?: Readable): Promise<string> {
    const line = formatPeerRequest(request);
    this.requests.push(`${peer.node}: ${line}`);
    let store: VolumeStore;
    try {
      store = this.peerStore(peer);
    } catch (e) {
      input?.resume(); // let the producer finish, as when ssh exits early
      throw new NodeCommandError(
        peer.node,
        ['ssh', peer.address, line],
        255,
        message(e),
        'ssh to peer failed',
      );
    }
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    try {
      await runPeerCommand(line, store, input ?? Readable.from([]), out);
    } catch (e) {
      input?.resume();
      // what bin/flocker-changestate prints and exits with, seen through ssh
      throw new NodeCommandError(
        peer.node,
        ['ssh', peer.address, line],
        exitCodeFor(e),
        `flocker-changestate: ${message(e)}`,
        'peer request failed',
      );
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}
