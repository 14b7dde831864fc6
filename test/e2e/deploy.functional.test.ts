// End to end on a real 2-node lab: the flocker-deploy bin over ssh2, flocker-reportstate and
// flocker-changestate on the nodes, systemd units running docker, ZFS volumes that follow
// their app over node-to-node ssh, iptables routing and links.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { runChecked } from '../../src/exec/check.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { ensureTestImages, runDeploy, scratchDir, writeFile } from '../helpers/deploy-cli.js';
import { fetchText as httpGet } from '../helpers/http.js';

interface PlanDoc {
  changes: number;
  phases: { phase: string; nodes: Record<string, unknown> }[];
}
interface Event {
  type: string;
  node?: string;
  change?: string;
  detail?: Record<string, unknown>;
}

const apps = (opts: { env?: string; image?: string; external?: number } = {}) => `version: 1
applications:
  web:
    image: ${opts.image ?? 'flocker-e2e/httpd'}
    ports:
      - internal: 80
        external: ${opts.external ?? 8080}
    volume:
      mountpoint: /www
    environment:
      MODE: "${opts.env ?? 'one'}"
  client:
    image: flocker-e2e/sleep
    links:
      - local_port: 80
        remote_port: ${opts.external ?? 8080}
        alias: web
`;
const placement = (n1: string[], n2: string[]) => `version: 1
nodes:
  n1: [${n1.join(', ')}]
  n2: [${n2.join(', ')}]
`;

describe('flocker-deploy end to end (functional, lab)', function () {
  this.timeout(180_000);
  let lab: LabHandle;
  let dir: string;
  let appFile: string;
  const addr: Record<string, string> = {};

  async function sh(node: string, script: string): Promise<string> {
    return (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;
  }
  async function deployJson(dep: string, dryRun = false): Promise<{ plan: PlanDoc; events: Event[] }> {
    const depFile = writeFile(dir, 'deployment.yml', dep);
    const r = await runDeploy([
      '--json',
      ...(dryRun ? ['--dry-run'] : []),
      '--ssh-config',
      lab.sshConfigPath,
      depFile,
      appFile,
    ]);
    expect(r.code, `flocker-deploy failed:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    if (dryRun) return { plan: JSON.parse(r.stdout) as PlanDoc, events: [] };
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Event & { plan?: PlanDoc });
    const last = lines.at(-1)!;
    expect(last.type).to.equal('result');
    return { plan: last.plan!, events: lines.slice(0, -1) };
  }
  const leafKinds = (p: PlanDoc): string[] => {
    const out: string[] = [];
    const walk = (node: string, c: { kind: string; changes?: unknown[]; reason?: string }): void => {
      if (c.changes) (c.changes as never[]).forEach((x) => walk(node, x));
      else out.push(`${node}:${c.kind}${c.reason ? `:${c.reason}` : ''}`);
    };
    for (const ph of p.phases) for (const [n, c] of Object.entries(ph.nodes)) walk(n, c as never);
    return out.sort();
  };

  before(async function () {
    requireRootAndFuse(this);
    // FLOCKER_LAB=<name> runs against an already running lab (development)
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    for (const n of lab.nodes) {
      addr[n.name] = n.address;
      await ensureTestImages(lab.runner(n.name));
    }
    dir = scratchDir('e2e');
    appFile = writeFile(dir, 'application.yml', apps());
  });

  after(async function () {
    if (!lab) return;
    // leave the shared lab clean for other suites: no apps, no routes, no volumes
    writeFile(dir, 'application.yml', 'version: 1\napplications: {}\n');
    const r = await runDeploy([
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', placement([], [])),
      `${dir}/application.yml`,
    ]);
    expect(r.code, r.stderr).to.equal(0);
    for (const n of lab.nodes)
      await sh(
        n.name,
        'for s in $(zfs list -H -o name -t snapshot -r flocker/volumes 2>/dev/null); do zfs release flocker-base "$s" 2>/dev/null; done; ' +
          'for i in $(seq 25); do zfs destroy -r flocker/volumes 2>/dev/null && break; sleep 0.2; done; rm -f /var/lib/flocker/cluster.json; true',
      );
    rmSync(dir, { recursive: true, force: true });
  });

  it('dry-run of a fresh deployment plans volumes, starts and routes, and changes nothing', async () => {
    const { plan } = await deployJson(placement(['web'], ['client']), true);
    expect(leafKinds(plan)).to.deep.equal([
      'n1:create-volume',
      'n1:start-application',
      'n2:set-proxies',
      'n2:start-application',
    ]);
    expect(await sh('n1', 'systemctl list-units --all --plain --no-legend "flocker--*" | wc -l')).to.equal(
      '0\n',
    );
  });

  it('deploys an app with a volume to n1; data written through it is served from every node', async () => {
    await deployJson(placement(['web'], ['client']));
    await sh('n1', 'docker exec flocker--web sh -c "echo generation-1 > /www/index.html"');
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`)).to.equal('generation-1\n');
    expect(await sh('n1', 'systemctl is-enabled flocker--web.service')).to.equal('enabled\n');
  });

  it('a second identical deploy changes nothing and restarts nothing', async () => {
    const before = await sh('n1', 'docker inspect -f {{.State.StartedAt}} flocker--web');
    const { plan, events } = await deployJson(placement(['web'], ['client']));
    expect(plan.changes).to.equal(0);
    expect(events.filter((e) => e.type === 'change-start')).to.deep.equal([]);
    expect(await sh('n1', 'docker inspect -f {{.State.StartedAt}} flocker--web')).to.equal(before);
  });

  it('the linked app on n2 reaches web on n1 through its link variables', async () => {
    const out = await sh(
      'n2',
      'docker exec flocker--client sh -c \'wget -qO- "http://$WEB_PORT_80_TCP_ADDR:$WEB_PORT_80_TCP_PORT/index.html"; echo "$WEB_PORT_80_TCP"\'',
    );
    expect(out).to.equal(`generation-1\ntcp://${addr.n2}:8080\n`);
  });

  it('dry-run after edits shows exactly the expected changes', async () => {
    appFile = writeFile(dir, 'application.yml', apps({ env: 'two' }));
    expect(leafKinds((await deployJson(placement(['web'], ['client']), true)).plan)).to.deep.equal([
      'n1:start-application',
      'n1:stop-application:changed',
    ]);
    appFile = writeFile(dir, 'application.yml', apps({ image: 'flocker-e2e/httpd:latest' }));
    expect((await deployJson(placement(['web'], ['client']), true)).plan.changes).to.equal(0); // same image, tag spelled out
    appFile = writeFile(dir, 'application.yml', apps({ external: 8081 }));
    expect(leafKinds((await deployJson(placement(['web'], ['client']), true)).plan)).to.deep.equal([
      'n1:start-application',
      'n1:stop-application:changed',
      'n2:set-proxies',
      'n2:start-application',
      'n2:stop-application:changed',
    ]);
    appFile = writeFile(dir, 'application.yml', apps());
    expect(leafKinds((await deployJson(placement([], ['web', 'client']), true)).plan)).to.deep.equal([
      'n1:handoff-volume',
      'n1:push-volume',
      'n1:set-proxies',
      'n1:stop-application:moved',
      'n2:set-proxies',
      'n2:start-application',
      'n2:wait-for-volume',
    ]);
  });

  it('moves web to n2: the data follows, n1 runs nothing and keeps a read-only copy', async () => {
    const sum = await sh(
      'n1',
      'dd if=/dev/urandom of=/flocker/volumes/web/blob bs=64k count=16 2>/dev/null; sha256sum /flocker/volumes/web/blob',
    );
    const { events } = await deployJson(placement([], ['web', 'client']));
    const pushes = events.filter((e) => e.type === 'change-done' && e.detail);
    expect(pushes.map((e) => e.detail!.incremental)).to.deep.equal([false, true]);
    expect(await sh('n2', 'sha256sum /flocker/volumes/web/blob')).to.equal(sum);
    expect(await sh('n1', 'docker ps -q | wc -l')).to.equal('0\n');
    expect(await sh('n1', 'touch /flocker/volumes/web/x 2>&1 || echo refused')).to.match(/refused/);
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`)).to.equal('generation-1\n');
  });

  it('moves web back to n1 incrementally', async () => {
    await sh('n2', 'docker exec flocker--web sh -c "echo generation-2 > /www/index.html"');
    const { events } = await deployJson(placement(['web'], ['client']));
    const pushes = events.filter((e) => e.type === 'change-done' && e.detail);
    expect(pushes.map((e) => e.detail!.incremental)).to.deep.equal([true, true]);
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`)).to.equal('generation-2\n');
  });

  it('an environment change restarts the app with it', async () => {
    appFile = writeFile(dir, 'application.yml', apps({ env: 'two' }));
    await deployJson(placement(['web'], ['client']));
    const env = await runChecked(lab.runner('n1'), [
      'docker',
      'exec',
      'flocker--web',
      'sh',
      '-c',
      'echo "$MODE"',
    ]);
    expect(env.stdout).to.equal('two\n');
  });

  it('removing an app stops it and keeps its volume; re-adding starts it on its old data', async () => {
    await deployJson(placement([], ['client']));
    expect(await sh('n1', 'ls /etc/systemd/system/ | grep -c "^flocker--web" || true')).to.equal('0\n');
    expect(await sh('n1', 'docker ps -a --format {{.Names}} | grep -c flocker--web || true')).to.equal('0\n');
    expect(await sh('n1', 'cat /flocker/volumes/web/index.html')).to.equal('generation-2\n');
    await deployJson(placement(['web'], ['client']));
    expect(await httpGet(`http://${addr.n2}:8080/index.html`)).to.equal('generation-2\n');
  });

  it('a restarted node brings its apps and routes back without a deploy', async () => {
    await lab.restart('n2'); // n2 runs client and routes :8080 to n1
    await lab.restart('n1'); // n1 runs web with its volume
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`, 75)).to.equal('generation-2\n');
    const { plan } = await deployJson(placement(['web'], ['client']), true);
    expect(plan.changes).to.equal(0);
  });

  it('every deploy left one audit line per node', async () => {
    const lines = (await sh('n1', 'cat /var/lib/flocker/audit.log'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { result: string; config_hash: string; user: string });
    expect(lines.length).to.be.greaterThan(3);
    expect(
      lines.every((l) => l.result === 'ok' && /^[0-9a-f]{16}$/.test(l.config_hash) && l.user.length > 0),
    ).to.equal(true);
  });
});
