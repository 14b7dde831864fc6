// The contents a compose project ships with a deploy (project files and secrets), gathered while
// the file is converted: each distinct content once, keyed by its hash, within one size limit.
// Pure; the file-system reader that fills it is project-files.ts.
import type { Payload } from '../model/payload.js';
import { MAX_PAYLOAD_BYTES, payloadBytes, payloadHash } from '../model/payload.js';
import { formatBytes } from '../plan/describe.js';

/** A content kept (its hash, and whether its root is a file or a folder), or why not. */
export type Kept = { readonly hash: string; readonly type: 'file' | 'dir' } | { readonly problem: string };

/** What a compose file's project files and secrets are read through (load.ts gives the real one). */
export interface ProjectReader {
  /**
   * Read a file or folder of the project: `path` is as written (relative to the compose file's
   * folder, already checked to stay inside it). 'missing' when it does not exist.
   */
  read(path: string): Kept | 'missing';
  /** keep a content read otherwise (a secret from the environment) */
  keep(p: Payload): Kept;
}

export class PayloadStore {
  readonly payloads = new Map<string, Payload>();
  private bytes = 0;

  constructor(private readonly limit = MAX_PAYLOAD_BYTES) {}

  keep(p: Payload): Kept {
    const hash = payloadHash(p);
    const type = p.entries.find((e) => e.path === '')?.type ?? 'dir';
    if (this.payloads.has(hash)) return { hash, type };
    const n = payloadBytes(p);
    if (this.bytes + n > this.limit)
      return {
        problem: `the project files and secrets of this deploy would be ${formatBytes(this.bytes + n)}, over the limit of ${formatBytes(this.limit)} (they travel with every deploy: put large data in a volume or the image)`,
      };
    this.bytes += n;
    this.payloads.set(hash, p);
    return { hash, type };
  }

  /** every kept payload, by hash (a null-prototype object, for the changestate input) */
  record(): Record<string, Payload> {
    const out = Object.create(null) as Record<string, Payload>;
    for (const [h, p] of this.payloads) out[h] = p;
    return out;
  }
}

/** In-memory projects (tests): path -> file text, or a folder's entries. */
export function memoryProject(
  files: Readonly<Record<string, Payload>>,
  store = new PayloadStore(),
): ProjectReader & { store: PayloadStore } {
  return {
    store,
    read: (path) => {
      const p = Object.hasOwn(files, path) ? files[path] : undefined;
      return p === undefined ? 'missing' : store.keep(p);
    },
    keep: (p) => store.keep(p),
  };
}
