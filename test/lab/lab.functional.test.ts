// flocker-lab end to end (root): its own lab "ltest"; checks nodes, ssh, docker, zfs, DNAT,
// restart, and that `down` leaves nothing behind.
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { LocalRunner } from '../../src/exec/local-runner.js';
import type { CommandRunner } from '../../src/exec/runner.js';
import { labDown, labStatus, labUp, readLabState, restartNode } from '../../src/lab/index.js';
import { LabSshRunner, freeTestSubnet, hostAddress, requireRootAndFuse } from '../helpers/lab.js';

const LAB = 'ltest';
const PREFERRED_SUBNET = '198.51.100.192/26';
const quiet = (): void => undefined;
const host = new LocalRunner();

interface Snapshot {
  processes: Set<string>;
  mounts: Set<string>;
  links: Set<string>;
  netns: Set<string>;
  rules: Set<string>;
}

async function lines(argv: string[]): Promise<string[]> {
  const r = await host.run(argv);
  return r.code === 0 ? r.stdout.split('\n').filter((l) => l !== '') : [];
}

async function snapshot(): Promise<Snapshot> {
  const processes = new Set<string>();
  for (const p of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(p)) continue;
    try {
      processes.add(`${p} ${readFileSync(`/proc/${p}/comm`, 'utf8').trim()}`);
    } catch {
      /* gone */
    }
  }
  const mounts = new Set(
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(' ').slice(3, 5).join(' ')),
  );
  const links = new Set(
    (await lines(['ip', '-o', 'link'])).map((l) => l.split(':')[1]?.trim().split('@')[0] ?? l),
  );
  const netns = new Set((await lines(['ip', 'netns', 'list'])).map((l) => l.split(' ')[0] ?? l));
  const rules = new Set([
    ...(await lines(['iptables-nft', '-S'])).map((r) => `nft ${r}`),
    ...(await lines(['iptables-legacy', '-S'])).map((r) => `legacy ${r}`),
  ]);
  return { processes, mounts, links, netns, rules };
}

/** what is in `after` but not `before`, minus things of other labs running concurrently */
function leftovers(before: Set<string>, after: Set<string>, ofOtherLab: (s: string) => boolean): string[] {
  return [...after].filter((x) => !before.has(x) && !ofOtherLab(x));
}

const otherLab = (s: string): boolean => {
  const names = [...s.matchAll(/(?:flocker-lab[:/]|\b)([a-z0-9]{1,6})(?:-n[0-9]|0\b)/g)].map((m) => m[1]);
  return names.length > 0 && !names.includes(LAB);
};

function processOfOtherOwner(entry: string): boolean {
  const pid = entry.split(' ')[0];
  try {
    const cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    if (cg.includes(`flocker-lab/${LAB}-`)) return false; // ours: a real leftover
  } catch {
    return true; // exited meanwhile
  }
  return true; // a process of someone else (other engineers' labs, test runners)
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function eventually(url: string, tries = 40): Promise<string> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await httpGet(url);
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url}: ${String(last)}`);
}

async function ok(r: CommandRunner, argv: string[], stdin?: string): Promise<string> {
  const res = await r.run(argv, stdin === undefined ? {} : { stdin });
  expect(res.code, `${r.host}: ${argv.join(' ')}\n${res.stderr}`).to.equal(0);
  return res.stdout;
}

const UNIT = `[Unit]
After=docker.service flab-zpool-import.service
Requires=docker.service
[Service]
ExecStartPre=-/usr/bin/docker rm -f ltest-web
ExecStart=/usr/bin/docker run --rm --name ltest-web -p 8080:80 -v /flocker/web:/www busybox httpd -f -p 80 -h /www
ExecStop=/usr/bin/docker stop -t 1 ltest-web
[Install]
WantedBy=multi-user.target
`;

describe('flocker-lab (functional)', function () {
  this.timeout(180_000);
  let base: Snapshot;
  let n1: CommandRunner;
  let n2: CommandRunner;
  let a1 = '';
  let a2 = '';
  let sshConfig = '';
  let up = false;
  let subnet = PREFERRED_SUBNET;

  before(async function () {
    requireRootAndFuse(this);
    if (readLabState(LAB) !== null) await labDown(LAB, quiet);
    subnet = freeTestSubnet(LAB, PREFERRED_SUBNET);
    base = await snapshot();
    const { state, seconds } = await labUp({ name: LAB, nodes: 2, subnet }, quiet);
    up = true;
    console.log(`      (lab ${LAB} up in ${seconds.toFixed(1)}s)`);
    sshConfig = state.sshConfig;
    n1 = new LabSshRunner('n1', sshConfig);
    n2 = new LabSshRunner('n2', sshConfig);
    a1 = state.nodes[0]?.address ?? '';
    a2 = state.nodes[1]?.address ?? '';
  });

  after(async function () {
    if (up) await labDown(LAB, quiet); // only if a test failed before the down test
  });

  it('writes state, ssh config, known_hosts, key and deployment.yml under /var/lib/flocker-lab/ltest', async () => {
    const st = readLabState(LAB);
    expect(st?.subnet).to.equal(subnet);
    expect(st?.nodes.map((n) => [n.name, n.address])).to.deep.equal([
      ['n1', hostAddress(subnet, 2)],
      ['n2', hostAddress(subnet, 3)],
    ]);
    for (const f of ['state.json', 'ssh/config', 'ssh/id_ed25519', 'ssh/known_hosts', 'deployment.yml'])
      expect(existsSync(`/var/lib/flocker-lab/${LAB}/${f}`), f).to.equal(true);
    expect(readFileSync(`/var/lib/flocker-lab/${LAB}/deployment.yml`, 'utf8')).to.equal(
      'version: 1\nnodes:\n  n1: []\n  n2: []\n',
    );
    const s = await labStatus(LAB);
    expect(s.up).to.equal(true);
    expect(s.nodes.map((n) => [n.sshd, n.docker, n.zfs, n.pool])).to.deep.equal([
      ['active', 'active', 'active', 'ONLINE'],
      ['active', 'active', 'active', 'ONLINE'],
    ]);
  });

  it('every node runs systemd as PID 1, fully booted, with the project mounted', async () => {
    for (const n of [n1, n2]) {
      expect(await ok(n, ['cat', '/proc/1/comm'])).to.equal('systemd\n');
      expect(await ok(n, ['systemctl', 'is-system-running'])).to.equal('running\n');
      expect(await ok(n, ['hostname'])).to.equal(`${n.host}\n`);
      expect(await ok(n, ['test', '-f', '/opt/flocker/package.json'])).to.equal('');
      expect(await ok(n, ['cat', '/usr/local/bin/flocker-reportstate'])).to.contain(
        '/opt/flocker/dist/bin/flocker-reportstate.js',
      );
    }
  });

  it('ssh needs the known host key: an empty known_hosts is refused', async () => {
    const empty = `/var/lib/flocker-lab/${LAB}/ssh/empty_known_hosts`;
    writeFileSync(empty, '');
    const r = await host.run([
      'ssh',
      '-F',
      sshConfig,
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${empty}`,
      'n1',
      'true',
    ]);
    expect(r.code).to.equal(255);
    expect(r.stderr).to.match(/Host key verification failed|No .* host key is known/);
  });

  it('nodes have no pre-installed trust between them', async () => {
    expect(await ok(n1, ['ls', '-A', '/root/.ssh'])).to.equal('authorized_keys\n');
    expect(
      await ok(n1, ['sh', '-c', 'ls /etc/ssh/ssh_known_hosts /var/lib/flocker-lab/* 2>/dev/null | wc -l']),
    ).to.equal('0\n');
    const r = await n1.run(['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', `root@${a2}`, 'true']);
    expect(r.code).to.not.equal(0);
  });

  it('zpool flocker is on every node', async () => {
    for (const n of [n1, n2])
      expect(await ok(n, ['zpool', 'list', '-H', '-o', 'name,health'])).to.equal('flocker\tONLINE\n');
  });

  it('a systemd unit runs busybox httpd in docker on a zfs volume, reachable from the host', async () => {
    await ok(n1, ['zfs', 'create', 'flocker/web']);
    await ok(n1, ['sh', '-c', 'cat > /flocker/web/index.html'], 'ltest data\n');
    await ok(n1, ['sh', '-c', 'cat > /etc/systemd/system/ltest-web.service'], UNIT);
    await ok(n1, ['systemctl', 'daemon-reload']);
    await ok(n1, ['systemctl', 'enable', '--now', 'ltest-web.service']);
    expect(await eventually(`http://${a1}:8080/index.html`)).to.equal('ltest data\n');
  });

  it('n1 can zfs send | ssh n2 zfs recv with trust the test sets up (and removes)', async () => {
    await ok(n1, ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', '/root/.ssh/ltest_key']);
    const pub = (await ok(n1, ['cat', '/root/.ssh/ltest_key.pub'])).trim();
    await ok(n2, ['sh', '-c', 'cat >> /root/.ssh/authorized_keys'], `${pub}\n`);
    const hk = (await ok(n2, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub']))
      .trim()
      .split(' ')
      .slice(0, 2)
      .join(' ');
    await ok(n1, ['sh', '-c', 'cat > /root/.ssh/ltest_known_hosts'], `${a2} ${hk}\n`);
    const ssh = `ssh -i /root/.ssh/ltest_key -o UserKnownHostsFile=/root/.ssh/ltest_known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes root@${a2}`;
    await ok(n1, ['zfs', 'snapshot', 'flocker/web@a']);
    await ok(n1, ['sh', '-c', `zfs send flocker/web@a | ${ssh} zfs recv -F flocker/web`]);
    expect(await ok(n2, ['cat', '/flocker/web/index.html'])).to.equal('ltest data\n');
    // remove the temporary trust
    await ok(n1, [
      'rm',
      '-f',
      '/root/.ssh/ltest_key',
      '/root/.ssh/ltest_key.pub',
      '/root/.ssh/ltest_known_hosts',
    ]);
    await ok(n2, [
      'sh',
      '-c',
      'grep -vxF "$1" /root/.ssh/authorized_keys > /root/.ssh/ak.new; mv /root/.ssh/ak.new /root/.ssh/authorized_keys',
      'sh',
      pub,
    ]);
    expect(await ok(n2, ['cat', '/root/.ssh/authorized_keys'])).not.to.contain(pub);
  });

  it('a DNAT rule on n2 forwards to the container on n1, answered from the host', async () => {
    await ok(n2, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    const c = ['-m', 'comment', '--comment', 'ltest'];
    await ok(n2, [
      'iptables',
      '-t',
      'nat',
      '-A',
      'PREROUTING',
      '-p',
      'tcp',
      '--dport',
      '9000',
      '-m',
      'addrtype',
      '--dst-type',
      'LOCAL',
      '-j',
      'DNAT',
      '--to-destination',
      `${a1}:8080`,
      ...c,
    ]);
    await ok(n2, [
      'iptables',
      '-t',
      'nat',
      '-A',
      'POSTROUTING',
      '-p',
      'tcp',
      '-d',
      a1,
      '--dport',
      '8080',
      '-j',
      'MASQUERADE',
      ...c,
    ]);
    await ok(n2, [
      'iptables',
      '-I',
      'FORWARD',
      '1',
      '-p',
      'tcp',
      '-d',
      a1,
      '--dport',
      '8080',
      '-j',
      'ACCEPT',
      ...c,
    ]);
    await ok(n2, [
      'iptables',
      '-I',
      'FORWARD',
      '1',
      '-p',
      'tcp',
      '-s',
      a1,
      '--sport',
      '8080',
      '-j',
      'ACCEPT',
      ...c,
    ]);
    expect(await eventually(`http://${a2}:9000/index.html`)).to.equal('ltest data\n');
  });

  it('restart n1 brings back the pool, its datasets and the enabled unit', async () => {
    await restartNode(LAB, 'n1', quiet);
    expect(await ok(n1, ['zpool', 'list', '-H', '-o', 'health', 'flocker'])).to.equal('ONLINE\n');
    expect(await ok(n1, ['zfs', 'list', '-H', '-o', 'name', 'flocker/web'])).to.equal('flocker/web\n');
    expect(await eventually(`http://${a1}:8080/index.html`)).to.equal('ltest data\n');
    expect(await ok(n1, ['systemctl', 'is-active', 'ltest-web.service'])).to.equal('active\n');
  });

  it('up of a lab that is up is refused', async () => {
    let err: unknown;
    try {
      await labUp({ name: LAB, nodes: 2, subnet }, quiet);
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/already up/);
    expect((await labStatus(LAB)).up).to.equal(true);
  });

  it('down removes every process, mount, link, netns, rule and file it made; down twice is fine', async () => {
    const { seconds } = await labDown(LAB, quiet);
    up = false;
    console.log(`      (lab ${LAB} down in ${seconds.toFixed(1)}s)`);
    const after = await snapshot();
    expect(leftovers(base.processes, after.processes, processOfOtherOwner), 'processes').to.deep.equal([]);
    expect(leftovers(base.mounts, after.mounts, otherLab), 'mounts').to.deep.equal([]);
    expect(leftovers(base.links, after.links, otherLab), 'links').to.deep.equal([]);
    expect(leftovers(base.netns, after.netns, otherLab), 'netns').to.deep.equal([]);
    expect(leftovers(base.rules, after.rules, otherLab), 'iptables rules').to.deep.equal([]);
    expect(existsSync(`/var/lib/flocker-lab/${LAB}`)).to.equal(false);
    expect(existsSync(`/run/systemd/nspawn/propagate/${LAB}-n1`)).to.equal(false);
    await labDown(LAB, quiet);
    expect((await labStatus(LAB)).exists).to.equal(false);
  });
});
