// Pure: the systemd-nspawn argv that boots one node, and the launcher wrapped around it.
import { PROJECT_MOUNT, ZFS_DIR } from './render.js';
import { LAB_ROOT } from './names.js';

export interface NspawnSpec {
  readonly machine: string;
  readonly hostname: string;
  readonly root: string;
  readonly netns: string;
  readonly dockerDir: string;
  readonly containerdDir: string;
  readonly zfsDir: string;
  /** bind-mounted read-only at /opt/flocker (none: a bare node) */
  readonly projectRoot?: string;
}

export function nspawnArgv(s: NspawnSpec): string[] {
  return [
    'systemd-nspawn',
    '--quiet',
    '--boot',
    // no host systemd (PID 1 is not systemd): no machined registration, stay in our cgroup
    '--register=no',
    '--keep-unit',
    `--machine=${s.machine}`,
    `--hostname=${s.hostname}`,
    `--directory=${s.root}`,
    `--network-namespace-path=/run/netns/${s.netns}`,
    '--capability=all',
    // runc needs keyctl (session keyring) and bpf (device cgroup on v2)
    '--system-call-filter=@keyring bpf',
    '--bind=/dev/fuse',
    // docker storage must be a plain ext4 dir (overlay-on-overlay: EXDEV)
    `--bind=${s.dockerDir}:/var/lib/docker`,
    `--bind=${s.containerdDir}:/var/lib/containerd`,
    `--bind=${s.zfsDir}:${ZFS_DIR}`,
    ...(s.projectRoot !== undefined ? [`--bind-ro=${s.projectRoot}:${PROJECT_MOUNT}`] : []),
    // a systemd booted over the host /tmp would wipe it; the lab state (keys of every lab)
    // is visible through the lower layer: hide it
    '--tmpfs=/tmp',
    '--tmpfs=/var/tmp',
    `--tmpfs=${LAB_ROOT}:mode=0700`,
    '--console=pipe',
  ];
}

/**
 * Fixed launcher: moves itself into each cgroup.procs file given, then execs the command.
 * argv: sh -c SCRIPT sh <count> <procs files...> <command...>  (no input reaches the script text)
 */
export const CGROUP_LAUNCHER =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 97; shift; n=$((n-1)); done; exec "$@"';

export function launcherArgv(procsFiles: readonly string[], command: readonly string[]): string[] {
  return ['/bin/sh', '-c', CGROUP_LAUNCHER, 'sh', String(procsFiles.length), ...procsFiles, ...command];
}

export interface CgroupLine {
  readonly id: string;
  readonly controllers: string;
  readonly path: string;
}

export function parseProcCgroup(text: string): CgroupLine[] {
  const out: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [id, controllers, ...rest] = line.split(':');
    if (id === undefined || controllers === undefined) continue;
    out.push({ id, controllers, path: rest.join(':') });
  }
  return out;
}

/**
 * Mount point of each hierarchy of /proc/self/cgroup (v1 controllers, name=systemd, and the
 * v2 unified one). `unifiedAt` = where the v2 hierarchy is mounted ("/sys/fs/cgroup" on a pure
 * v2 host, "/sys/fs/cgroup/unified" on hybrid, undefined if absent).
 */
export function cgroupDirs(
  lines: readonly CgroupLine[],
  leaf: string,
  unifiedAt: string | undefined,
): { hierarchy: string; dir: string }[] {
  const out: { hierarchy: string; dir: string }[] = [];
  for (const l of lines) {
    let mnt: string | undefined;
    if (l.controllers === '') mnt = unifiedAt;
    else if (l.controllers.startsWith('name=')) mnt = `/sys/fs/cgroup/${l.controllers.slice(5)}`;
    else mnt = `/sys/fs/cgroup/${l.controllers}`;
    if (mnt === undefined) continue;
    const base = l.path === '/' ? '' : l.path.replace(/\/$/, '');
    out.push({ hierarchy: mnt, dir: `${mnt}${base}/${leaf}` });
  }
  return out;
}
