import { expect } from 'chai';
import { ROOTFS_DIR, ROOTFS_PACKAGES, debootstrapArgv, rootfsPath } from '../../src/lab/rootfs.js';

describe('lab rootfs (flocker-lab up --bare)', () => {
  it('Debian packages only: what docs/nodes.md asks of a real node', () => {
    for (const p of ['openssh-server', 'docker.io', 'zfs-fuse', 'iptables', 'nodejs', 'systemd'])
      expect(ROOTFS_PACKAGES).to.include(p);
    const argv = debootstrapArgv('/x');
    expect(argv.slice(0, 2)).to.deep.equal(['debootstrap', '--variant=minbase']);
    expect(argv[2]).to.equal(`--include=${ROOTFS_PACKAGES.join(',')}`);
    expect(argv.slice(3, 5)).to.deep.equal(['bookworm', '/x']);
  });

  it('cached under /var/lib/flocker-lab/_rootfs by package list: another list, another rootfs', () => {
    expect(rootfsPath().startsWith(`${ROOTFS_DIR}/bookworm-`)).to.equal(true);
    expect(rootfsPath([...ROOTFS_PACKAGES].reverse())).to.equal(rootfsPath());
    expect(rootfsPath([...ROOTFS_PACKAGES, 'curl'])).to.not.equal(rootfsPath());
  });
});
