// Effects: the offline busybox image tarball (no registry is reachable from a node).
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { must } from './host.js';

export const BUSYBOX = '/bin/busybox';
export const IMAGE = 'busybox:latest';
export const IMAGE_INDEX_HTML = 'hello from flocker-lab busybox\n';

/** Build <imagesDir>/busybox.tar (static busybox + applet links + /www/index.html). */
export async function buildBusyboxTar(imagesDir: string): Promise<string> {
  const tar = `${imagesDir}/busybox.tar`;
  if (existsSync(tar)) return tar;
  const bb = `${imagesDir}/bbroot`;
  rmSync(bb, { recursive: true, force: true });
  for (const d of ['bin', 'etc', 'tmp', 'www', 'proc', 'sys', 'dev'])
    mkdirSync(`${bb}/${d}`, { recursive: true });
  copyFileSync(BUSYBOX, `${bb}/bin/busybox`);
  chmodSync(`${bb}/bin/busybox`, 0o755);
  chmodSync(`${bb}/tmp`, 0o1777);
  const list = await must('host', 'busybox --list', [BUSYBOX, '--list']);
  for (const a of list.stdout.split('\n')) {
    if (a === '' || a === 'busybox' || a.includes('/')) continue;
    if (!existsSync(`${bb}/bin/${a}`)) symlinkSync('busybox', `${bb}/bin/${a}`);
  }
  writeFileSync(`${bb}/etc/passwd`, 'root:x:0:0:root:/:/bin/sh\n');
  writeFileSync(`${bb}/etc/group`, 'root:x:0:\n');
  writeFileSync(`${bb}/www/index.html`, IMAGE_INDEX_HTML);
  await must('host', 'build busybox tarball', ['tar', '-C', bb, '-cf', `${tar}.new`, '.']);
  await must('host', 'build busybox tarball', ['mv', `${tar}.new`, tar]);
  rmSync(bb, { recursive: true, force: true });
  return tar;
}
