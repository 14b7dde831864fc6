// Every built bin as a user runs it: --version, --help, a reader that goes away (EPIPE), Ctrl-C
// and SIGTERM during a deploy (exit 130/143, a message, sessions closed), and a refused host
// key after contact (exit 1, not "bad input").
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const BINS = [
  'flocker',
  'flocker-deploy',
  'flocker-reportstate',
  'flocker-changestate',
  'flocker-lab',
] as const;
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a built bin; `during` gets the child once it runs (to signal it). */
function run(
  bin: string,
  args: readonly string[],
  during?: (p: ReturnType<typeof spawn>) => void,
): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.CI;
    const p = spawn(process.execPath, [`dist/bin/${bin}.js`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 }));
    during?.(p);
  });
}

describe('the bins (built, spawned)', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flocker-bins-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // each check runs on the four bins at once (a node start-up each: keeps the suite quick)
  it('--version on every bin prints the package version (exit 0)', async () => {
    const rs = await Promise.all(BINS.map((bin) => run(bin, ['--version'])));
    rs.forEach((r, i) =>
      expect(r, BINS[i]).to.include({ code: 0, stdout: `${BINS[i]} ${VERSION}\n`, stderr: '' }),
    );
  });

  it('--help on every bin helps and runs nothing (exit 0)', async () => {
    const rs = await Promise.all(BINS.map((bin) => run(bin, ['--help'])));
    rs.forEach((r, i) => {
      expect(r.code, BINS[i]).to.equal(0);
      expect(r.stdout.toLowerCase(), BINS[i]).to.match(/^usage: /);
      expect(r.stderr, BINS[i]).to.equal('');
    });
  });

  it('--help into a reader that went away (EPIPE): quiet, exit 0, on every bin', async () => {
    const rs = await Promise.all(BINS.map((bin) => run(bin, ['--help'], (p) => p.stdout!.destroy())));
    rs.forEach((r, i) => {
      expect(r.code, BINS[i]).to.equal(0);
      expect(r.stderr, BINS[i]).to.not.match(/Error|\n +at /);
    });
  });

  it('flocker-changestate --help lists its commands; flocker-deploy --help its exit codes', async () => {
    const cs = await run('flocker-changestate', ['--help']);
    for (const c of [
      'apply',
      'trust',
      'peer-key',
      'peer',
      'audit',
      'restore-routes',
      'remember',
      'lock',
      'lock-status',
    ])
      expect(cs.stdout).to.match(new RegExp(`\\n  ${c} `));
    const d = await run('flocker-deploy', ['--help']);
    expect(d.stdout).to.match(/\n {2}1 +a node.*\n.*host key or authentication/);
    expect(d.stdout).to.match(/\n {2}130 +interrupted by Ctrl-C \(143: SIGTERM\)/);
  });

  it('flocker-reportstate with an unknown argument: usage, exit 2, nothing gathered', async () => {
    const r = await run('flocker-reportstate', ['--bogus']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^flocker-reportstate: unknown argument --bogus\nusage: /);
    expect(r.stdout).to.equal('');
  });

  /** A deployment of one node "n1" that an ssh config sends to 127.0.0.1:port. */
  function oneNode(port: number): string[] {
    writeFileSync(join(dir, 'deployment.yml'), 'version: 1\nnodes:\n  n1: [web]\n');
    writeFileSync(join(dir, 'application.yml'), 'version: 1\napplications:\n  web:\n    image: busybox\n');
    writeFileSync(join(dir, 'ssh_config'), `Host n1\n  HostName 127.0.0.1\n  Port ${port}\n  User root\n`);
    writeFileSync(join(dir, 'known_hosts'), '');
    rmSync(join(dir, 'id'), { force: true });
    rmSync(join(dir, 'id.pub'), { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
    return [
      '-i',
      join(dir, 'id'),
      '--ssh-config',
      join(dir, 'ssh_config'),
      '--known-hosts',
      join(dir, 'known_hosts'),
      '--connect-timeout',
      '30',
      join(dir, 'deployment.yml'),
      join(dir, 'application.yml'),
    ];
  }

  /** A node that accepts the TCP connection and never answers: the deploy hangs in connect. */
  async function hangingNode(): Promise<{ server: NetServer; port: number; connected: Promise<void> }> {
    const sockets: Socket[] = [];
    let connected: () => void = () => undefined;
    const p = new Promise<void>((r) => (connected = r));
    const server = createServer((s) => {
      sockets.push(s);
      connected();
    });
    server.on('close', () => sockets.forEach((s) => s.destroy()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    return { server, port, connected: p };
  }

  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${sig} during a deploy: "interrupted", sessions closed, exit ${code}, at once`, async () => {
      const node = await hangingNode();
      try {
        let sent = 0;
        const r = await run('flocker-deploy', oneNode(node.port), (p) => {
          void node.connected.then(() => {
            sent = Date.now();
            p.kill(sig);
          });
        });
        expect(r.code).to.equal(code);
        expect(r.stderr).to.match(
          new RegExp(`flocker-deploy: interrupted: ${sig}: the node sessions are closed`),
        );
        expect(r.stderr).to.not.match(/\n +at /);
        expect(Date.now() - sent).to.be.lessThan(3000);
      } finally {
        node.server.close();
      }
    });
  }

  it('--json: the interruption is the last line, as data', async () => {
    const node = await hangingNode();
    try {
      const r = await run('flocker-deploy', ['--json', ...oneNode(node.port)], (p) => {
        void node.connected.then(() => p.kill('SIGINT'));
      });
      expect(r.code).to.equal(130);
      const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(last).to.include({ type: 'interrupted', signal: 'SIGINT', exit_code: 130 });
    } finally {
      node.server.close();
    }
  });

  it('a host key refused after contacting the node is exit 1, not bad input', async () => {
    const key = join(dir, 'hostkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const server = new ssh2.Server({ hostKeys: [readFileSync(key)] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => ctx.reject());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await run('flocker-deploy', ['--json', ...oneNode(port)]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('host key');
      const err = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(err).to.include({ type: 'error', exit_code: 1 });
    } finally {
      server.close();
    }
  });
});
