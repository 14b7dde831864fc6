// The `flocker` CLI end to end on the shared 2-node lab: deploy an app with a volume, status
// shows it (no secret), logs show a line the app wrote, audit shows the deploy with user and
// host, a move leaves a stale copy that prune lists and removes only with --yes, lock status.
import { expect } from 'chai';
import { hostname, userInfo } from 'node:os';
import { runChecked } from '../../src/exec/check.js';
import type { StatusReport } from '../../src/model/status.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { ensureTestImages, runFlocker, scratchDir, writeFile } from '../helpers/deploy-cli.js';
import { validateStatusReportSchema } from '../../src/validation/validators.js';

const SECRET = 'sw0rdfish-not-to-be-shown';
const APPS = `version: 1
applications:
  talker:
    image: flocker-e2e/talker
    ports:
      - internal: 80
        external: 8090
    volume:
      mountpoint: /www
    environment:
      TOKEN: "${SECRET}"
`;
const placement = (n1: string[], n2: string[]) => `version: 1
nodes:
  n1: [${n1.join(', ')}]
  n2: [${n2.join(', ')}]
`;

describe('flocker CLI end to end (functional, lab)', function () {
  this.timeout(120_000);
  let lab: LabHandle;
  let dir: string;
  let appFile: string;
  let ssh: string[];

  const sh = async (node: string, script: string) =>
    (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;
  const dep = (n1: string[], n2: string[]) => writeFile(dir, 'deployment.yml', placement(n1, n2));
  async function flocker(args: string[], code = 0) {
    const r = await runFlocker(args);
    expect(r.code, `flocker ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`).to.equal(code);
    return r;
  }
  const status = async (d: string) =>
    JSON.parse((await flocker(['status', d, '--json', ...ssh])).stdout) as StatusReport;

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    ssh = ['--ssh-config', lab.sshConfigPath];
    dir = scratchDir('cli');
    appFile = writeFile(dir, 'application.yml', APPS);
    for (const n of lab.nodes) {
      await ensureTestImages(lab.runner(n.name));
      // an app that writes a line to its journal, then serves its volume
      await sh(
        n.name,
        `docker image inspect flocker-e2e/talker >/dev/null 2>&1 || { docker rm -f talker-mk >/dev/null 2>&1; ` +
          `docker create --name talker-mk busybox:latest >/dev/null && ` +
          `docker commit -c 'CMD ["sh","-c","echo hello-from-talker; exec httpd -f -p 80 -h /www"]' talker-mk flocker-e2e/talker >/dev/null && ` +
          `docker rm talker-mk >/dev/null; }`,
      );
    }
  });

  after(async function () {
    if (!lab) return;
    // leave the lab as found: no apps, routes, volumes
    await runFlocker([
      'deploy',
      ...ssh,
      dep([], []),
      writeFile(dir, 'empty.yml', 'version: 1\napplications: {}\n'),
    ]);
    for (const n of lab.nodes)
      await sh(
        n.name,
        'for s in $(zfs list -H -o name -t snapshot -r flocker/volumes 2>/dev/null); do zfs release flocker-base "$s" 2>/dev/null; done; ' +
          'for i in $(seq 25); do zfs destroy -r flocker/volumes 2>/dev/null && break; sleep 0.2; done; rm -f /var/lib/flocker/cluster.json; true',
      );
  });

  it('deploys, then status shows the app, its volume and the nodes (never the secret)', async function () {
    await flocker(['deploy', ...ssh, dep(['talker'], []), appFile]);
    const d = dep(['talker'], []);
    const r = await flocker(['status', d, '--json', ...ssh]);
    expect(r.stdout).to.not.include(SECRET);
    const st = JSON.parse(r.stdout) as StatusReport;
    expect(validateStatusReportSchema(st), JSON.stringify(validateStatusReportSchema.errors)).to.equal(true);
    expect(st.complete).to.equal(true);
    expect(st.nodes.map((n) => [n.name, n.reachable, n.lock?.held])).to.deep.equal([
      ['n1', true, false],
      ['n2', true, false],
    ]);
    const app = st.applications.find((a) => a.name === 'talker')!;
    expect(app).to.deep.include({
      node: 'n1',
      state: 'running',
      image: 'flocker-e2e/talker:latest',
      volume: true,
    });
    expect(Date.parse(app.since!)).to.be.within(Date.now() - 120_000, Date.now() + 5000);
    expect(st.volumes.find((v) => v.name === 'talker')).to.deep.include({ owners: ['n1'], copies: [] });
    expect(st.routes.some((x) => x.node === 'n2' && x.port === 8090 && x.target_node === 'n1')).to.equal(
      true,
    );
    const plain = await flocker(['status', d, ...ssh]);
    expect(plain.stdout).to.match(/talker\s+n1\s+running\s+flocker-e2e\/talker:latest/);
    expect(plain.stdout).to.not.include(SECRET);
  });

  it('status: an unreachable node is a row with its error, exit 1, the rest still shown', async function () {
    const d = writeFile(dir, 'with-ghost.yml', `version: 1\nnodes:\n  n1: [talker]\n  198.51.100.190: []\n`);
    const r = await flocker(['status', d, '--json', '--connect-timeout', '2', ...ssh], 1);
    const st = JSON.parse(r.stdout) as StatusReport;
    expect(st.complete).to.equal(false);
    expect(st.nodes.find((n) => n.name === '198.51.100.190')).to.deep.include({ reachable: false });
    expect(st.applications.find((a) => a.name === 'talker')?.state).to.equal('running');
  });

  it('logs: the line the app wrote, from the node that runs it; bad --since and unknown app are clear', async function () {
    const d = dep(['talker'], []);
    let r = await flocker(['logs', d, 'talker', '-n', '50', ...ssh]);
    for (let i = 0; i < 20 && !r.stdout.includes('hello-from-talker'); i++) {
      await new Promise((res) => setTimeout(res, 250)); // journald may take a moment
      r = await flocker(['logs', d, 'talker', '-n', '50', ...ssh]);
    }
    expect(r.stdout).to.include('hello-from-talker');
    expect(r.stderr).to.include('talker on n1');
    r = await flocker(['logs', d, 'talker', '--since', 'last tuesday', ...ssh], 2);
    expect(r.stderr).to.match(/--since "last tuesday": expected/);
    r = await flocker(['logs', d, 'nosuchapp', ...ssh], 1);
    expect(r.stderr).to.match(/nosuchapp is not running on any node/);
  });

  it('audit: the deploy with the real user and host, what changed, the result', async function () {
    const r = await flocker(['audit', dep(['talker'], []), '--json', ...ssh]);
    const doc = JSON.parse(r.stdout) as {
      entries: { user: string; host?: string; result: string; changes: Record<string, string[]> }[];
    };
    const last = doc.entries.at(-1)!;
    expect(last).to.deep.include({ user: userInfo().username, host: hostname(), result: 'ok' });
    expect(last.changes.n1).to.include('start talker (flocker-e2e/talker:latest)');
    const plain = await flocker(['audit', dep(['talker'], []), ...ssh]);
    expect(plain.stdout).to.include(`${userInfo().username}@${hostname()}`);
  });

  it('a move leaves a stale copy: prune lists it with its size, removes it only with --yes', async function () {
    this.timeout(240_000); // a move: slow on a loaded machine
    await sh('n1', 'docker exec flocker--talker sh -c "echo kept > /www/index.html"');
    const d = dep([], ['talker']);
    await flocker(['deploy', ...ssh, d, appFile]);
    expect((await status(d)).volumes.find((v) => v.name === 'talker')).to.deep.include({
      owners: ['n2'],
      copies: ['n1'],
    });
    let r = await flocker(['prune', ...ssh, d, appFile]);
    expect(r.stdout).to.match(/n1\s+talker\s+stale copy\s+\d/);
    expect(r.stdout).to.match(/Total: /);
    expect(r.stdout).to.include('run again with --yes');
    expect((await status(d)).volumes.find((v) => v.name === 'talker')?.copies).to.deep.equal(['n1']);
    r = await flocker(['prune', '--yes', ...ssh, d, appFile]);
    expect(r.stdout).to.match(/Deleted: /);
    const v = (await status(d)).volumes.find((x) => x.name === 'talker')!;
    expect(v).to.deep.include({ owners: ['n2'], copies: [] });
    expect(await sh('n2', 'cat /flocker/volumes/talker/index.html')).to.equal('kept\n');
    r = await flocker(['prune', ...ssh, d, appFile]);
    expect(r.stdout).to.include('Nothing to prune');
    const audit = JSON.parse((await flocker(['audit', d, '--json', ...ssh])).stdout) as {
      entries: { kind: string; result: string; changes: Record<string, string[]> }[];
    };
    const pruned = audit.entries.filter((e) => e.kind === 'prune');
    expect(pruned.at(-1)).to.deep.include({ result: 'ok' });
    expect(pruned.at(-1)!.changes.n1).to.include('destroy volume talker');
  });

  it('lock status: every node free, as text and JSON', async function () {
    const d = dep([], ['talker']);
    const r = await flocker(['lock', d, 'status', ...ssh]);
    expect(r.stdout).to.match(/n1\s+free/);
    expect(r.stdout).to.match(/n2\s+free/);
    const j = JSON.parse((await flocker(['lock', d, 'status', '--json', ...ssh])).stdout) as {
      nodes: { node: string; held: boolean }[];
    };
    expect(j.nodes.map((n) => [n.node, n.held])).to.deep.equal([
      ['n1', false],
      ['n2', false],
    ]);
  });
});
