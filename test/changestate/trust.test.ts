import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  applyTrust,
  authorizedKeyLine,
  ensurePeerKey,
  isTaggedLine,
  knownHostsHost,
  peerMasterArgv,
  peerMasterCheckArgv,
  peerSshArgv,
  renderKnownHosts,
  updateAuthorizedKeys,
} from '../../src/changestate/trust.js';
import type { PeerInfo } from '../../src/model/changestate-input.js';

const K1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1111111111111111111111111111111111111111111';
const K2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ2222222222222222222222222222222222222222222';
const H1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhost1host1host1host1host1host1host1host1hos';
const H2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhost2host2host2host2host2host2host2host2hos';

const peers: Record<string, PeerInfo> = {
  n1: { address: '198.51.100.2', port: 22, host_key: H1, peer_public_key: `${K1} flocker-peer` },
  n2: { address: '198.51.100.3', port: 2222, host_key: `${H2} root@n2`, peer_public_key: K2 },
};

describe('node trust', function () {
  it('renders known_hosts with exactly the verified keys of the other nodes', function () {
    expect(knownHostsHost('198.51.100.3', 22)).to.equal('198.51.100.3');
    expect(knownHostsHost('198.51.100.3', 2222)).to.equal('[198.51.100.3]:2222');
    expect(renderKnownHosts('n1', peers)).to.equal(`[198.51.100.3]:2222 ${H2}\n`);
    expect(renderKnownHosts('n3', peers)).to.equal(`198.51.100.2 ${H1}\n[198.51.100.3]:2222 ${H2}\n`);
    expect(() =>
      renderKnownHosts('x', { n: { address: '198.51.100.2', port: 22, host_key: 'bogus' } }),
    ).to.throw(/not an openssh public key/);
    expect(() => knownHostsHost('a b', 22)).to.throw(/address/);
    expect(() =>
      renderKnownHosts('x', { n: { address: '1.2.3.4', port: 22, host_key: `${H1}\n* ${H2}` } }),
    ).to.throw();
  });

  it('writes restricted, tagged authorized_keys lines and touches no other line', function () {
    expect(authorizedKeyLine('n2', K2)).to.equal(
      `restrict,command="flocker-changestate peer" ${K2} flocker-peer:n2`,
    );
    expect(() => authorizedKeyLine('n2', 'command="x" ssh-ed25519 AAAA')).to.throw();
    expect(() => authorizedKeyLine('bad name', K2)).to.throw();
    const existing = [
      '# admin keys',
      'ssh-ed25519 AAAAadmin admin@laptop',
      'restrict,command="flocker-changestate peer" ssh-ed25519 AAAAold flocker-peer:gone',
      '',
      'ssh-rsa AAAAother other flocker-peer-lookalike',
    ].join('\n');
    const out = updateAuthorizedKeys(`${existing}\n`, 'n1', peers);
    expect(out).to.equal(
      [
        '# admin keys',
        'ssh-ed25519 AAAAadmin admin@laptop',
        '',
        'ssh-rsa AAAAother other flocker-peer-lookalike',
        `restrict,command="flocker-changestate peer" ${K2} flocker-peer:n2`,
        '',
      ].join('\n'),
    );
    expect(isTaggedLine('ssh-ed25519 AAAA flocker-peer:n2')).to.equal(true);
    expect(isTaggedLine('ssh-ed25519 AAAA flocker-peerish')).to.equal(false);
    // idempotent
    expect(updateAuthorizedKeys(out, 'n1', peers)).to.equal(out);
    // peers gone -> tagged lines removed
    expect(updateAuthorizedKeys(out, 'n1', {})).to.not.include('flocker-peer:');
    expect(updateAuthorizedKeys('', 'n1', {})).to.equal('');
  });

  it('builds the push ssh argv with the peer key, the peer known_hosts and strict checking', function () {
    expect(
      peerSshArgv({ address: '198.51.100.3', port: 2222 }, 'snapshots web', { peerDir: '/x/peer' }),
    ).to.deep.equal([
      'ssh',
      '-o',
      'ControlPath=/x/peer/cm-x-%C',
      '-o',
      'ControlMaster=no',
      '-F',
      'none',
      '-i',
      '/x/peer/id_ed25519',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'UserKnownHostsFile=/x/peer/known_hosts',
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'ServerAliveInterval=5',
      '-o',
      'ServerAliveCountMax=3',
      '-p',
      '2222',
      '-l',
      'root',
      '--',
      '198.51.100.3',
      'snapshots web',
    ]);
    expect(
      peerMasterArgv({ address: '198.51.100.3', port: 22 }, { peerDir: '/x/peer' }).slice(0, 8),
    ).to.deep.equal([
      'ssh',
      '-M',
      '-N',
      '-f',
      '-o',
      'ControlPath=/x/peer/cm-x-%C',
      '-o',
      'ControlPersist=60',
    ]);
    expect(peerMasterArgv({ address: '198.51.100.3', port: 22 }).at(-1)).to.equal('198.51.100.3');
    // the check before opening a master uses the master's own socket, port and user (%C)
    const check = peerMasterCheckArgv({ address: '198.51.100.3', port: 2222 }, { peerDir: '/x/peer' });
    expect(check.slice(0, 5)).to.deep.equal(['ssh', '-o', 'ControlPath=/x/peer/cm-x-%C', '-O', 'check']);
    expect(check.slice(-6)).to.deep.equal(['-p', '2222', '-l', 'root', '--', '198.51.100.3']);
    expect(() => peerSshArgv({ address: '-oProxyCommand=x', port: 22 }, 'x')).to.throw(/address/);
    expect(() => peerSshArgv({ address: 'a;b', port: 22 }, 'x')).to.throw();
  });

  describe('on disk', function () {
    let dir: string;
    beforeEach(async function () {
      // a scratch dir under /var/lib when root (lab policy), else the OS temp dir
      const base = process.getuid?.() === 0 ? '/var/lib/flocker-test' : os.tmpdir();
      await fsp.mkdir(base, { recursive: true });
      dir = await fsp.mkdtemp(path.join(base, 'trust-'));
    });
    afterEach(async function () {
      await fsp.rm(dir, { recursive: true, force: true });
    });

    it('creates the push key once (dir 0700, key 0600) and returns the same public key', async function () {
      const opts = { peerDir: path.join(dir, 'peer') };
      const pub = await ensurePeerKey(opts);
      expect(pub).to.match(/^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
      expect((await fsp.stat(opts.peerDir)).mode & 0o777).to.equal(0o700);
      expect((await fsp.stat(path.join(opts.peerDir, 'id_ed25519'))).mode & 0o777).to.equal(0o600);
      expect(await ensurePeerKey(opts)).to.equal(pub);
    });

    it('applies trust: known_hosts 0600, authorized_keys 0600 with other lines kept', async function () {
      const ak = path.join(dir, 'ssh', 'authorized_keys');
      await fsp.mkdir(path.dirname(ak));
      await fsp.writeFile(ak, 'ssh-ed25519 AAAAadmin admin\n', { mode: 0o644 });
      const opts = { peerDir: path.join(dir, 'peer'), authorizedKeys: ak };
      const r = await applyTrust('n1', peers, opts);
      expect(r).to.deep.equal({ knownHosts: ['n2'], authorized: ['n2'] });
      expect(await fsp.readFile(path.join(dir, 'peer', 'known_hosts'), 'utf8')).to.equal(
        `[198.51.100.3]:2222 ${H2}\n`,
      );
      expect(await fsp.readFile(ak, 'utf8')).to.equal(
        `ssh-ed25519 AAAAadmin admin\nrestrict,command="flocker-changestate peer" ${K2} flocker-peer:n2\n`,
      );
      expect((await fsp.stat(ak)).mode & 0o777).to.equal(0o600);
      expect((await fsp.stat(path.join(dir, 'peer', 'known_hosts'))).mode & 0o777).to.equal(0o600);
      // a malformed peer changes nothing
      const before = await fsp.readFile(ak, 'utf8');
      let failed = false;
      try {
        await applyTrust(
          'n1',
          { n9: { address: '198.51.100.9', port: 22, host_key: H1, peer_public_key: 'junk' } },
          opts,
        );
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
      expect(await fsp.readFile(ak, 'utf8')).to.equal(before);
    });
  });
});
