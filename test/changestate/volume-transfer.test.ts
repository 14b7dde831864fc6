import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import type { PeerTarget } from '../../src/changestate/adapters.js';
import { formatPeerRequest, runPeerCommand, type PeerRequest } from '../../src/changestate/peer.js';
import {
  chooseBase,
  handoffVolume,
  pushVolume,
  ZfsVolumeTransfer,
  type PeerTransport,
} from '../../src/changestate/volume-transfer.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';

/** Serves requests in-process with runPeerCommand against the peer's fake store. */
class InProcessTransport implements PeerTransport {
  readonly requests: string[] = [];
  failOn?: string;
  constructor(readonly stores: Record<string, FakeVolumeStore>) {}
  async request(peer: PeerTarget, request: PeerRequest, input?: Readable): Promise<string> {
    const line = formatPeerRequest(request);
    this.requests.push(`${peer.node}: ${line}`);
    if (this.failOn && line.startsWith(this.failOn)) {
      input?.resume();
      throw new Error(`injected failure on ${line}`);
    }
    const store = this.stores[peer.node];
    if (!store) throw new Error(`no such peer ${peer.node}`);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    await runPeerCommand(line, store, input ?? Readable.from([]), out);
    return Buffer.concat(chunks).toString('utf8');
  }
}

const N2: PeerTarget = { node: 'n2', address: '198.51.100.3', port: 22 };
const N1: PeerTarget = { node: 'n1', address: '198.51.100.2', port: 22 };

describe('volume transfer', function () {
  let n1: FakeVolumeStore;
  let n2: FakeVolumeStore;
  let t: InProcessTransport;
  beforeEach(async function () {
    n1 = new FakeVolumeStore('n1');
    n2 = new FakeVolumeStore('n2');
    t = new InProcessTransport({ n1, n2 });
    await n1.create('web');
    n1.write('web', 'one');
  });

  it('chooses the newest common snapshot as the base', function () {
    expect(chooseBase(['a', 'b', 'c'], ['b', 'a'])).to.equal('b');
    expect(chooseBase(['a'], [])).to.equal(undefined);
    expect(chooseBase([], ['a'])).to.equal(undefined);
  });

  it('pushes full, then incremental, pruning old snapshots on both sides', async function () {
    const r1 = await pushVolume(n1, 'web', N2, { transport: t });
    expect(r1.incremental).to.equal(false);
    expect(r1.bytes).to.be.greaterThan(0);
    expect(n2.read('web')).to.equal('one');
    expect((await n2.get('web'))?.owned).to.equal(false);
    expect((await n1.get('web'))?.owned).to.equal(true);

    n1.write('web', 'two');
    const r2 = await pushVolume(n1, 'web', N2, { transport: t });
    expect(r2).to.include({ incremental: true, base: r1.snapshot });
    expect(n2.read('web')).to.equal('two');
    expect((await n1.get('web'))?.snapshots).to.deep.equal([r2.snapshot]);
    expect((await n2.get('web'))?.snapshots).to.deep.equal([r2.snapshot]);
    expect(t.requests).to.deep.equal([
      'n2: snapshots web',
      'n2: recv web',
      'n2: snapshots web',
      `n2: recv web ${r1.snapshot}`,
    ]);
  });

  it('keeps retained snapshots locally', async function () {
    const r1 = await pushVolume(n1, 'web', N2, { transport: t });
    const r2 = await pushVolume(n1, 'web', N2, { transport: t, retain: [r1.snapshot] });
    expect((await n1.get('web'))?.snapshots).to.deep.equal([r1.snapshot, r2.snapshot]);
  });

  it('refuses to push from a read-only copy', async function () {
    await pushVolume(n1, 'web', N2, { transport: t });
    let err: unknown;
    try {
      await pushVolume(n2, 'web', N1, { transport: t });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/read-only copy/);
  });

  it('hands off: read-only here first, final incremental push, then the receiver owns it', async function () {
    await pushVolume(n1, 'web', N2, { transport: t });
    n1.write('web', 'final');
    n1.calls.length = 0;
    n2.calls.length = 0;
    const r = await handoffVolume(n1, 'web', N2, { transport: t });
    expect(r).to.include({ incremental: true, alreadyHandedOff: false });
    expect(n1.calls[0]).to.equal('setOwned web false');
    expect(n2.calls[n2.calls.length - 1]).to.equal('setOwned web true');
    expect((await n1.get('web'))?.owned).to.equal(false);
    expect((await n2.get('web'))?.owned).to.equal(true);
    expect(n2.read('web')).to.equal('final');

    // push back incrementally
    n2.write('web', 'back');
    const back = await pushVolume(n2, 'web', N1, { transport: t });
    expect(back.incremental).to.equal(true);
    expect(n1.read('web')).to.equal('back');

    // a repeated handoff from the old owner sees it done
    const again = await handoffVolume(n1, 'web', N2, { transport: t });
    expect(again.alreadyHandedOff).to.equal(true);
  });

  it('keeps ownership here when the final push fails', async function () {
    await pushVolume(n1, 'web', N2, { transport: t });
    t.failOn = 'recv';
    let err: unknown;
    try {
      await handoffVolume(n1, 'web', N2, { transport: t });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/injected failure/);
    expect((await n1.get('web'))?.owned).to.equal(true);
    expect((await n2.get('web'))?.owned).to.equal(false);
  });

  it('is the VolumeTransfer adapter, returning figures', async function () {
    const vt = new ZfsVolumeTransfer(n1, { transport: t });
    const f = await vt.push('web', N2);
    expect(f).to.include({ incremental: false });
    expect(f['bytes']).to.be.a('number');
    const h = await vt.handoff('web', N2);
    expect(h).to.include({ incremental: true, handed_off: true });
  });
});
