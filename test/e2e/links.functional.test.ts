// Links by name end to end on the lab: a client on n1 reaches `db:3306` (its link's alias and
// local port), which runs on n2 behind external port 13306, through the NAT rule in the
// client's network namespace and then the nodes' routing; the link variables reach it too;
// a systemd restart of the client (a new network namespace) and a reboot of its node keep the
// name working. (The compose WordPress sample reaching `db:3306` by name is in
// compose-projects.functional.test.ts.)
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { runChecked } from '../../src/exec/check.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { ensureTestImages, runDeploy, scratchDir, writeFile } from '../helpers/deploy-cli.js';

const placement = (n1: string[], n2: string[]) => `version: 1
nodes:
  n1: [${n1.join(', ')}]
  n2: [${n2.join(', ')}]
`;

// db: httpd on 3306 inside, 13306 outside, answering "db-answer"
const apps = `version: 1
applications:
  db:
    image: flocker-e2e/httpd
    command: [sh, -c, "mkdir -p /srv && echo db-answer > /srv/index.html && exec httpd -f -p 3306 -h /srv"]
    ports:
      - internal: 3306
        external: 13306
  client:
    image: flocker-e2e/sleep
    links:
      - alias: db
        local_port: 3306
        remote_port: 13306
`;

describe('links by name (functional, lab)', function () {
  this.timeout(240_000);
  let lab: LabHandle;
  let dir: string;

  async function sh(node: string, script: string): Promise<string> {
    return (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;
  }
  async function deploy(dep: string, appText: string): Promise<void> {
    const r = await runDeploy([
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', dep),
      writeFile(dir, 'application.yml', appText),
    ]);
    expect(r.code, `flocker-deploy failed:\n${r.stdout}\n${r.stderr}`).to.equal(0);
  }
  const inClient = (cmd: string): Promise<string> => sh('n1', `docker exec flocker--client ${cmd}`);
  // busybox-static wget crashes with -T: bounded by timeout instead
  const fetchDb = (url: string): Promise<string> => inClient(`timeout 10 wget -q -O- ${url}`);

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    for (const n of lab.nodes) await ensureTestImages(lab.runner(n.name));
    dir = scratchDir('links');
  });

  after(async function () {
    if (!lab) return;
    await deploy(placement([], []), 'version: 1\napplications: {}\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('db:3306 answers from the client on another node, as do the link variables', async function () {
    await deploy(placement(['client'], ['db']), apps);
    expect(await inClient('grep -w db /etc/hosts')).to.match(/^198\.18\.0\.1\s+db$/m);
    expect((await fetchDb('http://db:3306/')).trim()).to.equal('db-answer');
    const viaVars = await inClient(
      `sh -c 'timeout 10 wget -q -O- "http://$DB_PORT_3306_TCP_ADDR:$DB_PORT_3306_TCP_PORT/"'`,
    );
    expect(viaVars.trim()).to.equal('db-answer');
  });

  it('exactly one tagged rule in the container; link-nat again changes nothing', async function () {
    const pid = (await sh('n1', 'docker inspect -f {{.State.Pid}} flocker--client')).trim();
    const rules = (await sh('n1', `nsenter -t ${pid} -n iptables -w -t nat -S OUTPUT`))
      .split('\n')
      .filter((l) => l.includes('--comment flocker'));
    const node1 = lab.nodes.find((n) => n.name === 'n1')!.address;
    expect(rules).to.deep.equal([
      `-A OUTPUT -d 198.18.0.1/32 -p tcp -m tcp --dport 3306 -m comment --comment flocker -j DNAT --to-destination ${node1}:13306`,
    ]);
    const again = JSON.parse(await sh('n1', 'flocker-changestate link-nat client')) as {
      commands: unknown[];
    };
    expect(again.commands).to.deep.equal([]);
  });

  it('after systemctl restart of the client unit, the name still works', async function () {
    const before = (await sh('n1', 'docker inspect -f {{.State.Pid}} flocker--client')).trim();
    await sh('n1', 'systemctl restart flocker--client.service');
    const after = (await sh('n1', 'docker inspect -f {{.State.Pid}} flocker--client')).trim();
    expect(after).to.not.equal(before);
    expect((await fetchDb('http://db:3306/')).trim()).to.equal('db-answer');
  });

  it('after a reboot of the client node, without a deploy, the name works again', async function () {
    await lab.restart('n1');
    // the unit starts at boot; its ExecStartPost sets the rule in the new container
    let got = '';
    for (let i = 0; i < 60 && got.trim() !== 'db-answer'; i++) {
      got = await fetchDb('http://db:3306/').catch(() => '');
      if (got.trim() !== 'db-answer') await new Promise((r) => setTimeout(r, 1000));
    }
    expect(got.trim()).to.equal('db-answer');
  });
});
