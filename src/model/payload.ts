// The contents of project files and secrets as they travel to a node (the changestate input's
// `payloads`, keyed by their hash). The application model keeps only the hash.
//
// A payload is a tree listed in a canonical order: its root (path '') is a file or a folder;
// a folder's entries follow, sorted by path ('/'-separated, relative to the root). Its hash is
// the sha256 of the canonical listing "TYPE NUL PATH NUL x|- NUL sha256(bytes) LF" per entry, so
// equal trees have equal hashes whatever order or encoding they were read in.
import { createHash } from 'node:crypto';

export type PayloadEntry =
  | {
      readonly path: string;
      readonly type: 'file';
      /** base64 of the bytes */
      readonly data: string;
      /** the owner-execute bit (kept: a project script must stay runnable) */
      readonly executable?: true;
    }
  | { readonly path: string; readonly type: 'dir' };

export interface Payload {
  readonly entries: readonly PayloadEntry[];
}

export const PAYLOAD_HASH_PATTERN = '^[0-9a-f]{64}$';

/** Shipped bytes per deploy (project files and secrets, each distinct content once). */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Entries of one project folder. */
export const MAX_PAYLOAD_ENTRIES = 10_000;

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The entries in canonical order (root first, then by path, byte order). */
export function canonicalEntries(entries: readonly PayloadEntry[]): PayloadEntry[] {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function payloadHash(p: Payload): string {
  const h = createHash('sha256');
  for (const e of canonicalEntries(p.entries)) {
    const content = e.type === 'file' ? sha256(Buffer.from(e.data, 'base64')) : '';
    const x = e.type === 'file' && e.executable ? 'x' : '-';
    h.update(`${e.type}\0${e.path}\0${x}\0${content}\n`);
  }
  return h.digest('hex');
}

/** The bytes of a payload's files (what the size limit counts). */
export function payloadBytes(p: Payload): number {
  let n = 0;
  for (const e of p.entries) if (e.type === 'file') n += Buffer.byteLength(e.data, 'base64');
  return n;
}

/** A payload of one file holding `value` (a secret from the environment). */
export function valuePayload(value: string | Buffer): Payload {
  return { entries: [{ path: '', type: 'file', data: Buffer.from(value).toString('base64') }] };
}

/**
 * Rules the schema cannot say: a root entry, each path once, every entry inside a folder listed
 * before it, no `.`/`..`/empty segments (a node extracts these paths as root).
 */
export function payloadProblems(p: Payload): string[] {
  const problems: string[] = [];
  const types = new Map<string, string>();
  for (const [i, e] of p.entries.entries()) {
    if (types.has(e.path)) problems.push(`entries[${i}]: path ${JSON.stringify(e.path)} is listed twice`);
    types.set(e.path, e.type);
  }
  const root = types.get('');
  if (root === undefined) problems.push('entries: no root entry (path "")');
  for (const [i, e] of p.entries.entries()) {
    if (e.path === '') continue;
    const segs = e.path.split('/');
    if (segs.some((s) => s === '' || s === '.' || s === '..'))
      problems.push(`entries[${i}]: path ${JSON.stringify(e.path)} has an empty, "." or ".." segment`);
    const parent = segs.slice(0, -1).join('/');
    if (types.get(parent) !== 'dir')
      problems.push(`entries[${i}]: ${JSON.stringify(e.path)} is not inside a listed folder`);
  }
  return problems;
}
