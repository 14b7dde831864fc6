import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import type { PeerTarget } from '../../src/changestate/adapters.js';
import { InProcessPeerTransport } from '../../src/changestate/in-process-transport.js';
import type { PeerTransport } from '../../src/changestate/peer-transport.js';
import {
  cancelHandoff,
  chooseBase,
  handoffVolume,
  PeerVolumeTransfer,
  pushVolume,
} from '../../src/changestate/volume-transfer.js';
import { FlockerError } from '../../src/errors.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';
import { rejects } from '../helpers/rejects.js';
import { ObservedTransport } from './observed-transport.js';
import { volumeTransferContract, type Side, type TransferOutcome } from './volume-transfer.contract.js';

const N1: PeerTarget = { node: 'n1', address: '198.51.100.2', port: 22 };
const N2: PeerTarget = { node: 'n2', address: '198.51.100.3', port: 22 };

/** Two fake nodes whose transports serve each other in-process. */
function twoNodes(): { stores: Record<Side, FakeVolumeStore>; transport: InProcessPeerTransport } {
  const stores = { a: new FakeVolumeStore('n1'), b: new FakeVolumeStore('n2') };
  const transport = new InProcessPeerTransport((peer) => {
    if (peer.address === N1.address && peer.port === 22) return stores.a;
    if (peer.address === N2.address && peer.port === 22) return stores.b;
    throw new Error(`ssh: connect to host ${peer.address} port ${peer.port}: No route to host`);
  });
  return { stores, transport };
}

volumeTransferContract('FakeVolumeStore + InProcessPeerTransport', async () => {
  const { stores, transport } = twoNodes();
  return {
    volume: 'web',
    stores,
    write: async (side, name, text) => stores[side].write(name, text),
    read: async (side, name) => stores[side].read(name),
    run: async (from, op, name, opts = {}): Promise<TransferOutcome> => {
      const store = stores[from];
      const t = new ObservedTransport(transport, store, opts.failOn, opts.failAfter);
      const push = {
        transport: t,
        self: store.host,
        ...(opts.retain ? { retain: opts.retain } : {}),
      };
      const to = from === 'a' ? N2 : N1;
      try {
        const result =
          op === 'push'
            ? await pushVolume(store, name, to, push)
            : op === 'cancel'
              ? {
                  snapshot: '',
                  incremental: false,
                  seconds: 0,
                  outcome: await cancelHandoff(store, name, to, push),
                }
              : await handoffVolume(store, name, to, push);
        return { result, seen: t.seen };
      } catch (e) {
        const err = e as Error;
        return {
          error: { ...(e instanceof FlockerError ? { code: e.code } : {}), message: err.message },
          seen: t.seen,
        };
      }
    },
    cleanup: async () => undefined,
  };
});

describe('volume transfer', function () {
  it('chooses the newest common snapshot as the base', function () {
    expect(chooseBase(['a', 'b', 'c'], ['b', 'a'])).to.equal('b');
    expect(chooseBase(['a'], [])).to.equal(undefined);
    expect(chooseBase([], ['a'])).to.equal(undefined);
  });

  it('PeerVolumeTransfer is the VolumeTransfer adapter: push and handoff, returning figures', async function () {
    const { stores, transport } = twoNodes();
    await stores.a.create('web');
    stores.a.write('web', 'one');
    const vt = new PeerVolumeTransfer(stores.a, transport, 'n1');
    const f = await vt.push('web', N2);
    expect(Object.keys(f).sort()).to.deep.equal(['bytes', 'incremental', 'seconds', 'snapshot']);
    expect(f).to.include({ incremental: false });
    const h = await vt.handoff('web', N2);
    expect(h).to.include({ incremental: true, snapshot: (await stores.b.get('web'))?.snapshots[0] });
    expect((await stores.b.get('web'))?.owned).to.equal(true);
    expect(transport.requests.map((r) => r.split(' ').slice(0, 3).join(' '))).to.deep.equal([
      'n2: snapshots web',
      'n2: recv web',
      'n2: status web',
      'n2: snapshots web',
      'n2: recv web',
      'n2: own web',
    ]);
    const err = await rejects(vt.push('web', N2), 'E_NOT_OWNER');
    expect(err).to.include({ code: 'E_NOT_OWNER' });
    expect(err.message).to.equal('n1: cannot push volume web: this node holds only a read-only copy');
  });

  it('reports progress while a stream runs (counted here, or read from a direct producer) and at its end', async function () {
    const { stores, transport } = twoNodes();
    await stores.a.create('web');
    stores.a.write('web', 'x'.repeat(10_000));
    // a stream that runs until two progress samples were taken while it ran (not a fixed time:
    // on a loaded machine the progress timer may fire late)
    let samples: { bytes: number; total?: number; ms: number }[] = [];
    const send = stores.a.send.bind(stores.a);
    stores.a.send = (...args: Parameters<FakeVolumeStore['send']>) => {
      const sent = send(...args);
      const slow = new PassThrough();
      sent.stream.once('data', (b: Buffer) => {
        slow.write(b.subarray(0, 10));
        const tick = setInterval(() => {
          if (samples.length < 2) return;
          clearInterval(tick);
          slow.end(b.subarray(10));
        }, 20);
      });
      return { ...sent, stream: slow };
    };
    for (const d of [false, true]) {
      samples = [];
      // a direct transport that can tell what it took from the stream (ssh's own reads)
      const t = d
        ? {
            direct: true,
            request: (...a: Parameters<PeerTransport['request']>) => {
              a[3]?.onStream?.(() => 4242);
              return transport.request(a[0], a[1], a[2]);
            },
          }
        : transport;
      const r = await pushVolume(stores.a, 'web', N2, {
        transport: t,
        onProgress: (p) => samples.push(p),
        progressMs: 100,
      });
      const last = samples.at(-1)!;
      expect(samples.length, `direct ${d}`).to.be.greaterThan(2);
      // while it ran: what passed here so far, or what the transport said it took
      expect(samples[1]!.bytes).to.equal(d ? 4242 : 10);
      // the end: the exact count (the receiver's, here)
      expect(last.bytes).to.equal(r.bytes);
      if (!d)
        expect(last.total).to.equal((await stores.a.sizes()).web); // a full stream
      else expect(last).to.not.have.property('total'); // an incremental: unknown on zfs-fuse
      expect(samples.map((x) => x.ms)).to.deep.equal([...samples.map((x) => x.ms)].sort((a, b) => a - b));
    }
  });

  it('InProcessPeerTransport fails like ssh: an unreachable peer (exit 255), a refused request (exit 2)', async function () {
    const { stores, transport } = twoNodes();
    await stores.a.create('web');
    const far = { node: 'n9', address: '198.51.100.9', port: 22 };
    const unreachable = await rejects(pushVolume(stores.a, 'web', far, { transport }), 'E_NODE_COMMAND');
    expect(unreachable).to.include({ code: 'E_NODE_COMMAND', exitCode: 255 });
    expect(unreachable.message).to.match(/^n9: ssh to peer failed: .*\nssh: connect to host 198\.51\.100\.9/);
    const refused = await rejects(transport.request(N2, { kind: 'status', name: '../x' }), 'E_NODE_COMMAND');
    expect(refused).to.include({ code: 'E_NODE_COMMAND', exitCode: 2 });
    expect(refused.message).to.match(/peer request failed: .*\nflocker-changestate: peer request refused/);
  });
});
