import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import { parsePeerRequest, PeerRequestRefused, runPeerCommand } from '../../src/changestate/peer.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';
import { rejects } from '../helpers/rejects.js';

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
    expect(parsePeerRequest('own web flocker-20261122T105324007Z-3 123 2 n1 n2')).to.deep.equal({
      kind: 'own',
      name: 'web',
      snapshot: 'flocker-20261122T105324007Z-3',
      guid: '123',
      epoch: 2,
      from: 'n1',
      to: 'n2',
    });
    expect(parsePeerRequest('recv web 0123456789abcdef 1 n1')).to.deep.equal({
      kind: 'recv',
      name: 'web',
      lineage: '0123456789abcdef',
      epoch: 1,
      owner: 'n1',
    });
    expect(parsePeerRequest('recv web 0123456789abcdef 3 n1 flocker-20261122T105324007Z-3')).to.deep.equal({
      kind: 'recv',
      name: 'web',
      lineage: '0123456789abcdef',
      epoch: 3,
      owner: 'n1',
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
      'own web',
      'own web flocker-20261122T105324007Z-3 12x 2 n1 n2',
      'own web flocker-20261122T105324007Z-3 12 0 n1 n2',
      'own web flocker-20261122T105324007Z-3 12 2 -n1 n2',
      'recv web',
      'recv web 0123456789abcdef 1 n1 @x',
      'recv web 0123456789abcdef 1 n1 manual',
      'recv web NOTHEX 1 n1',
      'recv web 0123456789abcdef x n1',
      'recv web 0123456789abcdef 1 n1 flocker-20261122T105324007Z-3 more',
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
    const { lineage } = await sender.create('web', 'n1');
    sender.write('web', 'one');
    const s1 = await sender.snapshot('web');
    await serve(`recv web ${lineage!} 1 n1`, receiver, sender.send('web', s1).stream);
    expect(JSON.parse(await serve('snapshots web', receiver))).to.deep.equal([s1]);
    sender.write('web', 'two');
    const s2 = await sender.snapshot('web');
    const stream = sender.send('web', s2, s1).stream;
    let streamBytes = 0;
    stream.on('data', (b: Buffer) => (streamBytes += b.length));
    const reply = JSON.parse(await serve(`recv web ${lineage!} 1 n1 ${s1}`, receiver, stream)) as {
      bytes: number;
    };
    expect(reply).to.deep.equal({ received: s2, bytes: streamBytes }); // it counts what it got
    expect(streamBytes).to.be.greaterThan(0);
    // the receiver keeps only what it just received
    const guid = (await sender.get('web'))!.guids[s2]!;
    expect(JSON.parse(await serve('status web', receiver))).to.deep.equal({
      exists: true,
      owned: false,
      role: 'copy',
      epoch: 1,
      owner: 'n1',
      lineage,
      snapshots: [s2],
      newest: s2,
      newest_guid: guid,
    });
    expect(receiver.read('web')).to.equal('two');
    // ownership only for exactly the final snapshot (name and GUID)
    await rejects(serve(`own web ${s1} ${guid} 2 n1 n2`, receiver), 'E_HANDOFF_MISMATCH');
    await rejects(serve(`own web ${s2} 999 2 n1 n2`, receiver), 'E_HANDOFF_MISMATCH');
    await rejects(serve(`own web ${s2} ${guid} 1 n1 n2`, receiver), 'E_HANDOFF_MISMATCH');
    expect((await receiver.get('web'))?.owned).to.equal(false);
    await serve(`own web ${s2} ${guid} 2 n1 n2`, receiver);
    expect(await receiver.get('web')).to.deep.include({ owned: true, role: 'owner', epoch: 2, owner: 'n2' });
    await serve(`own web ${s2} ${guid} 2 n1 n2`, receiver); // idempotent
    await rejects(serve(`own web ${s2} ${guid} 3 n1 n2`, receiver), 'E_VOLUME_OWNED');
    // now it owns it: receiving into it is refused
    const err = await rejects(
      serve(`recv web ${lineage!} 1 n1`, receiver, sender.send('web', s2).stream),
      'E_VOLUME_OWNED',
    );
    expect(String(err)).to.match(/owns it/);
  });
});
