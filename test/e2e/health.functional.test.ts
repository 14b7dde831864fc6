// Health checks, command overrides and depends_on end to end on the lab: a started app with a
// check counts as up once healthy (then routed), a failing check ends the deploy with
// E_APP_UNHEALTHY and no route, and apps on one node start in dependency order.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { runChecked } from '../../src/exec/check.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { ensureTestImages, runDeploy, scratchDir, writeFile } from '../helpers/deploy-cli.js';
import { fetchText } from '../helpers/http.js';

interface Event {
  type: string;
  node?: string;
  change?: { kind: string; application?: { name: string } };
  error?: { code: string; message: string };
}

const placement = (n1: string[], n2: string[]) => `version: 1
nodes:
  n1: [${n1.join(', ')}]
  n2: [${n2.join(', ')}]
`;

// db: httpd serving / (command override) with a wget check; web depends on db
const healthy = `version: 1
applications:
  db:
    image: flocker-e2e/httpd
    command: [httpd, -f, -p, "80", -h, /]
    ports:
      - internal: 80
        external: 8091
    healthcheck:
      test: [CMD, wget, -q, -O, /dev/null, "http://127.0.0.1/etc/hostname"]
      interval_seconds: 2
      timeout_seconds: 20
      retries: 3
  web:
    image: flocker-e2e/httpd
    depends_on: [db]
    ports:
      - internal: 80
        external: 8092
`;
const failing = `version: 1
applications:
  bad:
    image: flocker-e2e/httpd
    ports:
      - internal: 80
        external: 8093
    healthcheck:
      test: [CMD-SHELL, "echo 'not ready: 50% $$HOME'; exit 1"]
      interval_seconds: 1
      timeout_seconds: 1
      retries: 2
`;

describe('health checks and depends_on (functional, lab)', function () {
  this.timeout(240_000);
  let lab: LabHandle;
  let dir: string;
  const addr: Record<string, string> = {};

  async function deploy(dep: string, appText: string): Promise<{ code: number | null; events: Event[] }> {
    const r = await runDeploy([
      '--json',
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', dep),
      writeFile(dir, 'application.yml', appText),
    ]);
    const events = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Event);
    return { code: r.code, events };
  }
  async function sh(node: string, script: string): Promise<string> {
    return (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;
  }

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    for (const n of lab.nodes) {
      addr[n.name] = n.address;
      await ensureTestImages(lab.runner(n.name));
    }
    dir = scratchDir('health');
  });

  after(async function () {
    if (!lab) return;
    await deploy(placement([], []), 'version: 1\napplications: {}\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a command override with a check becomes healthy, then routed; depends_on order observed', async function () {
    const r = await deploy(placement(['db', 'web'], []), healthy);
    expect(r.code, JSON.stringify(r.events.filter((e) => e.error))).to.equal(0);
    const order = r.events
      .filter((e) => e.node === 'n1' && e.change?.kind === 'start-application')
      .map((e) => `${e.type} ${e.change?.application?.name}`);
    expect(order).to.deep.equal(['change-start db', 'change-done db', 'change-start web', 'change-done web']);
    expect((await sh('n1', 'docker inspect -f "{{.State.Health.Status}}" flocker--db')).trim()).to.equal(
      'healthy',
    );
    expect((await sh('n1', 'docker inspect -f "{{json .Config.Cmd}}" flocker--db')).trim()).to.equal(
      '["httpd","-f","-p","80","-h","/"]',
    );
    // routed from n2 only after the start phase (healthy) ended
    expect((await fetchText(`http://${addr.n2}:8091/etc/hostname`)).trim()).to.not.equal('');
  });

  it('a failing check ends the deploy with E_APP_UNHEALTHY, its output, the unit stopped and no route', async function () {
    const r = await deploy(placement(['bad'], []), failing);
    expect(r.code).to.equal(1);
    const failed = r.events.find((e) => e.type === 'change-failed');
    expect(failed?.node, JSON.stringify(r.events.filter((e) => e.error))).to.equal('n1');
    expect(failed?.error?.code).to.equal('E_APP_UNHEALTHY');
    expect(failed?.error?.message).to.match(
      /application bad is not healthy \(unhealthy after 2 failed checks\)/,
    );
    expect(failed?.error?.message).to.contain('not ready: 50% $$HOME');
    expect(
      r.events.some((e) => e.type === 'phase-start' && (e as { phase?: string }).phase === 'routes'),
    ).to.equal(false);
    expect(await sh('n2', 'iptables-save -t nat | grep -c -- "--dport 8093" || true')).to.equal('0\n');
    expect(
      (await lab.runner('n1').run(['systemctl', 'is-active', 'flocker--bad.service'])).stdout.trim(),
    ).to.not.equal('active');
  });
});
