import { expect } from 'chai';
import {
  hostKeyOf,
  renderDeployment,
  renderHosts,
  renderKnownHosts,
  renderPoolImportUnit,
  renderRwUnit,
  renderSshConfig,
  renderSshdDropIn,
  renderWrapper,
  renderZfsFuseUnit,
} from '../../src/lab/render.js';

const nodes = [
  { name: 'n1', address: '198.51.100.2' },
  { name: 'n2', address: '198.51.100.3' },
];

describe('lab renderers', () => {
  it('/etc/hosts names every node and the lab host', () => {
    expect(renderHosts('n2', nodes, '198.51.100.1')).to.equal(
      '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 n2\n198.51.100.2 n1\n198.51.100.3 n2\n198.51.100.1 labhost\n',
    );
  });

  it('ssh config: aliases n1..nN, root, the lab key, strict host keys', () => {
    const cfg = renderSshConfig(nodes, {
      keyPath: '/var/lib/flocker-lab/x/ssh/id_ed25519',
      knownHosts: '/var/lib/flocker-lab/x/ssh/known_hosts',
      sshConfig: '/var/lib/flocker-lab/x/ssh/config',
    });
    expect(cfg).to.contain('Host n1\n  HostName 198.51.100.2\n  User root\n');
    expect(cfg).to.contain('Host n2\n  HostName 198.51.100.3\n');
    expect(cfg.match(/StrictHostKeyChecking yes/g)).to.have.length(2);
    expect(cfg.match(/IdentitiesOnly yes/g)).to.have.length(2);
    expect(cfg).to.contain('UserKnownHostsFile /var/lib/flocker-lab/x/ssh/known_hosts');
    expect(cfg).to.contain('IdentityFile /var/lib/flocker-lab/x/ssh/id_ed25519');
    expect(cfg).not.to.contain('Host *');
  });

  it('known_hosts lists alias and address with the key', () => {
    expect(renderKnownHosts([{ ...nodes[0]!, hostKey: 'ssh-ed25519 AAAA' }])).to.equal(
      'n1,198.51.100.2 ssh-ed25519 AAAA\n',
    );
    expect(hostKeyOf('ssh-ed25519 AAAAC3 n1\n')).to.equal('ssh-ed25519 AAAAC3');
  });

  it('deployment.yml in Flocker format', () => {
    expect(renderDeployment(nodes)).to.equal('version: 1\nnodes:\n  n1: []\n  n2: []\n');
  });

  it('sshd: root by key only', () => {
    const d = renderSshdDropIn();
    expect(d).to.contain('PermitRootLogin prohibit-password\n');
    expect(d).to.contain('PasswordAuthentication no\n');
    expect(d).to.contain('HostKey /etc/ssh/ssh_host_ed25519_key\n');
  });

  it('wrappers run the project code from the read-only bind', () => {
    expect(renderWrapper('flocker-reportstate')).to.equal(
      '#!/bin/sh\nexec /usr/bin/node /opt/flocker/dist/bin/flocker-reportstate.js "$@"\n',
    );
  });

  it('units: rw remount early, zfs-fuse without the Debian wrapper, pool import before docker', () => {
    expect(renderRwUnit()).to.match(
      /Before=sysinit\.target containerd\.service docker\.service zfs-fuse\.service/,
    );
    expect(renderRwUnit()).to.contain('remount,bind,rw /proc/sys/net');
    expect(renderZfsFuseUnit()).to.contain('ExecStart=/usr/sbin/zfs-fuse --no-daemon');
    const imp = renderPoolImportUnit();
    expect(imp).to.contain('After=zfs-fuse.service');
    expect(imp).to.match(/Before=docker\.service .*multi-user\.target/);
    expect(imp).to.contain('zpool import -d /var/lib/flocker-zfs flocker');
    expect(imp).to.contain('zfs mount -a');
    expect(imp).to.contain('WantedBy=multi-user.target');
  });
});
