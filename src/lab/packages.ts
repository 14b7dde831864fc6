// Effects: install the Debian packages a lab needs on the host (their binaries form every
// node's root: the node root is an overlay over the host's /).
import { run, must, type Log, step } from './host.js';

export const REQUIRED_PACKAGES: Readonly<Record<string, string>> = {
  'systemd-container': 'systemd-nspawn boots each node',
  'docker.io': 'dockerd/containerd run inside every node',
  'zfs-fuse': 'each node has a ZFS pool (zfs-fuse, no kernel module needed)',
  'openssh-server': 'sshd in every node (the product deploys over ssh)',
  'openssh-client': 'ssh/ssh-keygen for the lab key and host keys',
  iptables: 'iptables (nft) in each node and the host FORWARD rule',
  'busybox-static': 'the offline busybox:latest docker image',
  iproute2: 'bridge, veth and network namespaces',
};

export async function missingPackages(): Promise<string[]> {
  const names = Object.keys(REQUIRED_PACKAGES);
  const r = await run(['dpkg-query', '-W', '-f', '${Package} ${db:Status-Status}\n', ...names]);
  const installed = new Set(
    r.stdout
      .split('\n')
      .map((l) => l.split(' '))
      .filter(([, st]) => st === 'installed')
      .map(([p]) => p),
  );
  return names.filter((n) => !installed.has(n));
}

export async function ensurePackages(log: Log): Promise<void> {
  const missing = await missingPackages();
  if (missing.length === 0) return;
  log(
    `[flocker-lab] installing missing Debian packages with apt-get (node roots are an overlay of this host's /):`,
  );
  for (const p of missing) log(`  ${p}: ${REQUIRED_PACKAGES[p]}`);
  const env = { timeoutMs: 15 * 60_000 };
  await step(log, 'apt-get update', () => must('host', 'apt-get update', ['apt-get', 'update', '-q'], env));
  await step(log, `apt-get install ${missing.join(' ')}`, () =>
    must(
      'host',
      'apt-get install',
      [
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '-q',
        '--no-install-recommends',
        ...missing,
      ],
      env,
    ),
  );
}
