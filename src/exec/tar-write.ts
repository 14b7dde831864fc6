// Writing tar archives (pure): the header blocks of one entry, in ustar form, preceded by a
// POSIX pax extended header ('x') when a field does not fit ustar (a long name without a good
// split, a long link target, a size of 8 GiB or more, an mtime before 1970): GNU tar, docker and
// Go's archive/tar all read pax. The caller writes the data after the header, then tarPadding.
// Owner fields are numeric only (no user or group names): what a node extracts as root.

export const TAR_BLOCK = 512;
/** what ends an archive: two zero blocks */
export const TAR_END: Buffer = Buffer.alloc(2 * TAR_BLOCK, 0);

export type TarEntryType = 'file' | 'dir' | 'symlink';

export interface TarHeader {
  /** path in the archive, '/'-separated; a folder's may end with '/' */
  readonly name: string;
  readonly type: TarEntryType;
  /** permission bits (setuid/setgid/sticky included) */
  readonly mode: number;
  /** bytes of data that follow (files only) */
  readonly size?: number;
  /** seconds since the epoch (0 when absent) */
  readonly mtime?: number;
  /** a symlink's target */
  readonly linkname?: string;
  readonly uid?: number;
  readonly gid?: number;
}

const TYPE_FLAG: Readonly<Record<TarEntryType, string>> = { file: '0', dir: '5', symlink: '2' };
// the largest value an octal field of `width` bytes holds (width - 1 digits and a NUL)
const maxOctal = (width: number): number => 8 ** (width - 1) - 1;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** ustar's name and prefix fields for a name, or undefined when no split fits */
function ustarName(name: string): { name: Buffer; prefix: Buffer } | undefined {
  const full = Buffer.from(name);
  if (full.length <= 100) return { name: full, prefix: Buffer.alloc(0) };
  // the last '/' first (the shortest name part), then earlier ones; never the trailing '/' of a folder
  for (let cut = name.lastIndexOf('/', name.length - 2); cut > 0; cut = name.lastIndexOf('/', cut - 1)) {
    const prefix = Buffer.from(name.slice(0, cut));
    const rest = Buffer.from(name.slice(cut + 1));
    if (prefix.length > 155) continue;
    if (rest.length > 100) return undefined; // earlier cuts only make it longer
    return { name: rest, prefix };
  }
  return undefined;
}

/** one pax record: "<length> <key>=<value>\n", the length counting itself */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return `${len}${body}`;
}

function block(
  name: Buffer,
  prefix: Buffer,
  mode: number,
  size: number,
  mtime: number,
  type: string,
  linkname: Buffer,
  uid: number,
  gid: number,
): Buffer {
  const h = Buffer.alloc(TAR_BLOCK, 0);
  name.copy(h, 0, 0, 100);
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(uid, 8), 108, 'ascii');
  h.write(octal(gid, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  linkname.copy(h, 157, 0, 100);
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  prefix.copy(h, 345, 0, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The header blocks of one entry: a pax header first when ustar cannot hold it. */
export function tarHeader(e: TarHeader): Buffer {
  const size = e.type === 'file' ? (e.size ?? 0) : 0;
  const mtime = Math.floor(e.mtime ?? 0);
  const uid = e.uid ?? 0;
  const gid = e.gid ?? 0;
  const link = e.type === 'symlink' ? (e.linkname ?? '') : '';
  const records: string[] = [];
  let names = ustarName(e.name);
  if (names === undefined) {
    records.push(paxRecord('path', e.name));
    // the ustar field keeps a readable, truncated name for readers without pax
    names = { name: Buffer.from(e.name).subarray(0, 100), prefix: Buffer.alloc(0) };
  }
  let linkBuf = Buffer.from(link);
  if (linkBuf.length > 100) {
    records.push(paxRecord('linkpath', link));
    linkBuf = linkBuf.subarray(0, 100);
  }
  const fit = (key: string, n: number, width: number): number => {
    if (n >= 0 && n <= maxOctal(width)) return n;
    records.push(paxRecord(key, String(n)));
    return 0;
  };
  const sizeField = fit('size', size, 12);
  const mtimeField = fit('mtime', mtime, 12);
  const uidField = fit('uid', uid, 8);
  const gidField = fit('gid', gid, 8);
  const main = block(
    names.name,
    names.prefix,
    e.mode,
    sizeField,
    mtimeField,
    TYPE_FLAG[e.type],
    linkBuf,
    uidField,
    gidField,
  );
  if (records.length === 0) return main;
  const body = Buffer.from(records.join(''));
  const base = e.name.replace(/\/$/, '').split('/').pop() ?? '';
  // a stable, ASCII name (GNU tar and Go do alike): readers without pax extract it as a file
  const paxName = Buffer.from(`PaxHeaders.0/${base.replace(/[^\x20-\x7e]/g, '_')}`).subarray(0, 100);
  const pax = block(paxName, Buffer.alloc(0), 0o644, body.length, mtimeField, 'x', Buffer.alloc(0), 0, 0);
  return Buffer.concat([pax, body, tarPadding(body.length), main]);
}

/** the zeros that fill an entry's data up to a whole block */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK, 0);
}
