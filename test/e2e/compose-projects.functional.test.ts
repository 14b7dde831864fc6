// The five compose projects of fixtures/compose-projects, deployed as written by the real
// flocker-deploy to the lab, one after the other (their ports overlap), with offline look-alikes
// of the images they name: each must start, answer from every node, and show what its file says
// (commands, entrypoints, health, start order, link variables, env files, interpolation).
// Each project's deploy also removes the one before (its apps are not in the new file), as a
// user switching projects would; the cluster is cleaned before the first and after the last.
import { expect } from 'chai';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from '../../src/exec/check.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { runDeploy, scratchDir, writeFile, cleanLab } from '../helpers/deploy-cli.js';
import { askLookalike, fetchText } from '../helpers/http.js';
import { ensureLookalikeImages } from '../helpers/lookalike-images.js';

const PROJECTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../fixtures/compose-projects',
);

interface Event {
  type: string;
  node?: string;
  change?: { kind: string; application?: { name: string } };
  error?: { code: string; message: string };
}

describe('five compose projects deploy and work (functional, lab)', function () {
  this.timeout(300_000);
  let lab: LabHandle;
  let dir: string;
  const addr: Record<string, string> = {};

  async function sh(node: string, script: string): Promise<string> {
    return (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;
  }
  const inspect = async (node: string, app: string, format: string): Promise<string> =>
    (await sh(node, `docker inspect -f '${format}' flocker--${app}`)).trim();

  /** the project's files copied to a scratch dir (plus `extra` files), deployed with --json */
  async function deployProject(
    name: string,
    extra: Record<string, string> = {},
  ): Promise<{ stdout: string; events: Event[] }> {
    const d = path.join(dir, name);
    rmSync(d, { recursive: true, force: true });
    scratchFiles(d, name, extra);
    const r = await runDeploy([
      '--json',
      '--ssh-config',
      lab.sshConfigPath,
      path.join(d, 'deployment.yml'),
      path.join(d, 'compose.yml'),
    ]);
    const events = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Event);
    expect(r.code, `${r.stderr}\n${JSON.stringify(events.filter((e) => e.error))}`).to.equal(0);
    return { stdout: r.stdout, events };
  }
  function scratchFiles(d: string, name: string, extra: Record<string, string>): void {
    const src = path.join(PROJECTS, name);
    mkdirSync(d, { recursive: true });
    for (const f of readdirSync(src))
      if (f !== 'expected.json') copyFileSync(path.join(src, f), path.join(d, f));
    for (const [f, text] of Object.entries(extra)) writeFile(d, f, text);
  }
  /** no apps, no routes, no volumes: the next project starts from a clean cluster */
  const clean = (): Promise<void> => cleanLab(lab, dir);

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    for (const n of lab.nodes) {
      addr[n.name] = n.address;
      await ensureLookalikeImages(lab.runner(n.name));
    }
    dir = scratchDir('compose-projects');
    await clean();
  });

  after(async function () {
    if (!lab) return;
    await clean();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nginx + postgres: both answer from every node, the data on a volume, a loopback port not routed', async () => {
    await deployProject('nginx-postgres');
    for (const a of Object.values(addr)) {
      expect(await fetchText(`http://${a}:80/`)).to.equal('nginx-lookalike\n');
      expect(await askLookalike(a, 5432)).to.equal('postgres-ok');
    }
    expect(await sh('n2', 'docker exec flocker--db cat /var/lib/postgresql/data/PG_VERSION')).to.equal(
      '16\n',
    );
    expect(await sh('n2', 'zfs list -H -o name flocker/volumes/db')).to.equal('flocker/volumes/db\n');
    expect(await sh('n1', 'docker port flocker--web 443/tcp')).to.contain('127.0.0.1:8443');
    expect(await sh('n2', 'iptables-save -t nat | grep -c -- "--dport 8443" || true')).to.equal('0\n');
  });

  it('redis: the command as written (quoted words kept), healthy by its own check, answers from every node', async () => {
    await deployProject('redis');
    expect(await inspect('n1', 'redis', '{{.State.Health.Status}}')).to.equal('healthy');
    expect(await sh('n1', 'docker exec flocker--redis cat /data/args')).to.equal(
      '--appendonly\nyes\n--save\n60 1\n',
    );
    for (const a of Object.values(addr)) expect(await askLookalike(a, 6379)).to.equal('redis-ok');
  });

  it('a version 2 file: entrypoint + command, limits, and links reaching db and cache on any node', async () => {
    await deployProject('v2-links');
    expect(await inspect('n1', 'app', '{{json .Config.Entrypoint}} {{json .Config.Cmd}}')).to.equal(
      // docker's --entrypoint takes one word: the rest of the entrypoint leads the command
      '["bundle"] ["exec","rails","server","-b","0.0.0.0"]',
    );
    expect(await inspect('n1', 'app', '{{.HostConfig.Memory}} {{.HostConfig.CpuShares}}')).to.equal(
      '536870912 512',
    );
    expect(await sh('n1', 'docker exec flocker--app cat /www/args')).to.equal(
      'exec\nrails\nserver\n-b\n0.0.0.0\n',
    );
    const viaLinks = await sh(
      'n1',
      `docker exec flocker--app sh -c 'ask "$DB_PORT_5432_TCP_ADDR" "$DB_PORT_5432_TCP_PORT" postgres && ask "$REDIS_PORT_6379_TCP_ADDR" "$REDIS_PORT_6379_TCP_PORT" redis && echo both'`,
    );
    expect(viaLinks).to.equal('both\n');
    for (const a of Object.values(addr))
      expect(await fetchText(`http://${a}:3000/`)).to.equal('rails-lookalike\n');
  });

  it('a compose-spec file: x- fields, merges, .env and env_file, a healthy dependency on another node first', async () => {
    const secret = 'pw-9f2c1e-secret';
    const { stdout, events } = await deployProject('compose-spec', {
      '.env': `DB_PASSWORD=${secret}\nTZ=Europe/Paris\nLOG_LEVEL=debug\n`,
    });
    // api (n1) waits for db (n2) to be healthy: db's start is done before api's begins
    const at = (node: string, app: string, type: string): number =>
      events.findIndex(
        (e) =>
          e.node === node &&
          e.type === type &&
          e.change?.kind === 'start-application' &&
          e.change.application?.name === app,
      );
    expect(at('n2', 'db', 'change-done')).to.be.greaterThan(-1);
    expect(at('n2', 'db', 'change-done')).to.be.lessThan(at('n1', 'api', 'change-start'));
    expect(stdout).to.not.contain(secret);
    expect(await inspect('n1', 'api', '{{.State.Health.Status}}')).to.equal('healthy');
    expect(await inspect('n2', 'db', '{{.State.Health.Status}}')).to.equal('healthy');
    const env = await sh(
      'n1',
      `docker exec flocker--api sh -c 'printf "%s|" "$GREETING" "$DB_PASSWORD" "$LOG_LEVEL" "$SHOP_REGION" "$SHARED" "$QUOTED" "$LITERAL"'`,
    );
    expect(env).to.equal(`costs $5|${secret}|debug|eu-west|from-environment|two words|\${NOT_INTERPOLATED}|`);
    expect(await sh('n2', 'docker exec flocker--db sh -c \'echo "$TZ"\'')).to.equal('Europe/Paris\n');
    expect(await sh('n1', 'docker exec flocker--worker cat /work/args')).to.equal('--queue\ndefault high\n');
    for (const a of Object.values(addr)) expect(await fetchText(`http://${a}:8080/`)).to.equal('shop-api\n');
  });

  it('wordpress + mysql: mysql healthy first (its command passed to its entrypoint), wordpress reaches db:3306 by name, served from every node', async () => {
    const { events } = await deployProject('wordpress-mysql');
    const done = events.findIndex(
      (e) => e.node === 'n2' && e.type === 'change-done' && e.change?.kind === 'start-application',
    );
    const start = events.findIndex(
      (e) => e.node === 'n1' && e.type === 'change-start' && e.change?.kind === 'start-application',
    );
    expect(done).to.be.greaterThan(-1);
    expect(done).to.be.lessThan(start);
    expect(await inspect('n2', 'db', '{{.State.Health.Status}}')).to.equal('healthy');
    expect(await sh('n2', 'docker exec flocker--db cat /var/lib/mysql/args')).to.equal(
      '--default-authentication-plugin=mysql_native_password\n',
    );
    for (const a of Object.values(addr))
      expect(await fetchText(`http://${a}:80/`)).to.equal('wordpress-lookalike\n');
    // by name, as the file says (WORDPRESS_DB_HOST: db:3306): an implicit link from depends_on
    const byName = await sh(
      'n1',
      `docker exec flocker--wordpress sh -c 'for i in 1 2 3 4 5; do ask "\${WORDPRESS_DB_HOST%:*}" "\${WORDPRESS_DB_HOST#*:}" mysql && echo "$WORDPRESS_DB_HOST answers" && exit 0; sleep 1; done; exit 1'`,
    );
    expect(byName).to.equal('db:3306 answers\n');
  });
});
