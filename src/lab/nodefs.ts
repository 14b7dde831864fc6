// Effects: writing files into a node's merged root without ever following a symlink of the
// lower layer (an absolute link there points at the HOST's file).
import { chmodSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function inside(root: string, path: string): string {
  if (!path.startsWith('/') || path.split('/').includes('..')) throw new Error(`bad node path ${path}`);
  return join(root, path);
}

/** mkdir -p, refusing to go through a symlinked parent */
function ensureDir(root: string, dir: string): void {
  let cur = root;
  for (const part of dir.split('/').filter((p) => p !== '')) {
    cur = join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      mkdirSync(cur, { mode: 0o755 });
      continue;
    }
    if (st.isSymbolicLink()) throw new Error(`refusing to write through symlink ${cur}`);
  }
}

export function writeNodeFile(root: string, path: string, content: string | Buffer, mode = 0o644): void {
  const p = inside(root, path);
  ensureDir(root, dirname(path));
  rmSync(p, { force: true, recursive: true });
  writeFileSync(p, content, { mode });
  chmodSync(p, mode);
}

export function linkNodeFile(root: string, path: string, target: string): void {
  const p = inside(root, path);
  ensureDir(root, dirname(path));
  rmSync(p, { force: true, recursive: true });
  symlinkSync(target, p);
}

export function removeNodePath(root: string, path: string): void {
  rmSync(inside(root, path), { force: true, recursive: true });
}

/** an empty directory hiding whatever the lower layer has there (opaque in the upper) */
export function freshNodeDir(root: string, path: string, mode = 0o755): void {
  const p = inside(root, path);
  ensureDir(root, dirname(path));
  rmSync(p, { force: true, recursive: true });
  mkdirSync(p, { mode });
  chmodSync(p, mode);
}
