// End to end on a real 2-node lab: the flocker-deploy bin over ssh2, flocker-reportstate and
// flocker-changestate on the nodes, systemd units running docker, ZFS volumes that follow
// their app over node-to-node ssh, iptables routing and links.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { runChecked } from '../../src/exec/check.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { ensureTestImages, runDeploy, scratchDir, writeFile, cleanLab } from '../helpers/deploy-cli.js';
import { fetchText as httpGet } from '../helpers/http.js';

interface PlanDoc {
  changes: number;
  volumes?: Record<string, { bytes: number }>;
  phases: { phase: string; nodes: Record<string, unknown> }[];
}
interface Event {
  type: string;
  node?: string;
  change?: { kind: string };
  detail?: Record<string, unknown>;
  bytes?: number;
  total?: number;
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
  let appFile = '';
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
  /** No apps, no routes, no volumes or copies on any node: the state of a fresh cluster. */
  const clean = (): Promise<void> => cleanLab(lab, dir);

  /**
   * The starting state a test needs: the default application file, web on `web` (or nowhere),
   * client on n2, and (with `page`) web serving that page from its volume. Deploys even when
   * the cluster is already there: a deploy that changes nothing is fast.
   */
  async function given(start: { web: 'n1' | 'n2' | null; page?: string }): Promise<void> {
    appFile = writeFile(dir, 'application.yml', apps());
    const dep =
      start.web === 'n1'
        ? placement(['web'], ['client'])
        : start.web === 'n2'
          ? placement([], ['web', 'client'])
          : placement([], ['client']);
    await deployJson(dep);
    if (start.page !== undefined && start.web !== null)
      await sh(start.web, `docker exec flocker--web sh -c "echo ${start.page} > /www/index.html"`);
  }
  /** whether `node` holds web's dataset (owned or a copy) */
  async function holdsWebVolume(node: string): Promise<boolean> {
    return (
      (await lab.runner(node).run(['zfs', 'list', '-H', '-o', 'name', 'flocker/volumes/web'])).code === 0
    );
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
  });

  after(async function () {
    if (!lab) return;
    // leave the shared lab clean for other suites: no apps, no routes, no volumes
    await clean();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each case sets up what it needs (given/clean), so any one runs alone with --grep.

  it('dry-run of a fresh deployment plans volumes, starts and routes, and changes nothing', async () => {
    await clean();
    appFile = writeFile(dir, 'application.yml', apps());
    const { plan } = await deployJson(placement(['web'], ['client']), true);
    expect(leafKinds(plan)).to.deep.equal([
      'n1:check-start',
      'n1:create-volume',
      'n1:start-application',
      'n2:check-start',
      'n2:set-proxies',
      'n2:start-application',
    ]);
    expect(await sh('n1', 'systemctl list-units --all --plain --no-legend "flocker--*" | wc -l')).to.equal(
      '0\n',
    );
  });

  it('deploys an app with a volume to n1; data written through it is served from every node', async () => {
    await clean();
    appFile = writeFile(dir, 'application.yml', apps());
    await deployJson(placement(['web'], ['client']));
    await sh('n1', 'docker exec flocker--web sh -c "echo generation-1 > /www/index.html"');
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`)).to.equal('generation-1\n');
    expect(await sh('n1', 'systemctl is-enabled flocker--web.service')).to.equal('enabled\n');
  });

  it('a second identical deploy changes nothing and restarts nothing', async () => {
    await given({ web: 'n1' });
    const before = await sh('n1', 'docker inspect -f {{.State.StartedAt}} flocker--web');
    const { plan, events } = await deployJson(placement(['web'], ['client']));
    expect(plan.changes).to.equal(0);
    expect(events.filter((e) => e.type === 'change-start')).to.deep.equal([]);
    expect(await sh('n1', 'docker inspect -f {{.State.StartedAt}} flocker--web')).to.equal(before);
  });

  it('the linked app on n2 reaches web on n1 through its link variables', async () => {
    await given({ web: 'n1', page: 'generation-1' });
    const out = await sh(
      'n2',
      'docker exec flocker--client sh -c \'wget -qO- "http://$WEB_PORT_80_TCP_ADDR:$WEB_PORT_80_TCP_PORT/index.html"; echo "$WEB_PORT_80_TCP"\'',
    );
    expect(out).to.equal(`generation-1\ntcp://${addr.n2}:8080\n`);
  });

  it('dry-run after edits shows exactly the expected changes', async () => {
    await given({ web: 'n1' });
    appFile = writeFile(dir, 'application.yml', apps({ env: 'two' }));
    expect(leafKinds((await deployJson(placement(['web'], ['client']), true)).plan)).to.deep.equal([
      'n1:check-start',
      'n1:start-application',
      'n1:stop-application:changed',
    ]);
    appFile = writeFile(dir, 'application.yml', apps({ image: 'flocker-e2e/httpd:latest' }));
    expect((await deployJson(placement(['web'], ['client']), true)).plan.changes).to.equal(0); // same image, tag spelled out
    appFile = writeFile(dir, 'application.yml', apps({ external: 8081 }));
    expect(leafKinds((await deployJson(placement(['web'], ['client']), true)).plan)).to.deep.equal([
      'n1:check-start',
      'n1:start-application',
      'n1:stop-application:changed',
      'n2:check-start',
      'n2:set-proxies',
      'n2:start-application',
      'n2:stop-application:changed',
    ]);
    appFile = writeFile(dir, 'application.yml', apps());
    expect(leafKinds((await deployJson(placement([], ['web', 'client']), true)).plan)).to.deep.equal([
      'n1:check-start',
      'n1:handoff-volume',
      'n1:push-volume',
      'n1:set-proxies',
      'n1:stop-application:moved',
      'n2:check-start',
      'n2:set-proxies',
      'n2:start-application',
      'n2:wait-for-volume',
    ]);
  });

  it('moves web to n2: the data follows, n1 runs nothing and keeps a read-only copy', async () => {
    await given({ web: 'n1', page: 'generation-1' });
    // n2 holds no copy yet, so the first push is a full stream
    await sh(
      'n2',
      'for s in $(zfs list -H -o name -t snapshot -r flocker/volumes/web 2>/dev/null); do zfs release flocker-base "$s" 2>/dev/null; done; ' +
        'for i in $(seq 25); do zfs destroy -r flocker/volumes/web 2>/dev/null && break; sleep 0.2; done; true',
    );
    expect(await holdsWebVolume('n2')).to.equal(false);
    const sum = await sh(
      'n1',
      'dd if=/dev/urandom of=/flocker/volumes/web/blob bs=64k count=48 conv=fsync 2>/dev/null; sha256sum /flocker/volumes/web/blob',
    );
    const { events, plan } = await deployJson(placement([], ['web', 'client']));
    // the copy of these 3 MiB reported its progress with bytes (what its ssh read), the full
    // stream's expected total, and the plan the volume's size
    const MiB = 1024 * 1024;
    const progress = events.filter((e) => e.type === 'transfer-progress' && e.change?.kind === 'push-volume');
    expect(progress.length).to.be.greaterThan(0);
    expect(Math.max(...progress.map((e) => e.bytes ?? 0))).to.be.greaterThan(2 * MiB);
    expect(progress.at(-1)!.total).to.be.greaterThan(3 * MiB);
    expect(plan.volumes?.web?.bytes).to.be.greaterThan(3 * MiB);
    const pushes = events.filter(
      (e) =>
        e.type === 'change-done' && (e.change?.kind === 'push-volume' || e.change?.kind === 'handoff-volume'),
    );
    expect(pushes.map((e) => e.detail!.incremental)).to.deep.equal([false, true]);
    expect(await sh('n2', 'sha256sum /flocker/volumes/web/blob')).to.equal(sum);
    expect(await sh('n1', 'docker ps -q | wc -l')).to.equal('0\n');
    expect(await sh('n1', 'touch /flocker/volumes/web/x 2>&1 || echo refused')).to.match(/refused/);
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`)).to.equal('generation-1\n');
  });

  it('moves web back to n1 incrementally', async () => {
    // web on n2, moved there from n1, so n1 keeps a copy with a common snapshot
    if (!(await holdsWebVolume('n1'))) await given({ web: 'n1' });
    await given({ web: 'n2' });
    await sh('n2', 'docker exec flocker--web sh -c "echo generation-2 > /www/index.html"');
    const { events } = await deployJson(placement(['web'], ['client']));
    const pushes = events.filter(
      (e) =>
        e.type === 'change-done' && (e.change?.kind === 'push-volume' || e.change?.kind === 'handoff-volume'),
    );
    expect(pushes.map((e) => e.detail!.incremental)).to.deep.equal([true, true]);
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`)).to.equal('generation-2\n');
  });

  it('an environment change restarts the app with it', async () => {
    await given({ web: 'n1' });
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
    await given({ web: 'n1', page: 'generation-2' });
    await deployJson(placement([], ['client']));
    expect(await sh('n1', 'ls /etc/systemd/system/ | grep -c "^flocker--web" || true')).to.equal('0\n');
    expect(await sh('n1', 'docker ps -a --format {{.Names}} | grep -c flocker--web || true')).to.equal('0\n');
    expect(await sh('n1', 'cat /flocker/volumes/web/index.html')).to.equal('generation-2\n');
    await deployJson(placement(['web'], ['client']));
    expect(await httpGet(`http://${addr.n2}:8080/index.html`)).to.equal('generation-2\n');
  });

  it('a restarted node brings its apps and routes back without a deploy', async () => {
    await given({ web: 'n1', page: 'generation-2' });
    await lab.restart('n2'); // n2 runs client and routes :8080 to n1
    await lab.restart('n1'); // n1 runs web with its volume
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`, 75)).to.equal('generation-2\n');
    const { plan } = await deployJson(placement(['web'], ['client']), true);
    expect(plan.changes).to.equal(0);
  });

  it('every deploy left one deploy record per node', async () => {
    await given({ web: 'n1' });
    // the nodes' own apply start/end lines aside: one `deploy` record per deploy and node
    const auditLines = async (node: string) =>
      (await sh(node, 'cat /var/lib/flocker/audit.log 2>/dev/null || true'))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { event?: string; result: string; config_hash: string; user: string })
        .filter((l) => l.event === undefined || l.event === 'deploy');
    const before = new Map<string, number>();
    for (const n of lab.nodes) before.set(n.name, (await auditLines(n.name)).length);
    const deploys = 2;
    for (let i = 0; i < deploys; i++) await deployJson(placement(['web'], ['client']));
    for (const n of lab.nodes) {
      const lines = (await auditLines(n.name)).slice(before.get(n.name));
      expect(lines).to.have.length(deploys);
      expect(
        lines.every((l) => l.result === 'ok' && /^[0-9a-f]{16}$/.test(l.config_hash) && l.user.length > 0),
      ).to.equal(true);
      expect(new Set(lines.map((l) => l.config_hash)).size).to.equal(1); // the same configuration
    }
  });

  // after the audit test: these deploys fail on purpose
  it('a move to a node without the image fails in the check phase; web keeps running on n1', async () => {
    appFile = writeFile(dir, 'application.yml', apps({ image: 'flocker-e2e/absent:1' }));
    const n2Snapshots = 'zfs list -H -o name -t snapshot -r flocker/volumes';
    const before = await sh('n2', n2Snapshots);
    const r = await runDeploy([
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', placement([], ['web', 'client'])),
      appFile,
    ]);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(
      /n2: [\s\S]*image flocker-e2e\/absent:1 is not on this node and could not be pulled/,
    );
    expect(await sh('n1', 'docker ps --format {{.Names}}')).to.equal('flocker--web\n');
    // nothing was copied to n2 (its old read-only copy is as it was), n1 still owns the volume
    expect(await sh('n2', n2Snapshots)).to.equal(before);
    expect(await sh('n1', 'zfs get -H -o value flocker:role flocker/volumes/web')).to.equal('owner\n');
    for (const n of lab.nodes)
      expect(await httpGet(`http://${n.address}:8080/index.html`)).to.equal('generation-2\n');
    appFile = writeFile(dir, 'application.yml', apps());
  });

  it("refuses an external port that is a node's ssh port: exit 2, nothing changed", async () => {
    appFile = writeFile(dir, 'application.yml', apps({ external: 22 }));
    const r = await runDeploy([
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', placement(['web'], ['client'])),
      appFile,
    ]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/external port 22 is the ssh port of node n1, n2/);
    expect(await httpGet(`http://${addr.n2}:8080/index.html`)).to.equal('generation-2\n');
    appFile = writeFile(dir, 'application.yml', apps());
  });
});
