// Effects: locate the project root (the directory holding package.json) from this module.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** package.json's name (free on the npm registry; "flocker" is someone else's) */
export const PACKAGE_NAME = 'flocker-deploy';

export function projectRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(d, 'package.json');
    if (existsSync(p)) {
      try {
        if ((JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return d;
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(d);
    if (up === d)
      throw new Error('cannot find the flocker project root above ' + fileURLToPath(import.meta.url));
    d = up;
  }
}
