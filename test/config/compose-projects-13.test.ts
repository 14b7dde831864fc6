// fixtures/compose-projects-13/<project>/: twenty multi-service compose projects of our own
// (issue 13's "done when"), each with build contexts (Dockerfiles FROM busybox:latest), project
// files, a service with several volumes, a network and a secret. expected.json says, per
// service, what the project needs of the loaded config: its node, image, build context,
// volume paths, project files, secrets, published ports, and the names it reaches others by.
// Loaded as flocker-deploy loads them (loadDesiredConfig); nothing is contacted or built.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadDesiredConfig } from '../../src/config/index.js';
import type { Application } from '../../src/model/application.js';

const DIR = 'fixtures/compose-projects-13';
/** the one project whose secret comes from the environment reads it from its .env */
const ENV = {};

interface Expected {
  readonly node: string;
  readonly mounts: readonly string[];
  readonly files: readonly string[];
  readonly secrets: readonly string[];
  readonly configs?: readonly string[];
  readonly reaches: readonly string[];
  readonly ports: readonly string[];
  readonly image?: string;
  readonly context: string;
  readonly moves?: boolean;
}

const projects13 = (): string[] =>
  readdirSync(DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

const mountsOf = (a: Application): string[] =>
  a.volume === undefined
    ? []
    : a.volume.mounts !== undefined
      ? a.volume.mounts.map((m) => m.mountpoint).sort()
      : [a.volume.mountpoint];

/** published ports as written: "EXT:INT" or "EXT:INT/udp" (cluster-only and loopback ones left out) */
const publishedOf = (a: Application): string[] =>
  a.ports
    .filter((p) => p.cluster_only !== true && p.host_ip === undefined)
    .map((p) => `${p.external}:${p.internal}${p.protocol === 'udp' ? '/udp' : ''}`)
    .sort();

describe('compose projects of issue 13 (fixtures/compose-projects-13)', () => {
  const names = projects13();

  it('has twenty projects', () => {
    expect(names).to.have.length(20);
  });

  for (const name of names) {
    const d = path.join(DIR, name);
    it(`${name}: loads with its services, builds, volumes, files, secrets and names`, async () => {
      const config = await loadDesiredConfig(path.join(d, 'deployment.yml'), path.join(d, 'compose.yaml'), {
        env: ENV,
      });
      const expected = JSON.parse(readFileSync(path.join(d, 'expected.json'), 'utf8')) as Record<
        string,
        Expected
      >;
      expect(Object.keys(config.applications).sort()).to.deep.equal(Object.keys(expected).sort());
      expect(Object.keys(expected).length, 'multi-service').to.be.at.least(2);
      for (const [svc, e] of Object.entries(expected)) {
        const a = config.applications[svc] as Application;
        const at = `${name}/${svc}`;
        expect(config.nodes[e.node] ?? [], at).to.include(svc);
        expect(a.image, at).to.equal(e.image ?? `flocker-build/${name}-${svc}:latest`);
        expect(a.build?.context, at).to.equal(path.resolve(d, e.context));
        const dockerfile = path.join(a.build?.context ?? '', a.build?.dockerfile ?? 'Dockerfile');
        expect(readFileSync(dockerfile, 'utf8'), at).to.match(/^FROM busybox:latest\b/m);
        expect(mountsOf(a), at).to.deep.equal(e.mounts);
        expect(Object.keys(a.files ?? {}).sort(), at).to.deep.equal(e.files);
        // configs are delivered like secrets (one field of the app)
        expect(Object.keys(a.secrets ?? {}).sort(), at).to.deep.equal(
          [...e.secrets, ...(e.configs ?? [])].sort(),
        );
        expect(publishedOf(a), at).to.deep.equal(e.ports);
        const links = a.links.map((l) => `${l.alias}:${l.local_port}`);
        expect(links, at).to.include.members([...e.reaches]);
        // every file mount is a file or folder of the project, shipped by its hash
        for (const f of Object.values(a.files ?? {})) {
          expect(existsSync(path.join(d, f.source)), `${at} ${f.source}`).to.equal(true);
          expect(f.hash, at).to.match(/^[0-9a-f]{64}$|^sha256:/);
        }
      }
      // the requirements, for every project
      const apps = Object.values(config.applications);
      expect(
        apps.some((a) => mountsOf(a).length >= 2),
        `${name}: a service with several volumes`,
      ).to.equal(true);
      expect(
        apps.some((a) => Object.keys(a.secrets ?? {}).length > 0),
        `${name}: a secret`,
      ).to.equal(true);
      expect(
        apps.some((a) => Object.keys(a.files ?? {}).length > 0),
        `${name}: a project file`,
      ).to.equal(true);
      expect(
        Object.values(expected).filter((e) => e.moves === true),
        `${name}: one service to move`,
      ).to.have.length(1);
      const moving = Object.entries(expected).find(([, e]) => e.moves === true)?.[0] ?? '';
      expect(mountsOf(config.applications[moving] as Application)).to.have.length.at.least(2);
      const compose = readFileSync(path.join(d, 'compose.yaml'), 'utf8');
      expect(compose, `${name}: a network`).to.match(/^networks:/m);
      // secret values stay out of the loaded config
      expect(JSON.stringify(config)).to.not.match(/-pw-|pk_test|sk_test|-token-|-key-/);
    });
  }

  it('published ports and service names do not clash between projects (several deploy together)', async () => {
    const ports = new Map<string, string>();
    const services = new Map<string, string>();
    for (const name of names) {
      const expected = JSON.parse(readFileSync(path.join(DIR, name, 'expected.json'), 'utf8')) as Record<
        string,
        Expected
      >;
      for (const [svc, e] of Object.entries(expected)) {
        expect(services.get(svc), `${svc} of ${name}`).to.equal(undefined);
        services.set(svc, name);
        for (const p of e.ports) {
          const key = `${p.split(':')[0]}${p.endsWith('/udp') ? '/udp' : ''}`;
          expect(ports.get(key), `${key} of ${name}`).to.equal(undefined);
          ports.set(key, name);
        }
      }
    }
    expect(services.size).to.be.at.least(45);
  });
});
