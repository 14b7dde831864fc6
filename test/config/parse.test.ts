import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import {
  buildDesiredConfig,
  loadDesiredConfig,
  parseApplicationConfig,
  parseDeploymentConfig,
  validateApplicationEntry,
} from '../../src/config/index.js';
import { toConfigEntry } from '../../src/model/canonical.js';

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('config parsing (Flocker format)', () => {
  it('produces canonical applications: image tag, sorted lists, defaults', () => {
    const apps = parseApplicationConfig(
      `version: 1
applications:
  web:
    image: nginx
    ports:
      - {internal: 443, external: 8443}
      - {internal: 80, external: 8080}
    links:
      - {local_port: 6379, remote_port: 6379, alias: cache}
      - {local_port: 5432, remote_port: 5432, alias: db}
    environment: {Z: "1", A: "2"}
  db:
    image: postgres@sha256:${'a'.repeat(64)}
    ports: [{internal: 5432, external: 5432}]
  cache:
    image: localhost:5000/redis:7
    ports: [{internal: 6379, external: 6379}]
`,
      'a.yml',
    );
    const web = apps['web'];
    expect(web?.image).to.equal('nginx:latest');
    expect(web?.ports.map((p) => p.external)).to.deep.equal([8080, 8443]);
    expect(web?.links.map((l) => l.alias)).to.deep.equal(['cache', 'db']);
    expect(Object.keys(web?.environment ?? {})).to.deep.equal(['A', 'Z']);
    expect(web?.restart_policy).to.deep.equal({ name: 'never' });
    expect(web?.volume).to.equal(undefined);
    expect(apps['db']?.image).to.equal(`postgres@sha256:${'a'.repeat(64)}`);
    expect(apps['cache']?.image).to.equal('localhost:5000/redis:7');
  });

  it('accepts an empty applications mapping', () => {
    expect(parseApplicationConfig('version: 1\napplications: {}\n', 'a.yml')).to.deep.equal({});
  });

  it('reports the example message of the brief', () => {
    const text =
      'version: 1\napplications:\n  web:\n    image: nginx\n    ports:\n      - internal: 80\n        external: "80a"\n';
    expect(problemsOf(() => parseApplicationConfig(text, 'app.yml'))).to.deep.equal([
      'app.yml:7:19: applications.web.ports[0].external: expected an integer from 1 to 65535, found the string "80a"',
    ]);
  });

  it('parses a deployment: null and [] are no applications, lists are sorted', () => {
    expect(parseDeploymentConfig('version: 1\nnodes:\n  a: [z, b]\n  b:\n  c: []\n', 'd.yml')).to.deep.equal({
      a: ['b', 'z'],
      b: [],
      c: [],
    });
  });

  it('accepts hostnames, IPv4 and IPv6 addresses as node names', () => {
    const nodes = parseDeploymentConfig(
      'version: 1\nnodes:\n  node-1.example.com: []\n  192.0.2.1: []\n  "2001:db8::1": []\n  my_alias: []\n',
      'd.yml',
    );
    expect(Object.keys(nodes)).to.deep.equal(['node-1.example.com', '192.0.2.1', '2001:db8::1', 'my_alias']);
  });

  it('buildDesiredConfig: an application placed nowhere is fine', () => {
    const d = buildDesiredConfig(
      { file: 'a.yml', text: 'version: 1\napplications:\n  web: {image: nginx}\n  spare: {image: nginx}\n' },
      { file: 'd.yml', text: 'version: 1\nnodes:\n  n1: [web]\n' },
    );
    expect(Object.keys(d.applications)).to.deep.equal(['web', 'spare']);
    expect(d.nodes).to.deep.equal({ n1: ['web'] });
  });

  it('buildDesiredConfig reports problems of both files sorted by file, line, column', () => {
    const lines = problemsOf(() =>
      buildDesiredConfig(
        { file: 'a.yml', text: 'version: 2\napplications:\n  web: {image: 3}\n' },
        { file: 'd.yml', text: 'version: 1\nnodes:\n  n1: [web, x]\n' },
      ),
    );
    expect(lines.map((l) => l.split(': ')[0])).to.deep.equal(['a.yml:1:10', 'a.yml:3:16', 'd.yml:3:13']);
  });

  it('InputError carries structured problems', () => {
    try {
      parseApplicationConfig('version: 1\napplications:\n  web: {}\n', 'a.yml');
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(InputError);
      const p = (e as InputError).problems[0];
      expect(p).to.deep.equal({
        file: 'a.yml',
        line: 3,
        column: 3,
        path: 'applications.web',
        message: 'missing required key "image"',
      });
    }
  });
});

describe('validateApplicationEntry (reportstate output)', () => {
  it('accepts what toConfigEntry produces for a parsed application', () => {
    const apps = parseApplicationConfig(
      'version: 1\napplications:\n  web:\n    image: nginx\n    volume: {mountpoint: /data}\n    restart_policy: {name: on-failure, maximum_retry_count: 2}\n',
      'a.yml',
    );
    const web = apps['web'];
    if (!web) throw new Error('no web');
    expect(validateApplicationEntry(toConfigEntry(web), { file: 'node1' })).to.deep.equal([]);
  });

  it('reports schema and semantic problems with the given location', () => {
    const problems = validateApplicationEntry(
      {
        image: 'nginx',
        volume: { mountpoint: 'rel' },
        extra: 1,
        restart_policy: { name: 'never', maximum_retry_count: 1 },
      },
      { file: 'node1: flocker-reportstate', path: ['applications', 'web', 'spec'] },
    );
    expect(problems.map((p) => p.path)).to.deep.equal([
      'applications.web.spec.extra',
      'applications.web.spec.volume.mountpoint',
      'applications.web.spec.restart_policy.maximum_retry_count',
    ]);
    expect(
      problems.every((p) => p.file === 'node1: flocker-reportstate' && p.line === 1 && p.column === 1),
    ).to.equal(true);
  });

  it('rejects a non-object', () => {
    expect(validateApplicationEntry('nginx', { file: 'x' })[0]?.message).to.match(
      /^expected a mapping with the keys image/,
    );
  });
});

describe('loadDesiredConfig', () => {
  it('an unreadable file is a problem at 1:1 with the OS message, alongside the other file', async () => {
    try {
      await loadDesiredConfig('fixtures/does-not-exist.yml', 'fixtures/bad/port-string/application.yml');
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(InputError);
      const lines = (e as InputError).message.split('\n');
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(/^fixtures\/bad\/port-string\/application.yml:5:38: /);
      expect(lines[1]).to.match(
        /^fixtures\/does-not-exist.yml:1:1: \(document\): cannot read the file: ENOENT/,
      );
    }
  });
});
