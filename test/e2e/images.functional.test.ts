// Images without a registry, end to end on the lab (issue 13 item 1): a compose `build:` is built
// by the deploying machine's docker and sent to the node that runs it over the deploy's ssh
// connection, checked by image ID; a redeploy of an unchanged build sends nothing; a change of
// the top layer sends about that layer. This machine has a docker client but no daemon: the
// "deploying machine's docker" is n2's dockerd, reached through its socket under /proc
// (DOCKER_HOST), and the app runs on n1 (which has busybox, the base, already).
import { expect } from 'chai';
import { mkdirSync, rmSync } from 'node:fs';
import { runChecked } from '../../src/exec/check.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { cleanLab, runDeploy, scratchDir, writeFile } from '../helpers/deploy-cli.js';
import { dockerSocketOf } from '../helpers/http.js';

interface Ev {
  type: string;
  node?: string;
  image_id?: string;
  bytes?: number;
  image_bytes?: number;
  applied?: boolean;
}

/** images this deploy built or sent (label flocker.shipped=1), removed from a node */
const RM_OURS = 'docker image rm -f $(docker image ls -q --filter label=flocker.shipped=1) >/dev/null 2>&1';

/** flocker-deploy --json with a deployment file written into `dir`; its events */
async function deployJson(
  lab: LabHandle,
  dir: string,
  deployment: string,
  compose: string,
  extra: readonly string[] = [],
): Promise<Ev[]> {
  const r = await runDeploy([
    '--json',
    ...extra,
    '--ssh-config',
    lab.sshConfigPath,
    writeFile(dir, 'deployment.yml', deployment),
    compose,
  ]);
  expect(r.code, `flocker-deploy failed:\n${r.stdout}\n${r.stderr}`).to.equal(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Ev);
}

const shell =
  (lab: LabHandle) =>
  async (node: string, script: string): Promise<string> =>
    (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout.trim();

describe('images without a registry (functional, lab)', function () {
  this.timeout(300_000);
  let lab: LabHandle;
  let dir: string;
  const savedHost = process.env.DOCKER_HOST;
  const deploy = (): Promise<Ev[]> =>
    deployJson(lab, dir, 'version: 1\nnodes:\n  n1: [web]\n  n2: []\n', `${dir}/images-e2e/compose.yml`);
  const sh = (node: string, script: string): Promise<string> => shell(lab)(node, script);

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    dir = scratchDir('images');
    await cleanLab(lab, dir);
    const n2 = lab.nodes.find((n) => n.name === 'n2')!;
    process.env.DOCKER_HOST = dockerSocketOf(n2.address);
    mkdirSync(`${dir}/images-e2e/web`, { recursive: true });
    await sh(
      'n1',
      // every image a deploy built and sent here (earlier runs' too: an unchanged build would find its ID)
      `${RM_OURS}; rm -f /var/lib/flocker/shipped-images.json; true`,
    );
    writeFile(
      dir,
      'images-e2e/compose.yml',
      'services:\n  web:\n    build: ./web\n    ports: ["18090:8090"]\n',
    );
    writeFile(
      dir,
      'images-e2e/web/Dockerfile',
      [
        'FROM busybox:latest',
        'RUN dd if=/dev/urandom of=/blob bs=1k count=1024 2>/dev/null',
        'COPY index.html /www/index.html',
        'CMD ["httpd", "-f", "-p", "8090", "-h", "/www"]',
        '',
      ].join('\n'),
    );
    writeFile(dir, 'images-e2e/web/index.html', 'v1\n');
  });

  after(async function () {
    if (!lab) return;
    await cleanLab(lab, dir);
    await sh('n1', `${RM_OURS}; true`);
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    rmSync(dir, { recursive: true, force: true });
  });

  let firstBytes = 0;

  it('first deploy: built here, sent to n1 without the base layer it has, run by image ID', async () => {
    const ev = await deploy();
    const built = ev.find((e) => e.type === 'image-built')!;
    const sent = ev.filter((e) => e.type === 'image-shipped');
    expect(sent.map((e) => e.node)).to.deep.equal(['n1']);
    const s = sent[0]!;
    expect(s.image_id).to.equal(built.image_id);
    firstBytes = s.bytes!;
    expect(firstBytes).to.be.greaterThan(1024 * 1024); // the 1 MiB layer travelled
    expect(firstBytes).to.be.lessThan(s.image_bytes!); // busybox's did not
    expect(await sh('n1', 'docker inspect --format "{{.Image}}" flocker--web')).to.equal(built.image_id);
    expect(await sh('n1', 'wget -q -O- http://127.0.0.1:18090/index.html')).to.equal('v1');
  });

  it('redeploy of the unchanged build: nothing sent, nothing restarted', async () => {
    const ev = await deploy();
    expect(ev.filter((e) => e.type === 'image-shipped')).to.deep.equal([]);
    expect(ev.at(-1)).to.include({ type: 'result', applied: false });
  });

  it('a changed top layer: only about that layer is sent, and the app restarts on the new image', async () => {
    writeFile(dir, 'images-e2e/web/index.html', 'v2\n');
    const ev = await deploy();
    const s = ev.find((e) => e.type === 'image-shipped')!;
    expect(s.bytes).to.be.lessThan(100 * 1024);
    expect(s.bytes).to.be.lessThan(firstBytes / 10);
    expect(await sh('n1', 'wget -q -O- http://127.0.0.1:18090/index.html')).to.equal('v2');
  });
});

// Issue 13 item 1, the other half: no docker on the deploying machine (DOCKER_HOST names a socket
// nobody listens on). Two services of one build (one image name), on n1 and n2: built once, on
// n1 (the first node that runs it), from the context this machine sends (.dockerignore applied);
// n2 gets the image saved on n1 and sent on, without the base layer it has.
describe('images built on a node when this machine has no docker (functional, lab)', function () {
  this.timeout(300_000);
  let lab: LabHandle;
  let dir: string;
  const savedHost = process.env.DOCKER_HOST;
  const DEPLOYMENT = 'version: 1\nnodes:\n  n1: [web]\n  n2: [worker]\n';
  const deploy = (): Promise<Ev[]> => deployJson(lab, dir, DEPLOYMENT, `${dir}/nodebuild-e2e/compose.yml`);
  const sh = (node: string, script: string): Promise<string> => shell(lab)(node, script);
  const page = (node: string, port: number) => sh(node, `wget -q -O- http://127.0.0.1:${port}/index.html`);

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    dir = scratchDir('nodebuild');
    await cleanLab(lab, dir);
    process.env.DOCKER_HOST = `unix://${dir}/no-docker-here.sock`;
    for (const n of ['n1', 'n2']) await sh(n, `${RM_OURS}; rm -f /var/lib/flocker/shipped-images.json; true`);
    mkdirSync(`${dir}/nodebuild-e2e/app/secret`, { recursive: true });
    writeFile(
      dir,
      'nodebuild-e2e/compose.yml',
      [
        'services:',
        '  web:',
        '    image: flocker-e2e/nodebuild:1',
        '    build: ./app',
        '    ports: ["18091:8090"]',
        '  worker:',
        '    image: flocker-e2e/nodebuild:1',
        '    build: ./app',
        '    ports: ["18092:8090"]',
        '',
      ].join('\n'),
    );
    writeFile(
      dir,
      'nodebuild-e2e/app/Dockerfile',
      [
        'FROM busybox:latest',
        'RUN dd if=/dev/urandom of=/blob bs=1k count=1024 2>/dev/null',
        'COPY . /www/',
        'CMD ["httpd", "-f", "-p", "8090", "-h", "/www"]',
        '',
      ].join('\n'),
    );
    writeFile(dir, 'nodebuild-e2e/app/index.html', 'v1\n');
    writeFile(dir, 'nodebuild-e2e/app/.dockerignore', 'secret\n*.log\n');
    writeFile(dir, 'nodebuild-e2e/app/secret/key', 'never leaves this machine\n');
    writeFile(dir, 'nodebuild-e2e/app/debug.log', 'ignored\n');
  });

  after(async function () {
    if (!lab) return;
    await cleanLab(lab, dir);
    for (const n of ['n1', 'n2']) await sh(n, `${RM_OURS}; true`);
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    rmSync(dir, { recursive: true, force: true });
  });

  let firstBytes = 0;

  it('a dry run builds on n1 too (its plan is the one that would run) and sends nothing', async () => {
    const r = await runDeploy([
      '--dry-run',
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', DEPLOYMENT),
      `${dir}/nodebuild-e2e/compose.yml`,
    ]);
    expect(r.code, `flocker-deploy failed:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    const out = r.stdout + r.stderr;
    expect(out).to.match(/n1: image flocker-e2e\/nodebuild:1 of web: built there/);
    expect(out).to.not.match(/built there.*\n(.*\n)*.*built there/); // once, not per app
    expect(out).to.not.include('sent:');
    expect(await sh('n2', 'docker image ls -q flocker-e2e/nodebuild:1')).to.equal('');
  });

  it('first deploy: built once on n1, sent on to n2 without the base layer, both run the one image', async () => {
    const ev = await deploy();
    const built = ev.filter((e) => e.type === 'image-built');
    expect(built.map((e) => e.node)).to.deep.equal(['n1']);
    const id = built[0]!.image_id!;
    const sent = ev.filter((e) => e.type === 'image-shipped');
    expect(sent.map((e) => e.node)).to.deep.equal(['n2']);
    firstBytes = sent[0]!.bytes!;
    expect(sent[0]!.image_id).to.equal(id);
    expect(firstBytes).to.be.greaterThan(1024 * 1024); // the 1 MiB layer travelled
    expect(firstBytes).to.be.lessThan(sent[0]!.image_bytes!); // busybox's did not
    expect(await sh('n1', 'docker inspect --format "{{.Image}}" flocker--web')).to.equal(id);
    expect(await sh('n2', 'docker inspect --format "{{.Image}}" flocker--worker')).to.equal(id);
    expect(await page('n1', 18091)).to.equal('v1');
    expect(await page('n2', 18092)).to.equal('v1');
    // .dockerignore applied here: the ignored files never reached the node
    expect(await sh('n2', 'docker exec flocker--worker ls -a /www')).to.not.match(/secret|debug\.log/);
  });

  it('redeploy of the unchanged build: the same image, nothing sent, nothing restarted', async () => {
    const ev = await deploy();
    expect(ev.filter((e) => e.type === 'image-shipped')).to.deep.equal([]);
    expect(ev.at(-1)).to.include({ type: 'result', applied: false });
  });

  it('a changed file: only about the top layer goes to n2, and both restart on the new image', async () => {
    writeFile(dir, 'nodebuild-e2e/app/index.html', 'v2\n');
    const ev = await deploy();
    const s = ev.find((e) => e.type === 'image-shipped')!;
    expect(s.node).to.equal('n2');
    expect(s.bytes).to.be.lessThan(100 * 1024);
    expect(s.bytes).to.be.lessThan(firstBytes / 10);
    expect(await page('n1', 18091)).to.equal('v2');
    expect(await page('n2', 18092)).to.equal('v2');
  });
});
