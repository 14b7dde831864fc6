// Compose networks end to end on a 3-node lab (issue 13 item 4): web on n1 reaches `db` (and its
// alias `database`) by name on n2, where db publishes no port (`expose:` only: a cluster-only
// port); `other` on n3 is not on db's network and cannot resolve `db` (name isolation); the host
// (the lab bridge, outside the cluster) cannot connect to the cluster-only port on any node,
// while a cluster node can (the guard is on sources, not a firewall between apps).
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { runChecked } from '../../src/exec/check.js';
import { parseApplicationConfig } from '../../src/config/index.js';
import type { LabHandle } from '../helpers/lab.js';
import { freeTestSubnet, labHandle, requireRootAndFuse } from '../helpers/lab.js';
import { labDown, labIsUp, labUp, readLabState } from '../../src/lab/index.js';

// its own 3-node lab (the shared one has 2), unless FLOCKER_LAB names one already up
const LAB = process.env.FLOCKER_LAB ?? 'ntest';
const OWN_LAB = process.env.FLOCKER_LAB === undefined;
const quiet = (): void => undefined;
import { ensureTestImages, runDeploy, scratchDir, writeFile } from '../helpers/deploy-cli.js';

const COMPOSE = `services:
  web:
    image: flocker-e2e/sleep
    networks: [front, back]
  db:
    image: flocker-e2e/httpd
    command: [sh, -c, "mkdir -p /srv && echo db-answer > /srv/index.html && exec httpd -f -p 3306 -h /srv"]
    expose: [3306]
    networks:
      back:
        aliases: [database]
  other:
    image: flocker-e2e/sleep
    networks: [front]
networks:
  front: {}
  back: {driver: overlay}
`;
const DEPLOYMENT = 'version: 1\nnodes:\n  n1: [web]\n  n2: [db]\n  n3: [other]\n';
const EMPTY = 'version: 1\nnodes:\n  n1: []\n  n2: []\n  n3: []\n';

/** true when a TCP connection from this machine to address:port opens within `ms` */
function connects(address: string, port: number, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(ms, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

describe('compose networks (functional, 3-node lab)', function () {
  this.timeout(300_000);
  let lab: LabHandle;
  let dir: string;
  const dbPort = parseApplicationConfig(COMPOSE, 'compose.yml')['db']?.ports[0]?.external as number;

  async function sh(node: string, script: string): Promise<string> {
    return (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;
  }
  async function deploy(dep: string, apps: string): Promise<void> {
    const r = await runDeploy([
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', dep),
      writeFile(dir, 'compose.yml', apps),
    ]);
    expect(r.code, `flocker-deploy failed:\n${r.stdout}\n${r.stderr}`).to.equal(0);
  }
  const address = (node: string): string => lab.nodes.find((n) => n.name === node)!.address;
  // busybox-static wget crashes with -T: bounded by timeout instead
  const fetchIn = (node: string, app: string, url: string): Promise<string> =>
    sh(node, `docker exec flocker--${app} timeout 10 wget -q -O- ${url}`);

  before(async function () {
    requireRootAndFuse(this);
    if (OWN_LAB) {
      if (readLabState(LAB) !== null || labIsUp(LAB)) await labDown(LAB, quiet);
      await labUp({ name: LAB, nodes: 3, subnet: freeTestSubnet(LAB, '198.51.100.0/28') }, quiet);
    }
    lab = labHandle(LAB);
    expect(lab.nodes.map((n) => n.name)).to.include.members(['n1', 'n2', 'n3']);
    await Promise.all(['n1', 'n2', 'n3'].map((n) => ensureTestImages(lab.runner(n))));
    dir = scratchDir('networks');
    await deploy(DEPLOYMENT, COMPOSE);
  });

  after(async function () {
    this.timeout(120_000);
    try {
      if (lab && !OWN_LAB) await deploy(EMPTY, 'services: {}\n');
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (OWN_LAB && readLabState(LAB) !== null) await labDown(LAB, quiet);
    }
  });

  it('web on n1 reaches db on n2 by name and by alias; db publishes no port of its own', async function () {
    expect(dbPort).to.be.within(61000, 61999);
    expect((await fetchIn('n1', 'web', 'http://db:3306/')).trim()).to.equal('db-answer');
    expect((await fetchIn('n1', 'web', 'http://database:3306/')).trim()).to.equal('db-answer');
    // published on IPv4 only, at its cluster port
    const published = await sh('n2', 'docker port flocker--db');
    expect(published.trim().split('\n')).to.deep.equal([`3306/tcp -> 0.0.0.0:${dbPort}`]);
  });

  it('a service not on db’s network cannot resolve db', async function () {
    const hosts = await sh('n3', 'docker exec flocker--other cat /etc/hosts');
    expect(hosts).to.not.match(/\sdb\s*$/m);
    expect(hosts).to.not.match(/\sdatabase\s*$/m);
    const r = await runChecked(lab.runner('n3'), [
      'sh',
      '-c',
      'docker exec flocker--other timeout 10 wget -q -O- http://db:3306/ || echo refused',
    ]);
    expect(r.stdout.trim()).to.equal('refused');
  });

  it('the cluster-only port: refused to an outside address on every node, open to a cluster node', async function () {
    // packets our DROP rule counted: proof the attempt reached the node and the guard stopped it
    const dropped = async (n: string): Promise<number> => {
      const l = await sh(n, 'iptables -w -t mangle -L FLOCKER-CLUSTER -v -n -x');
      const drop = l.split('\n').find((x) => /\sDROP\s/.test(x));
      return Number(drop?.trim().split(/\s+/)[0] ?? NaN);
    };
    for (const n of ['n1', 'n2', 'n3']) {
      const before = await dropped(n);
      expect(await connects(address(n), dbPort), `host -> ${n}:${dbPort}`).to.equal(false);
      expect(await dropped(n), `dropped on ${n}`).to.be.above(before);
    }
    // a container on n3 (a cluster node) reaches it by address through n3's route: the guard
    // is on sources, not a firewall between applications
    expect((await fetchIn('n3', 'other', `http://${address('n2')}:${dbPort}/`)).trim()).to.equal('db-answer');
    // every node holds the same guard, tagged
    const rules = await sh('n1', 'iptables -w -t mangle -S FLOCKER-GUARD');
    expect(rules).to.contain(`--dport ${dbPort} `).and.to.contain('flocker:guard');
  });

  it('after a reboot of db’s node, without a deploy: the guard is back before db, the name works', async function () {
    await lab.restart('n2');
    // flocker-routes.service (routes.json, guard included) runs before the app units at boot
    const rules = await sh('n2', 'iptables -w -t mangle -S FLOCKER-GUARD');
    expect(rules).to.contain(`--dport ${dbPort} `);
    let got = '';
    for (let i = 0; i < 60 && got.trim() !== 'db-answer'; i++) {
      got = await fetchIn('n1', 'web', 'http://db:3306/').catch(() => '');
      if (got.trim() !== 'db-answer') await new Promise((r) => setTimeout(r, 1000));
    }
    expect(got.trim()).to.equal('db-answer');
    expect(await connects(address('n2'), dbPort)).to.equal(false);
  });
});
