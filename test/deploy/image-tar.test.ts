// Cutting a `docker save` archive down to the layers a node lacks, on synthetic archives of both
// layouts docker writes (legacy <id>/layer.tar with a link for a repeated layer; OCI blobs), and
// with a pax long name.
import { expect } from 'chai';
import { TAR_END, chainIds, cutSavedImage, cutSize, indexTar } from '../../src/deploy/image-tar.js';
import type { ReadAt } from '../../src/deploy/image-tar.js';

interface Member {
  readonly name: string;
  readonly body?: string;
  readonly type?: '0' | '2' | '5';
  readonly link?: string;
}

function header(name: string, size: number, type: string, link = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(link, 157);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

/** a tar archive (long names through a pax header, as Go's archive/tar writes them) */
function tar(members: readonly Member[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const body = Buffer.from(m.body ?? '');
    if (m.name.length > 100) {
      const rec = (n: number) => `${n} path=${m.name}\n`;
      let len = rec(0).length;
      while (rec(len).length !== len) len = rec(len).length;
      const pax = Buffer.from(rec(len));
      parts.push(header('PaxHeaders/x', pax.length, 'x'), pad(pax));
    }
    parts.push(header(m.name, body.length, m.type ?? '0', m.link), pad(body));
  }
  return Buffer.concat([...parts, TAR_END]);
}

const readOf =
  (b: Buffer): ReadAt =>
  (o, n) =>
    b.subarray(o, o + n);

const diff = (c: string): string => `sha256:${c.repeat(64)}`;
const [d0, d1, d2] = [diff('a'), diff('b'), diff('c')];
const chains = chainIds([d0, d1, d2]);

/** a legacy-layout archive of an image with layers d0 d1 d2 and an image with d0 d1 d1 */
function legacy(): Buffer {
  const config = (ids: string[]) => JSON.stringify({ rootfs: { type: 'layers', diff_ids: ids } });
  return tar([
    { name: 'cfg1.json', body: config([d0, d1, d2]) },
    { name: 'l0/', type: '5' },
    { name: 'l0/layer.tar', body: 'BASE'.repeat(300) },
    { name: 'l1/layer.tar', body: 'MID' },
    { name: 'l2/layer.tar', body: 'TOP' },
    { name: 'l3/layer.tar', type: '2', link: '../l1/layer.tar' },
    {
      name: 'manifest.json',
      body: JSON.stringify([
        {
          Config: 'cfg1.json',
          RepoTags: ['app:1'],
          Layers: ['l0/layer.tar', 'l1/layer.tar', 'l2/layer.tar'],
        },
      ]),
    },
    { name: 'repositories', body: '{}' },
  ]);
}

const names = (b: Buffer, have: string[]) => {
  const entries = indexTar(readOf(b), b.length);
  const cut = cutSavedImage(entries, readOf(b), new Set(have));
  return { cut, kept: cut.keep.map((e) => e.name) };
};

describe('image archive cut (only the layers a node lacks travel)', () => {
  it('chain IDs: the first is the diff ID, each next one hashes the one below with its diff ID', () => {
    expect(chains[0]).to.equal(d0);
    expect(chains[1]).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(chainIds([d0, d1])).to.deep.equal(chains.slice(0, 2));
    // a layer on another base is another chain
    expect(chainIds([d2, d1])[1]).to.not.equal(chains[1]);
  });

  it('indexes every entry with its data offsets', () => {
    const b = legacy();
    const entries = indexTar(readOf(b), b.length);
    expect(entries.map((e) => e.name)).to.deep.equal([
      'cfg1.json',
      'l0/',
      'l0/layer.tar',
      'l1/layer.tar',
      'l2/layer.tar',
      'l3/layer.tar',
      'manifest.json',
      'repositories',
    ]);
    const top = entries[4]!;
    expect(b.subarray(top.dataStart, top.dataStart + top.size).toString()).to.equal('TOP');
    expect(entries[5]!.linkname).to.equal('../l1/layer.tar');
  });

  it('a node with nothing gets the whole archive', () => {
    const b = legacy();
    const { cut } = names(b, []);
    expect(cut.dropped).to.deep.equal([]);
    expect(cutSize(cut)).to.equal(b.length);
  });

  it('a node with the base layers gets only the top layer file', () => {
    const b = legacy();
    const { cut, kept } = names(b, [chains[0]!, chains[1]!]);
    expect(cut.dropped).to.deep.equal(['l0/layer.tar', 'l1/layer.tar']);
    expect(kept).to.include.members(['l2/layer.tar', 'manifest.json', 'cfg1.json', 'l0/']);
    expect(cutSize(cut)).to.be.lessThan(b.length - 1024);
  });

  it('a layer file is kept when the node has the layer only on another base (chain, not diff, IDs)', () => {
    const { cut } = names(legacy(), [d1]);
    expect(cut.dropped).to.deep.equal([]);
  });

  it('a file a needed layer links to is kept', () => {
    const config = JSON.stringify({ rootfs: { diff_ids: [d0, d1, d1] } });
    const b = tar([
      { name: 'c.json', body: config },
      { name: 'l0/layer.tar', body: 'BASE' },
      { name: 'l1/layer.tar', body: 'MID' },
      { name: 'l2/layer.tar', type: '2', link: '../l1/layer.tar' },
      {
        name: 'manifest.json',
        body: JSON.stringify([
          { Config: 'c.json', Layers: ['l0/layer.tar', 'l1/layer.tar', 'l2/layer.tar'] },
        ]),
      },
    ]);
    const ch = chainIds([d0, d1, d1]);
    const { cut } = names(b, [ch[0]!, ch[1]!]);
    expect(cut.dropped).to.deep.equal(['l0/layer.tar']);
  });

  it('OCI layout (docker 25+): blobs named by digest, a pax long name', () => {
    const blob = (d: string) => `blobs/sha256/${d.slice(7)}`;
    const cfgName = `blobs/sha256/${'f'.repeat(64)}`;
    const longDir = `${'x'.repeat(90)}/${'y'.repeat(30)}`;
    const b = tar([
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { name: blob(d0), body: 'BASE' },
      { name: blob(d1), body: 'MID' },
      { name: `${longDir}/layer.tar`, body: 'TOP' },
      { name: cfgName, body: JSON.stringify({ rootfs: { diff_ids: [d0, d1, d2] } }) },
      {
        name: 'manifest.json',
        body: JSON.stringify([{ Config: cfgName, Layers: [blob(d0), blob(d1), `${longDir}/layer.tar`] }]),
      },
    ]);
    const entries = indexTar(readOf(b), b.length);
    expect(entries[3]!.name).to.equal(`${longDir}/layer.tar`);
    const cut = cutSavedImage(entries, readOf(b), new Set([chains[0]!]));
    expect(cut.dropped).to.deep.equal([blob(d0)]);
    const all = cutSavedImage(entries, readOf(b), new Set(chains));
    expect(all.dropped).to.have.length(3);
    // the pax header goes with its entry
    const top = all.keep.find((e) => e.name.endsWith('layer.tar'));
    expect(top).to.equal(undefined);
    expect(cutSize(all)).to.equal(
      b.length - (entries[1]!.end - entries[1]!.start) * 2 - (entries[3]!.end - entries[3]!.start),
    );
  });

  it('an archive without manifest.json is refused', () => {
    const b = tar([{ name: 'repositories', body: '{}' }]);
    expect(() => cutSavedImage(indexTar(readOf(b), b.length), readOf(b), new Set())).to.throw(
      /manifest\.json/,
    );
  });
});
