// A payload (model/payload.ts) as a ustar archive under one top folder, for `tar -x` on a node
// (pure). Owner root, files 0644 (0755 when executable), folders 0755: a project file is
// readable by a container's non-root user, as compose mounts it; mtimes are 0 (content only).
import type { Payload } from '../model/payload.js';
import { canonicalEntries } from '../model/payload.js';
import { TAR_END, tarHeader, tarPadding } from '../exec/tar-write.js';

/** The archive: `top` (the root entry), then everything under it. */
export function payloadTar(p: Payload, top: string): Buffer {
  const parts: Buffer[] = [];
  for (const e of canonicalEntries(p.entries)) {
    const name = e.path === '' ? top : `${top}/${e.path}`;
    if (e.type === 'dir') parts.push(tarHeader({ name: `${name}/`, type: 'dir', mode: 0o755 }));
    else {
      const data = Buffer.from(e.data, 'base64');
      const mode = e.executable ? 0o755 : 0o644;
      parts.push(tarHeader({ name, type: 'file', mode, size: data.length }), data, tarPadding(data.length));
    }
  }
  parts.push(TAR_END);
  return Buffer.concat(parts);
}
