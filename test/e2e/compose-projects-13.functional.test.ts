// The twenty compose projects of fixtures/compose-projects-13 (issue 13's "done when"), deployed
// by the real flocker-deploy to the lab, five projects per deployment: their images built from
// their build contexts (FROM the lab's busybox) by the "deploying machine's" docker and shipped to
// the nodes without a registry; then each must work: every service reaches the others by the
// names its networks give (across n1 and n2), reads its project files and secrets, writes to
// each of its volumes, and answers on its published ports from every node. Then the service of
// each project with several volumes moves to the other node, and every volume's data must have
// followed; a redeploy of the unchanged files must ship 0 image bytes and change nothing.
//
// Five projects go in one compose file as compose itself keeps projects apart: each project's
// files under its own folder, its volumes, networks and secrets prefixed with the project's name
// (`notes_db-data`, `notes_back`), and a service without `networks:` on `<project>_default`.
// Service names and published ports are distinct across the twenty (the unit test checks it).
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { loadDesiredConfig } from '../../src/config/index.js';
import { parseYaml } from '../../src/config/yaml-build.js';
import { runChecked } from '../../src/exec/check.js';
import type { Application } from '../../src/model/application.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { cleanLab, runDeploy, scratchDir } from '../helpers/deploy-cli.js';
import { askLookalike, dockerSocketOf } from '../helpers/http.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../fixtures/compose-projects-13',
);
const PER_DEPLOYMENT = 5;

interface Expected {
  readonly node: string;
  readonly mounts: readonly string[];
  readonly ports: readonly string[];
  readonly moves?: boolean;
}
interface Event {
  type: string;
  node?: string;
  image?: string;
  bytes?: number;
  applied?: boolean;
  error?: { code: string; message: string };
}
type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

/** One compose file and folder for several projects, kept apart as compose keeps projects. */
class Batch {
  readonly compose: Doc = { services: {}, volumes: {}, networks: {}, secrets: {}, configs: {} };
  readonly expected: Record<string, Expected> = {};
  /** merged secret name -> its value (from its file or the project's .env) */
  readonly secretValues: Record<string, string> = {};
  dotenv = '';

  constructor(
    readonly dir: string,
    readonly projects: readonly string[],
  ) {
    for (const p of projects) this.add(p);
    writeFileSync(path.join(dir, 'compose.yaml'), yaml.dump(this.compose, { lineWidth: -1 }));
    writeFileSync(path.join(dir, '.env'), this.dotenv);
  }

  private add(p: string): void {
    const src = path.join(FIXTURES, p);
    cpSync(src, path.join(this.dir, p), { recursive: true });
    Object.assign(
      this.expected,
      JSON.parse(readFileSync(path.join(src, 'expected.json'), 'utf8')) as Record<string, Expected>,
    );
    let env: Record<string, string> = {};
    try {
      const text = readFileSync(path.join(src, '.env'), 'utf8');
      this.dotenv += text;
      env = Object.fromEntries(
        text
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    } catch {
      // no .env
    }
    const file = path.join(src, 'compose.yaml');
    const doc = parseYaml(readFileSync(file, 'utf8'), file).doc?.value as Doc;
    const rel = (s: string): string => `./${path.posix.join(p, s)}`;
    const ren = (n: string): string => `${p}_${n}`;
    const services = this.compose['services'] as Doc;
    for (const [name, svc] of Object.entries(doc['services'] as Doc)) {
      const s = { ...(svc as Doc) };
      const b = s['build'];
      if (typeof b === 'string') s['build'] = rel(b);
      else if (isMap(b))
        s['build'] = { ...b, context: rel(typeof b['context'] === 'string' ? b['context'] : '.') };
      if (Array.isArray(s['volumes']))
        s['volumes'] = s['volumes'].map((v: unknown) => {
          if (isMap(v))
            return {
              ...v,
              source: v['type'] === 'bind' ? rel(String(v['source'])) : ren(String(v['source'])),
            };
          const parts = String(v).split(':');
          const first = parts[0] as string;
          if (first.startsWith('.')) return [rel(first), ...parts.slice(1)].join(':');
          return parts.length > 1 ? [ren(first), ...parts.slice(1)].join(':') : v;
        });
      const ef = s['env_file'];
      if (typeof ef === 'string') s['env_file'] = rel(ef);
      if (Array.isArray(s['secrets']))
        s['secrets'] = s['secrets'].map((x: unknown) =>
          isMap(x)
            ? { ...x, source: ren(String(x['source'])), target: x['target'] ?? x['source'] }
            : { source: ren(String(x)), target: x },
        );
      if (Array.isArray(s['configs']))
        s['configs'] = s['configs'].map((x: unknown) =>
          isMap(x)
            ? { ...x, source: ren(String(x['source'])), target: x['target'] ?? `/${String(x['source'])}` }
            : { source: ren(String(x)), target: `/${String(x)}` },
        );
      const nets = s['networks'];
      if (nets === undefined) s['networks'] = [ren('default')];
      else if (Array.isArray(nets)) s['networks'] = nets.map((n) => ren(String(n)));
      else if (isMap(nets))
        s['networks'] = Object.fromEntries(Object.entries(nets).map(([k, v]) => [ren(k), v]));
      services[name] = s;
    }
    const top = (key: string, map: (k: string, v: unknown) => unknown = (_k, v) => v): void => {
      for (const [k, v] of Object.entries((doc[key] as Doc | undefined) ?? {}))
        (this.compose[key] as Doc)[ren(k)] = map(k, v);
    };
    top('volumes');
    top('networks');
    (this.compose['networks'] as Doc)[ren('default')] = null;
    top('secrets', (k, v) => {
      const d = v as Doc;
      this.secretValues[ren(k)] =
        typeof d['file'] === 'string'
          ? readFileSync(path.join(src, d['file']), 'utf8')
          : (env[String(d['environment'])] ?? '');
      return typeof d['file'] === 'string' ? { file: rel(d['file']) } : d;
    });
    // configs arrive like secrets: their values are checked the same way
    top('configs', (k, v) => {
      const d = v as Doc;
      this.secretValues[ren(k)] =
        typeof d['file'] === 'string'
          ? readFileSync(path.join(src, d['file']), 'utf8')
          : typeof d['content'] === 'string'
            ? d['content']
            : (env[String(d['environment'])] ?? '');
      return typeof d['file'] === 'string' ? { file: rel(d['file']) } : d;
    });
  }

  /** deployment: each service on its node, or the moving ones on the other node */
  deployment(moved: boolean): string {
    const nodes: Record<string, string[]> = { n1: [], n2: [] };
    for (const [svc, e] of Object.entries(this.expected)) {
      const node = moved && e.moves === true ? (e.node === 'n1' ? 'n2' : 'n1') : e.node;
      nodes[node]?.push(svc);
    }
    const f = path.join(this.dir, moved ? 'deployment-moved.yml' : 'deployment.yml');
    writeFileSync(
      f,
      `version: 1\nnodes:\n  n1: [${nodes['n1']?.join(', ')}]\n  n2: [${nodes['n2']?.join(', ')}]\n`,
    );
    return f;
  }
}

describe('twenty compose projects of our own: build, deploy, work, move, redeploy (functional, lab)', function () {
  this.timeout(600_000);
  let lab: LabHandle;
  let dir: string;
  const savedHost = process.env.DOCKER_HOST;
  const addr: Record<string, string> = {};
  const projects = readdirSync(FIXTURES).sort();
  const batches: string[][] = [];
  for (let i = 0; i < projects.length; i += PER_DEPLOYMENT)
    batches.push(projects.slice(i, i + PER_DEPLOYMENT));

  const sh = async (node: string, script: string): Promise<string> =>
    (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;

  async function deploy(b: Batch, moved: boolean): Promise<Event[]> {
    const r = await runDeploy([
      '--json',
      '--ssh-config',
      lab.sshConfigPath,
      b.deployment(moved),
      path.join(b.dir, 'compose.yaml'),
    ]);
    const events = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Event);
    expect(r.code, `${r.stderr}\n${JSON.stringify(events.filter((e) => e.error))}`).to.equal(0);
    return events;
  }
  const shipped = (ev: Event[]): number =>
    ev.filter((e) => e.type === 'image-shipped').reduce((n, e) => n + (e.bytes ?? 0), 0);

  /**
   * One `docker exec` per service: every name it reaches answers as its target, its project files
   * and secrets have their contents, and each volume holds the marker (written first, or only
   * read after a move). Published ports are asked from every node by this machine.
   */
  async function checkWorks(
    b: Batch,
    apps: Readonly<Record<string, Application>>,
    nodeOf: (svc: string) => string,
    marker: 'write' | 'read',
  ): Promise<void> {
    const byExternal = new Map<number, string>();
    for (const [name, a] of Object.entries(apps)) for (const p of a.ports) byExternal.set(p.external, name);
    for (const [svc, a] of Object.entries(apps)) {
      const lines: string[] = [];
      const want: string[] = [];
      const seen = new Set<string>();
      for (const l of a.links) {
        const k = `${l.alias}:${l.local_port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        lines.push(
          `for i in 1 2 3 4 5 6 7 8 9 10; do r=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${l.alias} ${l.local_port} 2>/dev/null | grep -o '[a-z0-9-]*-ok' | head -1); [ -n "$r" ] && break; sleep 1; done; echo "L ${k} $r"`,
        );
        want.push(`L ${k} ${byExternal.get(l.remote_port)}-ok`);
      }
      for (const [target, f] of Object.entries(a.files ?? {})) {
        const local = path.join(b.dir, f.source);
        if (statSync(local).isDirectory()) {
          lines.push(`echo "D ${target}" $(ls -A ${target})`);
          want.push(`D ${target} ${readdirSync(local).sort().join(' ')}`);
        } else {
          lines.push(`echo "F ${target} $(md5sum < ${target} | cut -c1-32)"`);
          want.push(`F ${target} ${md5(readFileSync(local))}`);
        }
      }
      for (const [target, s] of Object.entries(a.secrets ?? {})) {
        lines.push(`echo "S ${target} $(md5sum < ${target} | cut -c1-32)"`);
        want.push(`S ${target} ${md5(b.secretValues[s.source] ?? '')}`);
      }
      const mounts = a.volume?.mounts?.map((m) => m.mountpoint) ?? (a.volume ? [a.volume.mountpoint] : []);
      for (const m of mounts) {
        const value = `${svc}${m}`;
        if (marker === 'write') lines.push(`echo ${value} > ${m}/e2e-marker`);
        lines.push(`echo "V ${m} $(cat ${m}/e2e-marker)"`);
        want.push(`V ${m} ${value}`);
      }
      if (lines.length === 0) continue;
      const script = lines.join('\n');
      const got = await runChecked(lab.runner(nodeOf(svc)), [
        'docker',
        'exec',
        `flocker--${svc}`,
        'sh',
        '-c',
        script,
      ]);
      expect(got.stdout.trim().split('\n'), `${svc} on ${nodeOf(svc)}`).to.deep.equal(want);
    }
    for (const [svc, e] of Object.entries(b.expected))
      for (const p of e.ports) {
        const ext = Number(p.split(':')[0]);
        for (const [node, a] of Object.entries(addr)) {
          if (p.endsWith('/udp')) {
            // the lab's busybox has no UDP server: the UDP port must be routed on every node
            const rules = await sh(
              node,
              `iptables-save -t nat | grep -- '--dport ${ext}' | grep -c udp || true`,
            );
            expect(Number(rules), `${svc} ${p} routed on ${node}`).to.be.greaterThan(0);
          } else
            expect(
              await askLookalike(a, ext, { tries: 20, request: 'GET / HTTP/1.0\r\n\r\n' }),
              `${svc} ${p} from ${node}`,
            ).to.equal(`${svc}-ok`);
        }
      }
  }

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    for (const n of lab.nodes) addr[n.name] = n.address;
    // this machine has a docker client but no daemon: the deploying machine's docker is n2's
    process.env.DOCKER_HOST = dockerSocketOf(addr['n2'] as string);
    dir = scratchDir('compose-projects-13');
    await cleanLab(lab, dir);
    // images an earlier run sent to n1 (found by ID, they would travel no more): n1 gets each anew
    await sh(
      'n1',
      'docker image rm -f $(docker image ls -q --filter label=flocker.shipped=1) >/dev/null 2>&1; true',
    );
  });

  after(async function () {
    if (!lab) return;
    await cleanLab(lab, dir);
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    rmSync(dir, { recursive: true, force: true });
  });

  batches.forEach((names, i) => {
    it(`deployment ${i + 1}: ${names.join(', ')} work across nodes, move with all their volumes, redeploy ships 0 bytes`, async () => {
      // the apps of the deployment before are removed by this one (not in its file), as a user
      // switching projects would; their volumes stay on the nodes
      const bdir = path.join(dir, `batch${i + 1}`);
      rmSync(bdir, { recursive: true, force: true });
      mkdirSync(bdir, { recursive: true });
      const b = new Batch(bdir, names);
      const t0 = Date.now();

      const first = await deploy(b, false);
      expect(first.filter((e) => e.type === 'image-built').length).to.equal(Object.keys(b.expected).length);
      const config = await loadDesiredConfig(b.deployment(false), path.join(bdir, 'compose.yaml'), {
        env: {},
      });
      const placed =
        (moved: boolean) =>
        (svc: string): string => {
          const e = b.expected[svc] as Expected;
          return moved && e.moves === true ? (e.node === 'n1' ? 'n2' : 'n1') : e.node;
        };
      await checkWorks(b, config.applications, placed(false), 'write');

      // the service of each project with several volumes moves; all its volumes' data follows
      const moving = Object.entries(b.expected).filter(([, e]) => e.moves === true);
      expect(moving).to.have.length(names.length);
      await deploy(b, true);
      for (const [svc, e] of moving)
        expect(
          await sh(e.node, `docker ps -q --filter name=^flocker--${svc}$`),
          `${svc} left ${e.node}`,
        ).to.equal('');
      await checkWorks(b, config.applications, placed(true), 'read');

      // nothing changed: nothing built anew reaches a node, nothing restarts
      const again = await deploy(b, true);
      expect(shipped(again), 'image bytes shipped by an unchanged redeploy').to.equal(0);
      expect(again.filter((e) => e.type === 'image-shipped')).to.deep.equal([]);
      expect(again.at(-1)).to.include({ type: 'result', applied: false });
      process.stderr.write(
        `      (${names.join(', ')}: first deploy shipped ${shipped(first)} bytes; all in ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`,
      );
    });
  });
});
