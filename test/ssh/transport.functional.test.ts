// Functional test of the SSH transport against a REAL sshd on 127.0.0.1 (needs root and
// /usr/sbin/sshd). Skipped with a loud warning otherwise, unless CI=true (then it fails).
// State lives under /var/lib/flocker-test/ssh-<pid>/; sshd (and ssh-agent) are killed by pid.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { NodeError } from '../../src/errors.js';
import { AggregateNodeError, SSH_ERROR_CODES, connectAll, runAll } from '../../src/ssh/index.js';
import type { ConnectOptions, NodeConnection } from '../../src/ssh/index.js';
import { hashKnownHostsName } from '../../src/ssh/known-hosts.js';

const SSHD = '/usr/sbin/sshd';

function canRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync(SSHD)) return `${SSHD} is missing`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}`);
}

async function expectConnectError(nodes: string[], opts: ConnectOptions): Promise<AggregateNodeError> {
  try {
    const conns = await connectAll(nodes, opts);
    for (const c of conns.values()) c.close();
  } catch (e) {
    expect(e).to.be.instanceOf(AggregateNodeError);
    return e as AggregateNodeError;
  }
  throw new Error('expected connectAll to fail');
}

function keygen(file: string, type = 'ed25519', passphrase = ''): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'flocker-test', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

describe('ssh transport (functional, real sshd)', function () {
  this.timeout(60_000);
  const dir = `/var/lib/flocker-test/ssh-${process.pid}`;
  const p = (f: string): string => path.join(dir, f);
  let sshd: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  let port = 0;
  let hostPub = '';
  let otherHostPub = '';
  let base: ConnectOptions;

  /** write a known_hosts file under dir, return its path */
  const knownHosts = (name: string, text: string): string => {
    writeFileSync(p(name), text);
    return p(name);
  };
  /** write an ssh config under dir, return its path */
  const sshConfig = (name: string, text: string): string => {
    writeFileSync(p(name), text);
    return p(name);
  };

  before(async function () {
    const why = canRun();
    if (why) {
      const msg = `\n!!!!! SKIPPING ssh transport functional tests: ${why} !!!!!\n`;
      if (process.env['CI'] === 'true')
        throw new Error(`CI=true but cannot run ssh functional tests: ${why}`);
      console.warn(msg);
      this.skip();
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation dir
    hostPub = keygen(p('host_ed25519'));
    otherHostPub = keygen(p('other_host_ed25519'));
    const clientPub = keygen(p('client_ed25519'));
    keygen(p('client_unauthorized'));
    const encPub = keygen(p('client_encrypted'), 'ed25519', 'secret passphrase');
    writeFileSync(p('authorized_keys'), `${clientPub}\n${encPub}\n`);
    port = await freePort();
    mkdirSync(p('home'), { recursive: true });
    writeFileSync(
      p('sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${p('host_ed25519')}`,
        `PidFile ${p('sshd.pid')}`,
        `AuthorizedKeysFile ${p('authorized_keys')}`,
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'MaxSessions 10',
        // sessions run the login shell, which reads $HOME/.bashrc: this machine's own (pyenv
        // init and rehash under a lock) made 48 parallel commands take over 30 s
        `SetEnv HOME=${p('home')}`,
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    sshd = spawn(SSHD, ['-D', '-e', '-f', p('sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let sshdErr = '';
    sshd.stderr?.on('data', (b: Buffer) => (sshdErr += b.toString()));
    try {
      await waitForPort(port, sshd);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${sshdErr}`, { cause: e });
    }
    // node name 127.0.0.1 and localhost reach our sshd through this config
    const cfg = sshConfig(
      'ssh_config',
      [
        'Host lab-alias',
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        '  User root',
        `  IdentityFile ${p('client_ed25519')}`,
        '  IdentitiesOnly yes',
        'Host 127.0.0.1 localhost',
        `  Port ${port}`,
        '  User root',
        '',
      ].join('\n'),
    );
    base = {
      sshConfigPath: cfg,
      knownHostsPaths: [knownHosts('known_hosts', `[127.0.0.1]:${port} ${hostPub}\n`)],
      identityFiles: [p('client_ed25519')],
      agentSocket: '',
      home: dir,
      connectTimeoutMs: 5000,
    };
  });

  after(() => {
    for (const child of [sshd, agent]) {
      if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    }
    if (canRun() === undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('with one connection', () => {
    let conn: NodeConnection;
    before(async () => {
      const conns = await connectAll(['127.0.0.1'], base);
      conn = conns.get('127.0.0.1') as NodeConnection;
    });
    after(() => conn?.close());

    it('exposes node, address, port, user and the verified host key', () => {
      expect(conn.node).to.equal('127.0.0.1');
      expect(conn.host).to.equal('127.0.0.1');
      expect(conn.address).to.equal('127.0.0.1');
      expect(conn.port).to.equal(port);
      expect(conn.user).to.equal('root');
      expect(conn.hostKey).to.equal(hostPub);
    });

    it('runs argv with exit code, stdout and stderr', async () => {
      const r = await conn.run(['sh', '-c', 'echo "out $1"; echo err >&2; exit 3', 'sh', "it's $HOME"]);
      expect(r).to.deep.equal({ code: 3, stdout: "out it's $HOME\n", stderr: 'err\n' });
      const ok = await conn.run(['true']);
      expect(ok.code).to.equal(0);
      const missing = await conn.run(['no-such-command-flocker']);
      expect(missing.code).to.equal(127);
    });

    it('feeds stdin', async () => {
      const r = await conn.run(['cat'], { stdin: 'hello\nworld\n' });
      expect(r.stdout).to.equal('hello\nworld\n');
    });

    it('round-trips 1 MiB through cat, text and binary', async () => {
      const text = randomBytes(768 * 1024).toString('base64'); // 1 MiB of text
      expect(text.length).to.equal(1024 * 1024);
      const r = await conn.run(['cat'], { stdin: text });
      expect(r.code).to.equal(0);
      expect(r.stdout.length).to.equal(text.length);
      expect(r.stdout === text).to.equal(true);
      const bin = randomBytes(1024 * 1024);
      const sum = await conn.run(['sha256sum'], { stdin: bin });
      expect(sum.stdout.split(' ')[0]).to.equal(createHash('sha256').update(bin).digest('hex'));
    });

    it('streams stdout lines to onStdoutLine and still collects stdout', async () => {
      const lines: string[] = [];
      const r = await conn.run(['sh', '-c', 'echo a; echo; printf "ünï\\n"; printf c'], {
        onStdoutLine: (l) => lines.push(l),
      });
      expect(lines).to.deep.equal(['a', '', 'ünï', 'c']);
      expect(r.stdout).to.equal('a\n\nünï\nc');
    });

    // bench/ssh-channels runs this scenario FLOCKER_TRANSPORT_REPEAT times in a row
    const repeat = Number(process.env.FLOCKER_TRANSPORT_REPEAT ?? '1');
    it('runs commands in parallel over the one connection (8 at once), queueing the rest', async function () {
      this.timeout(30_000 * repeat);
      for (let round = 0; round < repeat; round++) await eightAtOnce(round);
    });

    async function eightAtOnce(round: number): Promise<void> {
      const barrier = `/var/lib/flocker-test/ssh-${process.pid}/barrier-${round}`;
      mkdirSync(barrier, { recursive: true });
      // each of 8 commands waits until all 8 have started: proves 8 channels run at once
      const script =
        'touch "$1/m.$2"; i=0; while [ "$(ls "$1" | wc -l)" -lt 8 ]; do i=$((i+1)); ' +
        '[ $i -gt 200 ] && exit 1; sleep 0.05; done; echo "$2"';
      const waiting = Array.from({ length: 8 }, (_, i) =>
        conn.run(['sh', '-c', script, 'sh', barrier, String(i)]),
      );
      // and 40 more beyond sshd's MaxSessions 10: they wait in the queue
      const quick = Array.from({ length: 40 }, (_, i) => conn.run(['echo', String(i)]));
      const results = await Promise.all([...waiting, ...quick]);
      expect(results.slice(0, 8).map((r) => [r.code, r.stdout])).to.deep.equal(
        Array.from({ length: 8 }, (_, i) => [0, `${i}\n`]),
      );
      expect(results.slice(8).map((r) => r.stdout)).to.deep.equal(
        Array.from({ length: 40 }, (_, i) => `${i}\n`),
      );
    }

    it('times a command out (code null, stderr says so) and kills it on the node', async () => {
      const marker = `flocker-timeout-${process.pid}`;
      const r = await conn.run(['sh', '-c', 'sleep 30; echo done', marker], { timeoutMs: 300 });
      expect(r.stderr).to.contain('timed out after 300 ms');
      expect(r.code).to.equal(null);
      const left = await conn.run(['pgrep', '-f', marker]);
      expect(left.code).to.equal(1, `still running: ${left.stdout}`);
      expect((await conn.run(['echo', 'still usable'])).stdout).to.equal('still usable\n');
    });
  });

  it('resolves a host name once to an address and checks known_hosts by the address too', async () => {
    const conns = await connectAll(['localhost'], base);
    const c = conns.get('localhost') as NodeConnection;
    try {
      expect(c.address).to.equal('127.0.0.1');
      expect(c.host).to.equal('localhost');
      expect((await c.run(['echo', 'hi'])).stdout).to.equal('hi\n');
    } finally {
      c.close();
    }
  });

  it('uses an ssh config alias: HostName, Port, User, IdentityFile, IdentitiesOnly', async () => {
    const conns = await connectAll(['lab-alias'], { ...base, identityFiles: [] });
    const c = conns.get('lab-alias') as NodeConnection;
    try {
      expect([c.address, c.port, c.user]).to.deep.equal(['127.0.0.1', port, 'root']);
      expect((await c.run(['id', '-u'])).stdout).to.equal('0\n');
    } finally {
      c.close();
    }
  });

  it('accepts a hashed known_hosts entry (hashed by ssh-keygen -H) and a [127.0.0.1]:PORT entry', async () => {
    const kh = knownHosts('known_hosts_hashed', `[127.0.0.1]:${port} ${hostPub}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    expect(readFileSync(kh, 'utf8')).to.match(/^\|1\|/);
    const conns = await connectAll(['127.0.0.1'], { ...base, knownHostsPaths: [kh] });
    conns.get('127.0.0.1')?.close();
    // and one hashed by our own function
    const own = `${hashKnownHostsName(`[127.0.0.1]:${port}`, randomBytes(20))} ${hostPub}\n`;
    const conns2 = await connectAll(['127.0.0.1'], { ...base, knownHostsPaths: [knownHosts('kh_own', own)] });
    conns2.get('127.0.0.1')?.close();
  });

  it('refuses an unknown host key, giving type, SHA256 fingerprint and how to accept it', async () => {
    const err = await expectConnectError(['127.0.0.1'], {
      ...base,
      knownHostsPaths: [knownHosts('empty', `127.0.0.1 ${hostPub}\n`)], // port 22 entry only: not ours
    });
    const fp = execFileSync('ssh-keygen', ['-lf', p('host_ed25519.pub')])
      .toString()
      .split(' ')[1];
    expect(fp).to.match(/^SHA256:/);
    const e = err.errors[0] as NodeError;
    expect(e.code).to.equal(SSH_ERROR_CODES.hostKeyUnknown);
    expect(e.source).to.equal('system'); // found after contact: exit 1, not bad input
    expect(err.source).to.equal('system');
    expect(e.message).to.contain(`ssh-ed25519 ${fp}`);
    expect(e.message).to.contain(`ssh-keyscan -p ${port} -t ssh-ed25519 127.0.0.1 >>`);
  });

  it('still refuses an unknown key when the ssh config says StrictHostKeyChecking no, and says so', async () => {
    const cfg = sshConfig(
      'ssh_config_nostrict',
      `Host 127.0.0.1\n  Port ${port}\n  User root\n  StrictHostKeyChecking no\n`,
    );
    const err = await expectConnectError(['127.0.0.1'], {
      ...base,
      sshConfigPath: cfg,
      knownHostsPaths: [knownHosts('empty2', '')],
    });
    expect(err.errors[0]?.code).to.equal(SSH_ERROR_CODES.hostKeyUnknown);
    expect(err.message).to.contain(`"StrictHostKeyChecking no" (set in ${cfg}:4) is ignored`);
  });

  it('refuses a changed host key, naming the known_hosts file and line', async () => {
    const kh = knownHosts('known_hosts_changed', `# old key\n[127.0.0.1]:${port} ${otherHostPub}\n`);
    const err = await expectConnectError(['127.0.0.1'], { ...base, knownHostsPaths: [kh] });
    expect(err.errors[0]?.code).to.equal(SSH_ERROR_CODES.hostKeyChanged);
    expect(err.message).to.contain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(err.message).to.contain(`${kh}:2`);
  });

  it('refuses a @revoked host key', async () => {
    const kh = knownHosts('known_hosts_revoked', `[127.0.0.1]:${port} ${hostPub}\n@revoked * ${hostPub}\n`);
    const err = await expectConnectError(['127.0.0.1'], { ...base, knownHostsPaths: [kh] });
    expect(err.errors[0]?.code).to.equal(SSH_ERROR_CODES.hostKeyRevoked);
  });

  it('reports a refused connection clearly (system error)', async () => {
    const closed = await freePort();
    const cfg = sshConfig(
      'ssh_config_closed',
      `Host closed\n  HostName 127.0.0.1\n  Port ${closed}\n  User root\n`,
    );
    const err = await expectConnectError(['closed'], { ...base, sshConfigPath: cfg });
    expect(err.errors[0]?.code).to.equal(SSH_ERROR_CODES.connect);
    expect(err.source).to.equal('system');
    expect(err.message).to.contain(`closed: connection refused by 127.0.0.1 port ${closed} (ECONNREFUSED)`);
  });

  it('times out when nothing speaks SSH on the port (ConnectTimeout from the config)', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((s) => accepted.push(s)); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const addr = silent.address();
    const silentPort = typeof addr === 'object' && addr ? addr.port : 0;
    const cfg = sshConfig(
      'ssh_config_silent',
      `Host silent\n  HostName 127.0.0.1\n  Port ${silentPort}\n  User root\n  ConnectTimeout 1\n`,
    );
    try {
      const opts: ConnectOptions = { ...base, sshConfigPath: cfg };
      delete (opts as { connectTimeoutMs?: number }).connectTimeoutMs;
      const err = await expectConnectError(['silent'], opts);
      expect(err.errors[0]?.code).to.equal(SSH_ERROR_CODES.timeout);
      expect(err.message).to.contain('timed out after 1000 ms');
    } finally {
      for (const s of accepted) s.destroy();
      silent.close();
    }
  });

  it('reports authentication failure with the identities tried', async () => {
    const err = await expectConnectError(['127.0.0.1'], {
      ...base,
      identityFiles: [p('client_unauthorized')],
    });
    expect(err.errors[0]?.code).to.equal(SSH_ERROR_CODES.auth);
    expect(err.message).to.contain('ssh authentication as root on 127.0.0.1');
    expect(err.message).to.contain('client_unauthorized (ssh-ed25519)');
  });

  it('refuses an encrypted key without an agent, saying how to fix it', async () => {
    const err = await expectConnectError(['127.0.0.1'], { ...base, identityFiles: [p('client_encrypted')] });
    expect(err.errors[0]?.code).to.equal(SSH_ERROR_CODES.key);
    expect(err.message).to.contain('client_encrypted is encrypted');
    expect(err.message).to.contain('ssh-add');
  });

  it('authenticates through ssh-agent holding the encrypted key', async () => {
    const sock = p('agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    writeFileSync(p('askpass.sh'), '#!/bin/sh\necho "secret passphrase"\n', { mode: 0o700 });
    execFileSync('ssh-add', [p('client_encrypted')], {
      env: {
        ...process.env,
        SSH_AUTH_SOCK: sock,
        SSH_ASKPASS: p('askpass.sh'),
        SSH_ASKPASS_REQUIRE: 'force',
        DISPLAY: ':0',
      },
      stdio: 'ignore',
    });
    const conns = await connectAll(['127.0.0.1'], {
      ...base,
      agentSocket: sock,
      identityFiles: [p('client_encrypted')],
    });
    const c = conns.get('127.0.0.1') as NodeConnection;
    expect((await c.run(['echo', 'via agent'])).stdout).to.equal('via agent\n');
    c.close();
  });

  it('connectAll lists every failed node and closes the ones that connected; runAll runs per node', async () => {
    const closed = await freePort();
    const cfg = sshConfig(
      'ssh_config_mixed',
      [
        'Host closed-a closed-b',
        '  HostName 127.0.0.1',
        `  Port ${closed}`,
        'Host *',
        `  Port ${port}`,
        '  User root',
        '',
      ].join('\n'),
    );
    const err = await expectConnectError(['127.0.0.1', 'closed-a', 'closed-b'], {
      ...base,
      sshConfigPath: cfg,
    });
    expect(err.hosts).to.deep.equal(['closed-a', 'closed-b']);
    expect(err.message).to.match(/^cannot connect to every node: 2 of 3 nodes failed/);

    const conns = await connectAll(['127.0.0.1', 'localhost', '127.0.0.1'], { ...base, sshConfigPath: cfg });
    try {
      expect([...conns.keys()]).to.deep.equal(['127.0.0.1', 'localhost']);
      const out = await runAll(conns, async (c) => (await c.run(['echo', c.node])).stdout.trim(), 2);
      expect([...out.entries()]).to.deep.equal([
        ['127.0.0.1', '127.0.0.1'],
        ['localhost', 'localhost'],
      ]);
    } finally {
      for (const c of conns.values()) c.close();
    }
  });

  it('fails commands on a closed connection with a NodeError naming the node', async () => {
    const conns = await connectAll(['127.0.0.1'], base);
    const c = conns.get('127.0.0.1') as NodeConnection;
    const running = c.run(['sleep', '5']);
    await new Promise((r) => setTimeout(r, 200));
    c.close();
    for (const pending of [running, c.run(['true'])]) {
      try {
        await pending;
        expect.fail('should have failed');
      } catch (e) {
        expect(e).to.be.instanceOf(NodeError);
        expect((e as NodeError).code).to.equal(SSH_ERROR_CODES.connectionLost);
        expect((e as NodeError).message).to.match(/^127\.0\.0\.1: ssh connection lost/);
      }
    }
  });
});
