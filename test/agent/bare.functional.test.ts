// Nodes that have only Debian packages (`flocker-lab up --bare`: a debootstrap'd Debian 12
// rootfs, no project bind mount, no wrappers) receive the node agent from the first deploy,
// run an app with a volume, keep the agent on the next deploy, get a damaged agent replaced,
// and restore their routes at boot through the agent's stable wrapper. Its own lab "bare".
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { runChecked } from '../../src/exec/check.js';
import { labDown, labUp, readLabState } from '../../src/lab/index.js';
import { ensureExampleImages } from '../../src/lab/access.js';
import { runDeploy, scratchDir, writeFile } from '../helpers/deploy-cli.js';
import { fetchText } from '../helpers/http.js';
import { freeTestSubnet, labHandle, requireRootAndFuse, type LabHandle } from '../helpers/lab.js';

const LAB = 'bare';
const SUBNET = '198.51.100.192/27';

interface Event {
  type: string;
  node?: string;
  version?: string;
  action?: string;
}

const APPS = `version: 1
applications:
  web:
    image: flocker-bare/httpd
    ports:
      - internal: 80
        external: 8080
    volume:
      mountpoint: /www
`;
const DEPLOYMENT = 'version: 1\nnodes:\n  n1: [web]\n  n2: []\n';

const log = (line: string): void => {
  if (process.env.FLOCKER_LAB_VERBOSE) process.stderr.write(`${line}\n`);
};

describe('bare nodes (Debian packages only) get the node agent from the deploy (functional, own lab)', function () {
  this.timeout(240_000);
  let lab: LabHandle;
  let dir: string;
  const timings: string[] = [];

  const sh = async (node: string, script: string) =>
    (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;

  async function deploy(): Promise<{ events: Event[]; ms: number }> {
    const t0 = Date.now();
    const r = await runDeploy([
      '--json',
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', DEPLOYMENT),
      writeFile(dir, 'application.yml', APPS),
    ]);
    const ms = Date.now() - t0;
    expect(r.code, `flocker-deploy failed:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Event);
    return { events, ms };
  }
  const installs = (events: readonly Event[]) =>
    events.filter((e) => e.type === 'agent-installed').map((e) => `${e.node} ${e.action}`);

  before(async function () {
    requireRootAndFuse(this);
    if (readLabState(LAB) !== null) await labDown(LAB, log);
    const t0 = Date.now();
    const { seconds } = await labUp(
      { name: LAB, nodes: 2, subnet: freeTestSubnet(LAB, SUBNET), bare: true },
      log,
    );
    timings.push(
      `lab up --bare ${seconds.toFixed(1)}s (rootfs build included if it was not cached: ${((Date.now() - t0) / 1000).toFixed(1)}s)`,
    );
    lab = labHandle(LAB);
    dir = scratchDir('bare');
    await Promise.all(lab.nodes.map((n) => ensureExampleImages(lab.runner(n.name), 'flocker-bare')));
  });

  after(async () => {
    if (timings.length) process.stderr.write(`      (bare: ${timings.join('; ')})\n`);
    if (readLabState(LAB) !== null) await labDown(LAB, log);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a bare node has Debian nodejs 18 and nothing of flocker', async () => {
    const out = await sh(
      'n1',
      'node --version; test -e /opt/flocker && echo has-project; command -v flocker-changestate || echo no-flocker',
    );
    expect(out).to.match(/^v18\./);
    expect(out).to.not.include('has-project');
    expect(out).to.include('no-flocker');
  });

  it('the first deploy installs the agent on every node and starts the app with its volume', async () => {
    const { events, ms } = await deploy();
    timings.push(`first deploy (installs) ${ms} ms`);
    expect(installs(events).sort()).to.deep.equal(['n1 installed', 'n2 installed']);
    const n1 = lab.nodes.find((n) => n.name === 'n1')!;
    expect(await sh('n1', 'systemctl is-active flocker--web.service')).to.equal('active\n');
    expect(await sh('n1', 'zfs list -H -o name flocker/volumes/web')).to.equal('flocker/volumes/web\n');
    await sh('n1', 'docker exec flocker--web sh -c "echo hello-bare > /www/index.html"');
    expect(await fetchText(`http://${n1.address}:8080/index.html`)).to.equal('hello-bare\n');
    const v = await sh(
      'n1',
      'readlink /usr/local/lib/flocker/agent/current; cat /usr/local/sbin/flocker-changestate',
    );
    expect(v).to.include('/usr/local/lib/flocker/agent/current/flocker-agent.mjs changestate');
  });

  it('the next deploy only checks (no install); its time is reported beside a bare ssh', async () => {
    const { events, ms } = await deploy();
    expect(installs(events)).to.deep.equal([]);
    const t0 = Date.now();
    await runChecked(lab.runner('n1'), ['true']);
    timings.push(`no-op deploy ${ms} ms vs ssh n1 true ${Date.now() - t0} ms`);
  });

  it('a damaged agent (its VERSION changed) is replaced by the next deploy; the other node is left alone', async () => {
    await sh('n1', 'echo tampered > /usr/local/lib/flocker/agent/current/VERSION');
    const { events } = await deploy();
    expect(installs(events)).to.deep.equal(['n1 repaired']);
    const again = await deploy();
    expect(installs(again.events)).to.deep.equal([]);
  });

  it('a changed agent file (sha256 differs) is replaced too', async () => {
    await sh('n2', 'echo "// changed" >> /usr/local/lib/flocker/agent/current/flocker-agent.mjs');
    const { events } = await deploy();
    expect(installs(events)).to.deep.equal(['n2 repaired']);
  });

  it('after a restart, the routes-at-boot unit restores the routes through the agent wrapper', async () => {
    const n2 = lab.nodes.find((n) => n.name === 'n2')!;
    expect(await fetchText(`http://${n2.address}:8080/index.html`)).to.equal('hello-bare\n'); // routed to n1
    const t0 = Date.now();
    await lab.restart('n2');
    timings.push(`restart n2 ${Date.now() - t0} ms`);
    expect(await sh('n2', 'systemctl is-active flocker-routes.service')).to.equal('active\n');
    expect(await sh('n2', 'iptables-save -t nat | grep -c flocker || true')).to.not.equal('0\n');
    expect(await fetchText(`http://${n2.address}:8080/index.html`)).to.equal('hello-bare\n');
  });
});
