// Pure: the content of every file flocker-lab writes, into a node or into its state dir.

export interface RenderNode {
  readonly name: string; // n1
  readonly address: string;
}

export const ZFS_DIR = '/var/lib/flocker-zfs';
export const POOL = 'flocker';
export const POOL_FILE = `${ZFS_DIR}/flocker.img`;
export const PROJECT_MOUNT = '/opt/flocker';
export const NODE_PROGRAMS: readonly string[] = ['flocker-reportstate', 'flocker-changestate'];

/** units of the host image that make no sense inside a node (masked) */
export const MASKED_UNITS: readonly string[] = [
  'postgresql.service',
  'apparmor.service',
  'e2scrub_reap.service',
  'e2scrub_all.timer',
  'getty@tty1.service',
  'console-getty.service',
  'systemd-timesyncd.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer',
  'fstrim.timer',
  'man-db.timer',
  'systemd-networkd-wait-online.service',
  'networking.service',
  'systemd-resolved.service',
  'systemd-pstore.service',
];

export function renderHostname(node: string): string {
  return `${node}\n`;
}

export function renderHosts(self: string, nodes: readonly RenderNode[], bridgeAddress: string): string {
  return [
    '127.0.0.1 localhost',
    '::1 localhost ip6-localhost ip6-loopback',
    `127.0.1.1 ${self}`,
    ...nodes.map((n) => `${n.address} ${n.name}`),
    `${bridgeAddress} labhost`,
    '',
  ].join('\n');
}

export function renderFstab(node: string): string {
  return `# flocker-lab node ${node}\n`;
}

export function renderSshdDropIn(): string {
  return [
    "# flocker-lab: root by key only, this node's own host key",
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UseDNS no',
    'MaxStartups 100:30:200',
    '',
  ].join('\n');
}

/**
 * nspawn mounts the v1 cgroup controllers and /proc/sys read-only: runc must create cgroups and
 * the product sets net sysctls (ip_forward), so remount them rw early (no userns: allowed).
 */
export function renderRwUnit(): string {
  return `[Unit]
Description=flocker-lab: writable cgroup hierarchies and /proc/sys/net
DefaultDependencies=no
Before=sysinit.target containerd.service docker.service zfs-fuse.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'mount -o remount,rw /sys/fs/cgroup; for d in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$d"; done'
ExecStart=/bin/sh -c 'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net'

[Install]
WantedBy=sysinit.target
`;
}

/** Debian's zfs-fuse wrapper needs CAP_SYS_RESOURCE (absent here): run the daemon directly. */
export function renderZfsFuseUnit(): string {
  return `[Unit]
Description=ZFS FUSE daemon (flocker-lab)
DefaultDependencies=no
After=local-fs.target flab-container-rw.service
Before=sysinit.target shutdown.target
Conflicts=shutdown.target

[Service]
Type=simple
ExecStartPre=/bin/mkdir -p /var/run/zfs /var/lock/zfs
ExecStart=/usr/sbin/zfs-fuse --no-daemon --pidfile /run/zfs-fuse.pid
ExecStartPost=/bin/sh -c 'i=0; while [ ! -S /var/run/zfs/zfs_socket ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done'
ExecStop=-/usr/sbin/zfs unmount -a
TimeoutStopSec=30

[Install]
WantedBy=sysinit.target
`;
}

/** zpool.cache is removed, so a (re)booted node imports its own pool from its pool dir. */
export function renderPoolImportUnit(): string {
  return `[Unit]
Description=flocker-lab: import the ${POOL} pool and mount its datasets
DefaultDependencies=no
Wants=zfs-fuse.service
After=zfs-fuse.service
Before=docker.service containerd.service multi-user.target shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'if [ -s ${POOL_FILE} ] && ! /usr/sbin/zpool list ${POOL} >/dev/null 2>&1; then /usr/sbin/zpool import -d ${ZFS_DIR} ${POOL} || true; fi; /usr/sbin/zfs mount -a || true'

[Install]
WantedBy=multi-user.target
`;
}

export const RW_UNIT = 'flab-container-rw.service';
export const ZFS_UNIT = 'zfs-fuse.service';
export const IMPORT_UNIT = 'flab-zpool-import.service';

/** /usr/local/bin wrapper running the project's node-side program from the read-only bind */
export function renderWrapper(program: string): string {
  return `#!/bin/sh\nexec /usr/bin/node ${PROJECT_MOUNT}/dist/bin/${program}.js "$@"\n`;
}

export function renderSshConfig(
  nodes: readonly RenderNode[],
  paths: { keyPath: string; knownHosts: string; sshConfig: string },
): string {
  const lines = [`# flocker-lab; use: ssh -F ${paths.sshConfig} n1`];
  for (const n of nodes) {
    lines.push(
      `Host ${n.name}`,
      `  HostName ${n.address}`,
      '  User root',
      `  IdentityFile ${paths.keyPath}`,
      `  UserKnownHostsFile ${paths.knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  IdentitiesOnly yes',
      '  LogLevel ERROR',
      '  ConnectTimeout 5',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** hostKey = "ssh-ed25519 AAAA..." (type and key, no comment) */
export function renderKnownHosts(nodes: readonly (RenderNode & { hostKey: string })[]): string {
  return nodes.map((n) => `${n.name},${n.address} ${n.hostKey}\n`).join('');
}

export function renderDeployment(nodes: readonly RenderNode[]): string {
  return `version: 1\nnodes:\n${nodes.map((n) => `  ${n.name}: []\n`).join('')}`;
}

/** "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA..." */
export function hostKeyOf(pubLine: string): string {
  return pubLine.trim().split(/\s+/).slice(0, 2).join(' ');
}
