// The shared tar writer: ustar headers as GNU tar reads them, and a pax extended header for
// what ustar cannot hold (a long name without a split, a long link target, a big size).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TAR_END, tarHeader, tarPadding } from '../../src/exec/tar-write.js';
import { indexTar } from '../../src/deploy/image-tar.js';

const file = (name: string, body: string, mode = 0o644): Buffer[] => {
  const data = Buffer.from(body);
  return [
    tarHeader({ name, type: 'file', mode, size: data.length, mtime: 1_700_000_000 }),
    data,
    tarPadding(data.length),
  ];
};

const longDir = `${'a'.repeat(90)}/${'b'.repeat(90)}`;
const longName = 'n'.repeat(150);
const longLink = `../${'t'.repeat(120)}`;

function sample(): Buffer {
  return Buffer.concat([
    tarHeader({ name: 'top/', type: 'dir', mode: 0o750, mtime: 1_600_000_000 }),
    ...file('top/run.sh', '#!/bin/sh\n', 0o4755),
    ...file(`top/${longDir}/split.txt`, 'split'),
    ...file(`top/${longName}`, 'pax'),
    tarHeader({ name: 'top/link', type: 'symlink', mode: 0o777, linkname: 'run.sh' }),
    tarHeader({ name: 'top/longlink', type: 'symlink', mode: 0o777, linkname: longLink }),
    TAR_END,
  ]);
}

describe('tar writer', () => {
  it('writes a ustar block with its checksum, mode, mtime and type', () => {
    const h = tarHeader({ name: 'x/y', type: 'file', mode: 0o755, size: 5, mtime: 8 });
    expect(h.length).to.equal(512);
    expect(h.subarray(0, 3).toString()).to.equal('x/y');
    expect(h.subarray(100, 107).toString()).to.equal('0000755');
    expect(h.subarray(124, 135).toString()).to.equal('00000000005');
    expect(h.subarray(136, 147).toString()).to.equal('00000000010');
    expect(String.fromCharCode(h[156]!)).to.equal('0');
    expect(h.subarray(257, 262).toString()).to.equal('ustar');
  });

  it('splits a long name into prefix and name when it can, pax otherwise', () => {
    const split = tarHeader({ name: `${longDir}/f`, type: 'file', mode: 0o644 });
    expect(split.length).to.equal(512);
    // the last '/' leaves a prefix over 155 bytes: an earlier one is taken
    expect(split.subarray(345, 500).toString().replace(/\0+$/, '')).to.equal('a'.repeat(90));
    expect(split.subarray(0, 100).toString().replace(/\0+$/, '')).to.equal(`${'b'.repeat(90)}/f`);
    const pax = tarHeader({ name: longName, type: 'file', mode: 0o644 });
    expect(pax.length).to.equal(3 * 512);
    expect(String.fromCharCode(pax[156]!)).to.equal('x');
    expect(pax.subarray(512, 1024).toString()).to.contain(`path=${longName}\n`);
  });

  it('pax records count their own length (the length changes digits at 100)', () => {
    for (const n of [80, 87, 88, 89, 90, 95, 200]) {
      const name = 'p'.repeat(n + 101);
      const h = tarHeader({ name, type: 'file', mode: 0o644 });
      const rec = h.subarray(512, 1024).toString().replace(/\0+$/, '');
      expect(Number(rec.split(' ')[0])).to.equal(Buffer.byteLength(rec));
    }
  });

  it('carries a size beyond the octal field in pax', () => {
    const h = tarHeader({ name: 'big', type: 'file', mode: 0o644, size: 2 ** 34 });
    expect(h.subarray(512, 1024).toString()).to.contain(`size=${2 ** 34}\n`);
    expect(h.subarray(1024 + 124, 1024 + 135).toString()).to.equal('00000000000');
  });

  it('is read back by our own index and extracted by GNU tar with modes and link targets', function () {
    const b = sample();
    const entries = indexTar((o, n) => b.subarray(o, o + n), b.length);
    expect(entries.map((e) => [e.name, e.type, e.linkname])).to.deep.equal([
      ['top/', '5', ''],
      ['top/run.sh', '0', ''],
      [`top/${longDir}/split.txt`, '0', ''],
      [`top/${longName}`, '0', ''],
      ['top/link', '2', 'run.sh'],
      ['top/longlink', '2', longLink],
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'flocker-tar-write-'));
    try {
      const x = spawnSync('tar', ['-x', '-C', dir], { input: b });
      expect(x.status, x.stderr.toString()).to.equal(0);
      expect(readFileSync(join(dir, 'top', longName), 'utf8')).to.equal('pax');
      expect(readFileSync(join(dir, 'top', longDir, 'split.txt'), 'utf8')).to.equal('split');
      // (setuid survives extraction only as root: checked in the listing below)
      expect(statSync(join(dir, 'top/run.sh')).mode & 0o777).to.equal(0o755);
      expect(statSync(join(dir, 'top/run.sh')).mtimeMs).to.equal(1_700_000_000_000);
      expect(readlinkSync(join(dir, 'top/longlink'))).to.equal(longLink);
      const t = spawnSync('tar', ['-tv'], { input: b });
      expect(t.stdout.toString()).to.contain('-rwsr-xr-x 0/0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
