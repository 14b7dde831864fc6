// ProxyJump and ProxyCommand on the lab: n2 is made unreachable from this machine (an iptables
// rule in n2's network namespace drops TCP 22 from the bridge address, tagged flocker-test and
// removed after); through n1 (sshd forwards TCP) the real code still reaches it, with n2's host
// key checked against known_hosts; without the jump the error names n2.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readLabState } from '../../src/lab/index.js';
import type { StatusReport } from '../../src/model/status.js';
import { AggregateNodeError, SSH_ERROR_CODES, connectAll } from '../../src/ssh/index.js';
import type { NodeConnection } from '../../src/ssh/index.js';
import { ensureTestImages, runDeploy, runFlocker, scratchDir, writeFile } from '../helpers/deploy-cli.js';
import { fetchText } from '../helpers/http.js';
import type { LabHandle } from '../helpers/lab.js';
import { LabSshRunner, hostAddress, requireRootAndFuse, sharedLab } from '../helpers/lab.js';

const TAG = 'flocker-test';

describe('ssh through a jump host (functional, lab)', function () {
  this.timeout(120_000);
  let lab: LabHandle;
  let dir: string;
  let netns: string;
  let bridge: string;
  let n2: string;
  let blocked = false;

  const rule = (op: '-I' | '-D'): string[] => [
    'ip',
    'netns',
    'exec',
    netns,
    'iptables',
    op,
    'INPUT',
    '-s',
    bridge,
    '-p',
    'tcp',
    '--dport',
    '22',
    '-m',
    'comment',
    '--comment',
    TAG,
    '-j',
    'DROP',
  ];
  /** a config for the lab whose first lines (first value wins) come before the lab's own */
  const config = (name: string, first: string): string =>
    writeFile(dir, name, `${first}\nHost *\nInclude ${lab.sshConfigPath}\n`);
  const opts = (cfg: string) => ({
    sshConfigPath: cfg,
    knownHostsPaths: [lab.knownHostsPath],
    agentSocket: '',
    connectTimeoutMs: 4000,
  });
  /** TCP connections from this machine established to a node's sshd */
  const established = (node: string): number => {
    const ns = readLabState(lab.name)!.nodes.find((n) => n.name === node)!.netns;
    const out = execFileSync('ip', [
      'netns',
      'exec',
      ns,
      'ss',
      '-Htn',
      'state',
      'established',
      '( sport = :22 )',
    ]);
    return out
      .toString()
      .split('\n')
      .filter((l) => l.includes(` ${bridge}:`)).length;
  };

  before(async function () {
    requireRootAndFuse(this);
    lab = await sharedLab();
    dir = scratchDir('ssh-jump');
    const st = readLabState(lab.name)!;
    bridge = hostAddress(st.subnet, 1);
    const node2 = st.nodes.find((n) => n.name === 'n2')!;
    netns = node2.netns;
    n2 = node2.address;
    for (const n of lab.nodes) await ensureTestImages(lab.runner(n.name)); // before n2 is cut off
    execFileSync(rule('-I')[0]!, rule('-I').slice(1));
    blocked = true;
  });

  after(() => {
    if (blocked) execFileSync(rule('-D')[0]!, rule('-D').slice(1));
  });

  it('without ProxyJump, n2 cannot be reached and the error names n2', async () => {
    const err = await connectAll(['n1', 'n2'], opts(lab.sshConfigPath)).then(
      (c) => {
        for (const x of c.values()) x.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AggregateNodeError);
    const agg = err as AggregateNodeError;
    expect(agg.hosts).to.deep.equal(['n2']);
    expect(agg.errors[0]?.code).to.equal(SSH_ERROR_CODES.timeout);
    expect(agg.errors[0]?.message).to.match(
      new RegExp(`^n2: ssh connection to ${n2.replace(/\./g, '\\.')} port 22 timed out`),
    );
  });

  it('ProxyJump n1: n2 is reached through n1 over one connection to n1, host keys checked on both', async () => {
    const conns = await connectAll(['n1', 'n2'], opts(config('jump', 'Host n2\n  ProxyJump n1')));
    try {
      const c2 = conns.get('n2') as NodeConnection;
      const key = (await c2.run(['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.split(' ');
      expect(`${key[0]} ${key[1]}`).to.equal(readLabState(lab.name)!.nodes[1]!.hostKey);
      expect(c2.address).to.equal(n2);
      expect(c2.hostKey).to.equal(readLabState(lab.name)!.nodes[1]!.hostKey);
      // n1 as a node and n1 as the jump host are one connection
      expect(established('n1')).to.equal(1);
    } finally {
      for (const c of conns.values()) c.close();
    }
  });

  it('a jump host whose key is not known is refused, naming the jump host', async () => {
    const kh = writeFile(
      dir,
      'kh-n2-only',
      readFileSync(lab.knownHostsPath, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('n2'))
        .join('\n') + '\n',
    );
    const err = await connectAll(['n2'], {
      ...opts(config('jump2', 'Host n2\n  ProxyJump n1')),
      knownHostsPaths: [kh],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const agg = err as AggregateNodeError;
    expect(agg.errors[0]?.code).to.equal(SSH_ERROR_CODES.hostKeyUnknown);
    expect(agg.errors[0]?.message).to.match(/^n2: via jump host n1: host key for .* is not known/);
  });

  it('ProxyCommand (ssh -W through n1) reaches n2, and closing leaves no process behind', async () => {
    const cfg = config(
      'command',
      `Host n2\n  ProxyCommand ssh -F ${lab.sshConfigPath} -o BatchMode=yes -W %h:%p n1`,
    );
    const conns = await connectAll(['n2'], opts(cfg));
    const c2 = conns.get('n2') as NodeConnection;
    expect((await c2.run(['true'])).code).to.equal(0);
    const mine = (): string => execFileSync('sh', ['-c', `pgrep -P ${process.pid} -a || true`]).toString();
    expect(mine()).to.contain(`-W ${n2}:22 n1`);
    c2.close();
    const deadline = Date.now() + 5000;
    while (mine().includes('-W') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(mine()).to.not.contain('-W');
  });

  it('the real flocker bin: status reaches both nodes with ProxyJump n1, and names n2 without it', async () => {
    const ok = await runFlocker([
      'status',
      lab.deploymentPath,
      '--json',
      '--ssh-config',
      config('bin', 'Host n2\n  ProxyJump n1'),
    ]);
    expect(ok.code, ok.stderr).to.equal(0);
    const report = JSON.parse(ok.stdout) as StatusReport;
    expect(report.complete).to.equal(true);
    expect(report.nodes.map((n) => [n.name, n.reachable, n.address])).to.deep.equal([
      ['n1', true, readLabState(lab.name)!.nodes[0]!.address],
      ['n2', true, n2],
    ]);
    const bad = await runFlocker([
      'status',
      lab.deploymentPath,
      '--json',
      '--ssh-config',
      lab.sshConfigPath,
      '--connect-timeout',
      '3',
    ]);
    const r = JSON.parse(bad.stdout) as StatusReport;
    const node2 = r.nodes.find((n) => n.name === 'n2');
    expect(node2?.reachable).to.equal(false);
    expect(node2?.error?.message).to.match(/\n {2}n2: ssh connection to \S+ port 22 timed out/);
  });

  it('an option flocker cannot honour is refused before any contact: exit 2 with the option, file and host', async () => {
    const cfg = config('refused', 'Host n2\n  ProxyUseFdpass yes\n  ProxyCommand ssh -W %h:%p n1');
    const r = await runFlocker(['status', lab.deploymentPath, '--ssh-config', cfg]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('n2: ssh config: ProxyUseFdpass yes cannot be honoured');
    expect(r.stderr).to.contain(`${cfg}:2`);
  });

  it('the real flocker-deploy deploys an app with a volume to n2 through n1; every node answers for it', async function () {
    this.timeout(240_000);
    const cfg = config('deploy', 'Host n2\n  ProxyJump n1');
    const dep = (apps: string): string =>
      writeFile(dir, 'jdeploy.yml', `version: 1\nnodes:\n  n1: []\n  n2: [${apps}]\n`);
    const app = writeFile(
      dir,
      'japps.yml',
      'version: 1\napplications:\n  jweb:\n    image: flocker-e2e/httpd\n    ports: [{internal: 80, external: 8091}]\n    volume: {mountpoint: /www}\n',
    );
    const r = await runDeploy(['--ssh-config', cfg, dep('jweb'), app]);
    expect(r.code, r.stderr).to.equal(0);
    // through the same jump (real ssh, -F with ProxyJump): the app runs on n2, writes to its volume
    const viaJump = new LabSshRunner('n2', cfg);
    const w = await viaJump.run([
      'docker',
      'exec',
      'flocker--jweb',
      'sh',
      '-c',
      'echo via-jump > /www/index.html',
    ]);
    expect(w.code, w.stderr).to.equal(0);
    for (const n of lab.nodes)
      expect(await fetchText(`http://${n.address}:8091/index.html`)).to.equal('via-jump\n');
    // leave the shared lab as found: the app removed, then its volume pruned (through the jump too)
    const empty = writeFile(dir, 'jempty.yml', 'version: 1\napplications: {}\n');
    const down = await runDeploy(['--ssh-config', cfg, dep(''), empty]);
    expect(down.code, down.stderr).to.equal(0);
    const prune = await runFlocker(['prune', dep(''), empty, '--yes', '--ssh-config', cfg]);
    expect(prune.code, prune.stderr).to.equal(0);
    expect((await viaJump.run(['zfs', 'list', '-H', '-o', 'name', '-r', 'flocker'])).stdout).to.not.contain(
      'jweb',
    );
  });
});
