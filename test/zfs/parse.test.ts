import { expect } from 'chai';
import {
  isBusyError,
  isMissingDatasetError,
  isMissingPoolError,
  parseFilesystems,
  parseGuids,
  parseReferenced,
  parseSnapshots,
} from '../../src/zfs/parse.js';
import {
  compareSnapshots,
  datasetName,
  flockerSnapshotName,
  isFlockerSnapshot,
  isValidVolumeName,
  volumeOfDataset,
} from '../../src/zfs/names.js';

describe('zfs names', function () {
  it('accepts plain volume names and refuses anything that could escape the parent', function () {
    for (const ok of ['web', 'db-1', 'a_b', 'X9', 'site-clusterhq.com'])
      expect(isValidVolumeName(ok), ok).to.equal(true);
    for (const bad of [
      '',
      '.',
      '..',
      'a/b',
      '../x',
      'a b',
      '-x',
      'a@b',
      'a;b',
      'a\nb',
      'x'.repeat(65),
      'a..b',
      '.x',
      'a.',
    ])
      expect(isValidVolumeName(bad), bad).to.equal(false);
    expect(() => datasetName('flocker/volumes', 'a/b')).to.throw(/invalid volume name/);
    expect(datasetName('flocker/volumes', 'web')).to.equal('flocker/volumes/web');
  });

  it('maps only direct children of the parent to volume names', function () {
    expect(volumeOfDataset('flocker/volumes', 'flocker/volumes/web')).to.equal('web');
    expect(volumeOfDataset('flocker/volumes', 'flocker/volumes/web/sub')).to.equal(undefined);
    expect(volumeOfDataset('flocker/volumes', 'flocker/volumesx')).to.equal(undefined);
    expect(volumeOfDataset('flocker/volumes', 'flocker/other')).to.equal(undefined);
  });

  it('names snapshots by UTC time to the ms plus a counter, ordered by both', function () {
    const n = flockerSnapshotName(new Date(Date.UTC(2026, 10, 22, 10, 53, 24, 7)), 3);
    expect(n).to.equal('flocker-20261122T105324007Z-3');
    expect(isFlockerSnapshot(n)).to.equal(true);
    expect(isFlockerSnapshot('manual')).to.equal(false);
    expect(isFlockerSnapshot('flocker-2026-3')).to.equal(false);
    const a = 'flocker-20261122T105324007Z-9';
    const b = 'flocker-20261122T105324007Z-10';
    const c = 'flocker-20261122T105324008Z-0';
    expect([c, b, a].sort(compareSnapshots)).to.deep.equal([a, b, c]);
  });
});

describe('zfs list parsers', function () {
  const P = 'flocker/volumes';
  it('parses filesystems: parent presence, direct valid children only, sorted', function () {
    const out = [
      'flocker/volumes\toff\t/flocker/volumes\tcopy',
      'flocker/volumes/web\toff\t/flocker/volumes/web\towner',
      'flocker/volumes/db\ton\t/flocker/volumes/db\t-',
      'flocker/volumes/new\toff\t/flocker/volumes/new\tcopy',
      'flocker/volumes/ro\toff\t/flocker/volumes/ro\tcopy',
      'flocker/volumes/old\toff\t/flocker/volumes/old',
      'flocker/volumes/db/nested\toff\t/flocker/volumes/db/nested\towner',
      'flocker/volumes/bad name\toff\t-\towner',
      '',
    ].join('\n');
    expect(parseFilesystems(P, out)).to.deep.equal({
      parentExists: true,
      volumes: [
        { name: 'db', owned: false, role: 'copy', epoch: 0, mountpoint: '/flocker/volumes/db' },
        { name: 'new', owned: false, role: 'copy', epoch: 0, mountpoint: '/flocker/volumes/new' },
        { name: 'old', owned: true, role: 'owner', epoch: 0, mountpoint: '/flocker/volumes/old' },
        { name: 'ro', owned: false, role: 'copy', epoch: 0, mountpoint: '/flocker/volumes/ro' },
        { name: 'web', owned: true, role: 'owner', epoch: 0, mountpoint: '/flocker/volumes/web' },
      ],
    });
    expect(parseFilesystems(P, '')).to.deep.equal({ parentExists: false, volumes: [] });
    expect(() => parseFilesystems(P, 'garbage')).to.throw(/unexpected zfs list line/);
    expect(() => parseFilesystems(P, 'flocker/volumes/x\tmaybe\t/x')).to.throw(/readonly/);
  });

  it('parses the ownership record; a damaged value is no value', function () {
    const intent = '{"to":"n2","epoch":4,"snapshot":"flocker-20261122T105324007Z-9","guid":"123"}';
    const out = [
      `flocker/volumes/web\ton\t/flocker/volumes/web\thanding-off\t3\tn1\t0123456789abcdef\t${intent}`,
      'flocker/volumes/db\ton\t/flocker/volumes/db\tcopy\tx\t-bad\tNOTHEX\t{broken',
    ].join('\n');
    expect(parseFilesystems(P, out).volumes).to.deep.equal([
      { name: 'db', owned: false, role: 'copy', epoch: 0, mountpoint: '/flocker/volumes/db' },
      {
        name: 'web',
        owned: false,
        role: 'handing-off',
        epoch: 3,
        owner: 'n1',
        lineage: '0123456789abcdef',
        handoff: { to: 'n2', epoch: 4, snapshot: 'flocker-20261122T105324007Z-9', guid: '123' },
        mountpoint: '/flocker/volumes/web',
      },
    ]);
  });

  it('parses snapshot GUIDs', function () {
    const out = [
      'flocker/volumes\t123',
      'flocker/volumes/web@flocker-20261122T105324007Z-9\t42',
      'flocker/volumes/web@manual\t43',
      'flocker/volumes/db@flocker-20261122T105324007Z-1\t16.0E',
    ].join('\n');
    expect([...parseGuids(P, out)]).to.deep.equal([['web', { 'flocker-20261122T105324007Z-9': '42' }]]);
  });

  it('parses snapshots: only flocker ones of direct children, ordered by name time', function () {
    const out = [
      'flocker/volumes/web@flocker-20261122T105324007Z-10',
      'flocker/volumes/web@manual',
      'flocker/volumes/web@flocker-20261122T105324007Z-9',
      'flocker/volumes/db@flocker-20261122T105300000Z-0',
      'flocker/volumes/db/n@flocker-20261122T105300000Z-1',
      'flocker/other@flocker-20261122T105300000Z-2',
    ].join('\n');
    const m = parseSnapshots(P, out);
    expect([...m.keys()].sort()).to.deep.equal(['db', 'web']);
    expect(m.get('web')).to.deep.equal(['flocker-20261122T105324007Z-9', 'flocker-20261122T105324007Z-10']);
  });

  it('recognises missing-dataset and busy errors', function () {
    expect(isMissingDatasetError("cannot open 'flocker/volumes': dataset does not exist")).to.equal(true);
    expect(isBusyError("cannot destroy 'flocker/volumes/x': dataset is busy")).to.equal(true);
    expect(isBusyError('permission denied')).to.equal(false);
  });

  it('reads referenced bytes of direct children only (zfs get -H -p -r, as zfs-fuse prints it)', () => {
    const out = [
      'flocker/volumes\t114688',
      'flocker/volumes/web\t3260416',
      'flocker/volumes/web@flocker-20261201T061512653Z-0\t3260416',
      'flocker/volumes/web/x\t1',
      'flocker/volumes/db\t19456',
      '',
    ].join('\n');
    expect(parseReferenced('flocker/volumes', out)).to.deep.equal({ web: 3260416, db: 19456 });
    expect(() => parseReferenced('flocker/volumes', 'flocker/volumes/web\t3.1M')).to.throw(
      /unexpected byte count/,
    );
    expect(isMissingPoolError("cannot open 'nopool': no such pool")).to.equal(true);
  });
});

describe('zfs used parser', function () {
  it("one volume's used bytes and each flocker snapshot's; other datasets and snapshots ignored", async function () {
    const { parseUsed } = await import('../../src/zfs/parse.js');
    const out = [
      'flocker/volumes/web\t4096000',
      'flocker/volumes/web@flocker-20261201T100000000Z-1\t8192',
      'flocker/volumes/web@manual\t512',
      'flocker/volumes/webby\t99',
      '',
    ].join('\n');
    expect(parseUsed('flocker/volumes/web', out)).to.deep.equal({
      used: 4096000,
      snapshots: { 'flocker-20261201T100000000Z-1': 8192 },
    });
  });
});
