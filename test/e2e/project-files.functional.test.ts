// Project files and secrets (issue 13) in the lab, through the real flocker-deploy: a compose
// service mounting a folder and a file of its project and two secrets (from a file and from the
// environment) deploys; the container reads all of them; the secrets are root-only files of mode
// 0400 whose values appear in no output and no audit line; an unchanged redeploy restarts
// nothing, a changed project file restarts the app with the new content.
import { expect } from 'chai';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runChecked } from '../../src/exec/check.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { cleanLab, ensureTestImages, runDeploy, scratchDir, writeFile } from '../helpers/deploy-cli.js';
import { fetchText } from '../helpers/http.js';

const FILE_SECRET = 'pw-from-file-7f3a';
const ENV_SECRET = 'key-from-env-91c2';

const COMPOSE = `services:
  web:
    image: flocker-e2e/httpd
    ports: ["8091:80"]
    volumes:
      - ./site:/www:ro
      - ./app.conf:/etc/app.conf
    secrets:
      - db_password
      - source: api_key
        target: api
secrets:
  db_password:
    file: ./db_password.txt
  api_key:
    environment: H3_TEST_API_KEY
`;

describe('project files and secrets (functional, lab)', function () {
  this.timeout(240_000);
  let lab: LabHandle;
  let dir: string;
  let project: string;

  const sh = async (node: string, script: string): Promise<string> =>
    (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;
  const started = (): Promise<string> => sh('n1', "docker inspect -f '{{.Id}}' flocker--web");

  async function deploy(
    ...extra: string[]
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return runDeploy([
      '--json',
      ...extra,
      '--ssh-config',
      lab.sshConfigPath,
      path.join(project, 'deployment.yml'),
      path.join(project, 'compose.yml'),
    ]);
  }

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    for (const n of lab.nodes) await ensureTestImages(lab.runner(n.name));
    dir = scratchDir('project-files');
    project = path.join(dir, 'project');
    mkdirSync(path.join(project, 'site'), { recursive: true });
    writeFile(project, 'compose.yml', COMPOSE);
    writeFile(project, 'deployment.yml', 'version: 1\nnodes:\n  n1: [web]\n  n2: []\n');
    writeFile(path.join(project, 'site'), 'index.html', 'site-v1\n');
    writeFile(project, 'app.conf', 'conf-v1\n');
    writeFile(project, 'db_password.txt', FILE_SECRET);
    process.env.H3_TEST_API_KEY = ENV_SECRET;
    await cleanLab(lab, dir);
  });

  after(async function () {
    if (!lab) return;
    await cleanLab(lab, dir);
    rmSync(dir, { recursive: true, force: true });
    delete process.env.H3_TEST_API_KEY;
  });

  it('deploys: the container reads the project files and the 0400 secrets; no value in any output', async () => {
    const dry = await deploy('--dry-run');
    expect(dry.code, dry.stderr).to.equal(0);
    const r = await deploy();
    expect(r.code, r.stderr).to.equal(0);
    for (const n of lab.nodes)
      expect(await fetchText(`http://${n.address}:8091/index.html`)).to.equal('site-v1\n');
    const inside = (cmd: string): Promise<string> => sh('n1', `docker exec flocker--web ${cmd}`);
    expect(await inside('cat /etc/app.conf')).to.equal('conf-v1\n');
    expect(await inside('cat /run/secrets/db_password')).to.equal(FILE_SECRET);
    expect(await inside('cat /run/secrets/api')).to.equal(ENV_SECRET);
    expect(await inside('stat -c %a:%u /run/secrets/db_password /run/secrets/api')).to.equal(
      '400:0\n400:0\n',
    );
    // read-only where the file says :ro
    expect(await sh('n1', 'docker exec flocker--web touch /www/x 2>&1 || echo refused')).to.contain(
      'refused',
    );
    for (const text of [dry.stdout, dry.stderr, r.stdout, r.stderr])
      for (const v of [FILE_SECRET, ENV_SECRET]) expect(text).to.not.include(v);
    expect(dry.stdout).to.include('/run/secrets/api');
    for (const n of lab.nodes) {
      const audit = await sh(n.name, 'cat /var/lib/flocker/audit.log 2>/dev/null || true');
      for (const v of [FILE_SECRET, ENV_SECRET]) expect(audit).to.not.include(v);
    }
    expect(await sh('n1', 'stat -c %a /var/lib/flocker/apps/web.secrets')).to.equal('700\n');
  });

  it('a changed secret is planned as a restart without its value; an unchanged redeploy restarts nothing; a changed project file restarts the app with it', async () => {
    const before = await started();
    // a changed secret is a change of the app, shown without its value or hash
    process.env.H3_TEST_API_KEY = 'key-changed-5d1e';
    const dry = await deploy('--dry-run');
    process.env.H3_TEST_API_KEY = ENV_SECRET;
    expect(dry.code, dry.stderr).to.equal(0);
    expect(JSON.stringify(JSON.parse(dry.stdout))).to.match(
      /"field":"secrets","key":"\/run\/secrets\/api","change":"changed"/,
    );
    expect(dry.stdout).to.not.include('key-changed-5d1e');
    const same = await deploy();
    expect(same.code, same.stderr).to.equal(0);
    expect(await started()).to.equal(before);
    writeFile(project, 'app.conf', 'conf-v2\n');
    const changed = await deploy();
    expect(changed.code, changed.stderr).to.equal(0);
    expect(await started()).to.not.equal(before);
    expect(await sh('n1', 'docker exec flocker--web cat /etc/app.conf')).to.equal('conf-v2\n');
    // the old content is gone from the node: one entry per content in use (site, app.conf)
    expect((await sh('n1', 'ls /var/lib/flocker/apps/web.files')).trim().split('\n')).to.have.length(2);
  });
});
