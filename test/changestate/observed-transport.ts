// A PeerTransport wrapper for the volume-transfer contract: records each request with the
// SENDER's ownership of the volume at the moment the request is made (so the contract sees
// whether the sender was read-only before the final push reached the receiver), and can fail
// one kind of request instead of making it (a connection lost on the way).
import type { Readable } from 'node:stream';
import type { PeerTarget } from '../../src/changestate/adapters.js';
import { formatPeerRequest, type PeerRequest } from '../../src/changestate/peer.js';
import type { PeerTransport, RequestOptions } from '../../src/changestate/peer-transport.js';
import { NodeCommandError } from '../../src/errors.js';
import type { VolumeStore } from '../../src/zfs/volume-store.js';

export interface SeenRequest {
  readonly request: string;
  /** the sender's `owned` when the request was made (undefined: no such volume there) */
  readonly senderOwned: boolean | undefined;
}

export class ObservedTransport implements PeerTransport {
  readonly seen: SeenRequest[] = [];
  /** the stream passes through this process (a held stream: the recorded check takes a moment) */
  readonly direct = false;
  constructor(
    private readonly inner: PeerTransport,
    private readonly sender: VolumeStore,
    private readonly failOn?: PeerRequest['kind'],
    /** make this kind of request, then fail as if the reply was lost (a cut or crash after it) */
    private readonly failAfter?: PeerRequest['kind'],
  ) {}

  async request(
    peer: PeerTarget,
    request: PeerRequest,
    input?: Readable,
    opts?: RequestOptions,
  ): Promise<string> {
    const senderOwned = (await this.sender.get(request.name))?.owned;
    // on a real node that check is I/O: let the stream's producer run meanwhile, with a fake too
    await new Promise((resolve) => setImmediate(resolve));
    const line = formatPeerRequest(request);
    this.seen.push({ request: line, senderOwned });
    if (request.kind === this.failOn) {
      input?.resume();
      throw new NodeCommandError(peer.node, [line], 255, 'injected: connection lost', 'ssh to peer failed');
    }
    const reply = await this.inner.request(peer, request, input, opts);
    if (request.kind === this.failAfter)
      throw new NodeCommandError(
        peer.node,
        [line],
        255,
        'injected: connection lost after the request',
        'ssh to peer failed',
      );
    return reply;
  }
}
