// A payload (model/payload.ts) as a ustar archive under one top folder, for `tar -x` on a node
// (pure). Owner root, files 0644 (0755 when executable), folders 0755: a project file is
// readable by a container's non-root user, as compose mounts it; mtimes are 0 (content only).
import type { Payload } from '../model/payload.js';
import { canonicalEntries } from '../model/payload.js';

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, mode: number, size: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512, 0);
  let full = Buffer.from(name);
  let prefix = Buffer.alloc(0);
  if (full.length > 100) {
    // split at a '/' so that the name part fits 100 bytes and the prefix 155
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = Buffer.from(name.slice(0, cut));
    full = Buffer.from(name.slice(cut + 1));
    if (full.length > 100 || prefix.length > 155) throw new Error(`path too long for tar: ${name}`);
  }
  full.copy(h, 0);
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  prefix.copy(h, 345);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The archive: `top` (the root entry), then everything under it. */
export function payloadTar(p: Payload, top: string): Buffer {
  const parts: Buffer[] = [];
  for (const e of canonicalEntries(p.entries)) {
    const name = e.path === '' ? top : `${top}/${e.path}`;
    if (e.type === 'dir') parts.push(header(`${name}/`, 0o755, 0, '5'));
    else {
      const data = Buffer.from(e.data, 'base64');
      parts.push(header(name, e.executable ? 0o755 : 0o644, data.length, '0'), data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}
