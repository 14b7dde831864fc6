// Lab access for this area's functional tests: the shared fixture (test/helpers/lab.ts), or an
// already running lab named by FLOCKER_LAB (e.g. one brought up with flocker-lab up --name appd).
import type { CommandRunner } from '../../src/exec/runner.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import type { LabHandle } from '../helpers/lab.js';

export type TestLab = LabHandle;
export type LabNode = LabHandle['nodes'][number];

/** The lab (call from a before hook); skips when not root or without /dev/fuse. */
export async function labOrSkip(ctx: Mocha.Context): Promise<TestLab> {
  requireRootAndFuse(ctx);
  const name = process.env.FLOCKER_LAB;
  return name ? labHandle(name) : sharedLab();
}

export { fetchText } from '../helpers/http.js';

/** make flocker-test/httpd:latest (busybox httpd serving /www with index.html) in a node */
export async function ensureHttpdImage(runner: CommandRunner, text: string): Promise<void> {
  const script =
    'set -e; docker image inspect flocker-test/httpd:latest >/dev/null 2>&1 && exit 0; ' +
    'docker rm -f flocker-test-mkimg >/dev/null 2>&1 || true; ' +
    `docker run --name flocker-test-mkimg busybox:latest sh -c 'mkdir -p /www && printf %s "$1" > /www/index.html' sh "$0"; ` +
    `docker commit -c 'CMD ["httpd","-f","-p","80","-h","/www"]' flocker-test-mkimg flocker-test/httpd:latest >/dev/null; ` +
    'docker rm flocker-test-mkimg >/dev/null';
  const r = await runner.run(['sh', '-c', script, text]);
  if (r.code !== 0) throw new Error(`cannot make the httpd image on ${runner.host}: ${r.stderr}`);
}
