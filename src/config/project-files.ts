// The effectful edge of project files: read a file or folder beside the compose file into a
// payload (model/payload.ts) on the deploying machine. Symlinks are followed only while they
// stay inside the project folder; sockets, devices and fifos are refused. Sizes are bounded
// before anything large is read.
import { lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { PayloadEntry } from '../model/payload.js';
import { MAX_PAYLOAD_BYTES, MAX_PAYLOAD_ENTRIES } from '../model/payload.js';
import { formatBytes } from '../plan/describe.js';
import { PayloadStore } from './project-payloads.js';
import type { Kept, ProjectReader } from './project-payloads.js';

/** Longest path inside a shipped folder (the node's tar header holds 255 bytes with "content/"). */
const MAX_ENTRY_PATH = 200;

class Refused extends Error {}

function kind(st: Stats): string {
  if (st.isSocket()) return 'a socket';
  if (st.isFIFO()) return 'a fifo';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'a device';
  return 'neither a file nor a folder';
}

/** Read `path` (relative to `dir`) as a payload; throws Refused with the reason. */
function readTree(dir: string, path: string): PayloadEntry[] | 'missing' {
  const root = realpathSync(dir);
  const inside = (real: string): boolean => real.startsWith(root + sep);
  const entries: PayloadEntry[] = [];
  let bytes = 0;
  const seen = new Set<string>();
  const visit = (abs: string, rel: string): void => {
    const l = lstatSync(abs);
    let real = abs;
    if (l.isSymbolicLink()) {
      real = realpathSync(abs);
      if (!inside(real))
        throw new Refused(
          `${rel === '' ? 'it' : JSON.stringify(rel)} is a symlink to ${JSON.stringify(real)}, outside the project folder ${JSON.stringify(root)}`,
        );
    }
    const st = statSync(real);
    if (entries.length >= MAX_PAYLOAD_ENTRIES)
      throw new Refused(`it holds more than ${MAX_PAYLOAD_ENTRIES} files and folders`);
    if (Buffer.byteLength(rel) > MAX_ENTRY_PATH)
      throw new Refused(`the path ${JSON.stringify(rel)} is longer than ${MAX_ENTRY_PATH} bytes`);
    if (st.isFile()) {
      bytes += st.size;
      if (bytes > MAX_PAYLOAD_BYTES)
        throw new Refused(`it is over ${formatBytes(MAX_PAYLOAD_BYTES)}, the limit of what a deploy ships`);
      const data = readFileSync(real).toString('base64');
      entries.push({
        path: rel,
        type: 'file',
        data,
        ...(st.mode & 0o100 ? { executable: true as const } : {}),
      });
    } else if (st.isDirectory()) {
      const r = realpathSync(real);
      if (seen.has(r)) throw new Refused(`${JSON.stringify(rel)} is a symlink loop`);
      seen.add(r);
      entries.push({ path: rel, type: 'dir' });
      for (const name of readdirSync(real).sort())
        visit(join(real, name), rel === '' ? name : `${rel}/${name}`);
      seen.delete(r);
    } else throw new Refused(`${rel === '' ? 'it' : JSON.stringify(rel)} is ${kind(st)}`);
  };
  const abs = join(dir, path);
  try {
    lstatSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  // the path itself may pass through a symlinked folder of the project: its real place counts
  const real = realpathSync(abs);
  if (!inside(real) && relative(root, real) !== '')
    throw new Refused(
      `it resolves to ${JSON.stringify(real)}, outside the project folder ${JSON.stringify(root)}`,
    );
  visit(abs, '');
  return entries;
}

/** The real reader: files beside the compose file (`dir`), kept in `store`. */
export function fsProjectReader(
  dir: string,
  store = new PayloadStore(),
): ProjectReader & { store: PayloadStore } {
  return {
    store,
    read: (path): Kept | 'missing' => {
      try {
        const entries = readTree(dir, path);
        return entries === 'missing' ? 'missing' : store.keep({ entries });
      } catch (e) {
        if (e instanceof Refused) return { problem: e.message };
        const err = e as NodeJS.ErrnoException;
        return { problem: err.code === 'ENOENT' ? 'it disappeared while it was read' : err.message };
      }
    },
    keep: (p) => store.keep(p),
  };
}
