import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import { parsePeerRequest, PeerRequestRefused, runPeerCommand } from '../../src/changestate/peer.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';

async function serve(
  cmd: string | undefined,
  store: FakeVolumeStore,
  input: Readable = Readable.from([]),
): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (b: Buffer) => chunks.push(b));
  await runPeerCommand(cmd, store, input, out);
  return Buffer.concat(chunks).toString('utf8');
}

describe('peer endpoint', function () {
  it('parses exactly the known requests', function () {
    expect(parsePeerRequest('snapshots web')).to.deep.equal({ kind: 'snapshots', name: 'web' });
    expect(parsePeerRequest('status web')).to.deep.equal({ kind: 'status', name: 'web' });
    expect(parsePeerRequest('own web')).to.deep.equal({ kind: 'own', name: 'web' });
    expect(parsePeerRequest('recv web')).to.deep.equal({ kind: 'recv', name: 'web' });
    expect(parsePeerRequest('recv web flocker-20261122T105324007Z-3')).to.deep.equal({
      kind: 'recv',
      name: 'web',
      from: 'flocker-20261122T105324007Z-3',
    });
  });

  it('refuses everything else', function () {
    for (const bad of [
      undefined,
      '',
      'sh',
      'ls /',
      'snapshots',
      'snapshots ../etc',
      'snapshots a/b',
      'snapshots web extra',
      'own web; reboot',
      'recv web @x',
      'recv web manual',
      'recv web flocker-20261122T105324007Z-3 more',
      'snapshots  web',
      ' snapshots web',
      'snapshots web\n',
      'snapshots $(id)',
      'zfs destroy -r flocker',
      'x'.repeat(300),
    ]) {
      expect(() => parsePeerRequest(bad), String(bad)).to.throw(PeerRequestRefused);
    }
  });

  it('serves snapshots, status, recv and own against a store', async function () {
    const sender = new FakeVolumeStore('n1');
    const receiver = new FakeVolumeStore('n2');
    expect(JSON.parse(await serve('snapshots web', receiver))).to.deep.equal([]);
    await sender.create('web');
    sender.write('web', 'one');
    const s1 = await sender.snapshot('web');
    await serve('recv web', receiver, sender.send('web', s1).stream);
    expect(JSON.parse(await serve('snapshots web', receiver))).to.deep.equal([s1]);
    sender.write('web', 'two');
    const s2 = await sender.snapshot('web');
    const stream = sender.send('web', s2, s1).stream;
    let streamBytes = 0;
    stream.on('data', (b: Buffer) => (streamBytes += b.length));
    const reply = JSON.parse(await serve(`recv web ${s1}`, receiver, stream)) as { bytes: number };
    expect(reply).to.deep.equal({ received: s2, bytes: streamBytes }); // it counts what it got
    expect(streamBytes).to.be.greaterThan(0);
    // the receiver keeps only what it just received
    expect(JSON.parse(await serve('status web', receiver))).to.deep.equal({
      exists: true,
      owned: false,
      snapshots: [s2],
    });
    expect(receiver.read('web')).to.equal('two');
    await serve('own web', receiver);
    expect((await receiver.get('web'))?.owned).to.equal(true);
    // now it owns it: receiving into it is refused
    let err: unknown;
    try {
      await serve('recv web', receiver, sender.send('web', s2).stream);
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/owns it/);
  });
});
