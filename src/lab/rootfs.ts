// Effects: the Debian 12 root filesystem of a bare lab (`flocker-lab up --bare`): what a fresh
// server with only Debian packages has, debootstrap'd once and shared read-only by every node
// (the overlay's lower layer). Cached under /var/lib/flocker-lab/_rootfs/, named by a hash of
// its package list: a changed list builds a new one.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { LAB_ROOT } from './names.js';
import { must, run, step, type Log } from './host.js';

export const SUITE = 'bookworm';
export const MIRROR = 'http://deb.debian.org/debian';
/** what a real node needs (docs/nodes.md), and nothing of this project */
export const ROOTFS_PACKAGES: readonly string[] = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'openssh-client',
  'docker.io',
  'zfs-fuse',
  'iptables',
  'iproute2',
  'procps',
  'nodejs',
  'ca-certificates',
  'busybox-static',
];
export const ROOTFS_DIR = `${LAB_ROOT}/_rootfs`;

/** Pure: the cache directory of a rootfs with these packages. */
export function rootfsPath(packages: readonly string[] = ROOTFS_PACKAGES): string {
  const key = createHash('sha256')
    .update(`${SUITE} ${MIRROR}\n${[...packages].sort().join(',')}\n`)
    .digest('hex')
    .slice(0, 12);
  return `${ROOTFS_DIR}/${SUITE}-${key}`;
}

/** Pure: the debootstrap argv (minbase + the packages). */
export function debootstrapArgv(target: string, packages: readonly string[] = ROOTFS_PACKAGES): string[] {
  return ['debootstrap', '--variant=minbase', `--include=${packages.join(',')}`, SUITE, target, MIRROR];
}

/** The rootfs, built if missing (~80 s with a fast mirror); older ones (other package lists) removed. */
export async function ensureRootfs(log: Log): Promise<string> {
  const dest = rootfsPath();
  if (existsSync(`${dest}/etc/os-release`)) return dest;
  if ((await run(['sh', '-c', 'command -v debootstrap'])).code !== 0)
    await step(log, 'apt-get install debootstrap', () =>
      must(
        'host',
        'apt-get install debootstrap',
        [
          'env',
          'DEBIAN_FRONTEND=noninteractive',
          'apt-get',
          'install',
          '-y',
          '-q',
          '--no-install-recommends',
          'debootstrap',
        ],
        { timeoutMs: 10 * 60_000 },
      ),
    );
  mkdirSync(ROOTFS_DIR, { recursive: true });
  const tmp = `${dest}.build-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await step(log, `debootstrap ${SUITE} rootfs (${ROOTFS_PACKAGES.join(' ')}) into ${dest}`, () =>
    must('host', 'debootstrap', debootstrapArgv(tmp), { timeoutMs: 20 * 60_000 }),
  );
  await must('host', 'clean apt cache', ['sh', '-c', `rm -f "$1"/var/cache/apt/archives/*.deb`, 'sh', tmp]);
  writeFileSync(`${tmp}/etc/flocker-lab-rootfs`, `${ROOTFS_PACKAGES.join(' ')}\n`);
  if (existsSync(`${dest}/etc/os-release`)) rmSync(tmp, { recursive: true, force: true });
  else renameSync(tmp, dest); // another lab may have built it meanwhile: keep theirs
  // older ones (another package list) may be the lower layer of a lab that is up: kept
  const others = readdirSync(ROOTFS_DIR).filter((d) => !d.startsWith('.') && `${ROOTFS_DIR}/${d}` !== dest);
  if (others.length) log(`[flocker-lab] older rootfs kept in ${ROOTFS_DIR}: ${others.join(' ')}`);
  return dest;
}
