// A `docker save` archive cut down to what a node lacks. `docker load` looks each layer up by
// chain ID before it opens the layer's file (moby image/tarexport/load.go: lss.Get(ChainID)),
// so the layer files of layers the node already has can be left out of the archive: only the
// missing layers travel. Works on both archive layouts docker writes (legacy <id>/layer.tar and
// OCI blobs/sha256/<digest>): the layer paths come from manifest.json, which docker writes last,
// hence an index of the whole archive first (it is spooled to a file), then the copy.
// Pure over a `read(offset, length)` function.
import { posix } from 'node:path';
import { createHash } from 'node:crypto';
import type { ReportedImage } from '../model/state.js';

// A layer's chain ID names it together with every layer below it: what `docker load` looks up.
/** chain IDs of an image's layers, bottom first (OCI image spec: ChainID(L0|…|Ln)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const below = out[out.length - 1];
    out.push(
      below === undefined ? d : `sha256:${createHash('sha256').update(`${below} ${d}`).digest('hex')}`,
    );
  }
  return out;
}

/** every layer chain ID a node has, from its reported images */
export function nodeChainIds(images: readonly ReportedImage[]): Set<string> {
  return new Set(images.flatMap((i) => chainIds(i.layers)));
}

const BLOCK = 512;

export interface TarEntry {
  /** path in the archive (pax/GNU long names applied) */
  readonly name: string;
  /** '0' file, '2' symlink, '5' directory, ... */
  readonly type: string;
  readonly linkname: string;
  /** first byte of the entry, its extension headers included */
  readonly start: number;
  /** first byte of the entry's data */
  readonly dataStart: number;
  readonly size: number;
  /** first byte after the entry (data padded to a block) */
  readonly end: number;
}

export type ReadAt = (offset: number, length: number) => Buffer;

const str = (b: Buffer, off: number, len: number): string => {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString('utf8');
};

function num(b: Buffer, off: number, len: number): number {
  // base-256 (GNU) for sizes that do not fit the octal field
  if ((b[off]! & 0x80) !== 0) {
    let n = b[off]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + b[off + i]!;
    return n;
  }
  const t = str(b, off, len).trim();
  return t === '' ? 0 : parseInt(t, 8);
}

function paxRecords(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(body.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = body.slice(sp + 1, i + len - 1); // without the trailing '\n'
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

/** Every entry of a tar archive of `total` bytes, in order. */
export function indexTar(read: ReadAt, total: number): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  let start = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  while (off + BLOCK <= total) {
    const h = read(off, BLOCK);
    if (h.every((x) => x === 0)) break;
    const size = num(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const dataStart = off + BLOCK;
    const end = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'L' || type === 'K') {
      const body = read(dataStart, size).toString('utf8');
      if (type === 'x') pax = paxRecords(body);
      else if (type === 'L') longName = body.replace(/\0+$/, '');
      else longLink = body.replace(/\0+$/, '');
      off = end;
      continue;
    }
    if (type === 'g') {
      // global header: an entry of its own, kept as it is
      entries.push({ name: '', type, linkname: '', start: off, dataStart, size, end });
      off = start = end;
      continue;
    }
    const prefix = str(h, 345, 155);
    const short = str(h, 0, 100);
    const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${short}` : short);
    const linkname = pax.get('linkpath') ?? longLink ?? str(h, 157, 100);
    entries.push({ name: name.replace(/^\.\//, ''), type, linkname, start, dataStart, size, end });
    off = start = end;
    longName = longLink = undefined;
    pax = new Map();
  }
  return entries;
}

interface ManifestItem {
  readonly Config: string;
  readonly Layers: readonly string[];
}

export interface TarCut {
  /** entries to copy, in archive order */
  readonly keep: readonly TarEntry[];
  /** layer files left out (the node has their layers) */
  readonly dropped: readonly string[];
}

const norm = (p: string): string => posix.normalize(p).replace(/^\.\//, '');

/**
 * The entries of a `docker save` archive to send to a node that has the layers `have` (chain
 * IDs): every entry but the layer files of layers it has. A file also used by a layer it lacks
 * is kept (layers with equal content share one file); so is the target of a kept link.
 */
export function cutSavedImage(entries: readonly TarEntry[], read: ReadAt, have: ReadonlySet<string>): TarCut {
  const byName = new Map(entries.map((e) => [norm(e.name), e]));
  const json = (name: string): unknown => {
    const e = byName.get(norm(name));
    if (!e) throw new Error(`the image archive has no ${name}`);
    return JSON.parse(read(e.dataStart, e.size).toString('utf8')) as unknown;
  };
  const manifest = json('manifest.json') as ManifestItem[];
  const skip = new Set<string>();
  const need = new Set<string>();
  for (const m of manifest) {
    const config = json(m.Config) as { rootfs?: { diff_ids?: string[] } };
    const chains = chainIds(config.rootfs?.diff_ids ?? []);
    m.Layers.forEach((path, i) => {
      const c = chains[i];
      (c !== undefined && have.has(c) ? skip : need).add(norm(path));
    });
  }
  // a needed path may be a link (legacy layout, repeated layers): its target is needed too
  for (const p of [...need]) {
    const e = byName.get(p);
    if (e?.type === '2' || e?.type === '1')
      need.add(norm(e.type === '2' ? posix.join(posix.dirname(p), e.linkname) : e.linkname));
  }
  const dropped = [...skip].filter((p) => !need.has(p)).sort();
  const drop = new Set(dropped);
  return { keep: entries.filter((e) => !drop.has(norm(e.name))), dropped };
}

/** bytes of the cut archive: the kept entries and the two zero blocks that end a tar */
export const cutSize = (cut: TarCut): number =>
  cut.keep.reduce((n, e) => n + (e.end - e.start), 0) + 2 * BLOCK;

/** the end of an archive */
export const TAR_END = Buffer.alloc(2 * BLOCK);
