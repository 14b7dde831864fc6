// Project files and secrets (issue 13): compose parsing with positions, hashing, the fs reader's
// refusals, docker argv, the changestate input, and that a secret is never printed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Ajv } from 'ajv';
import { planDocument } from '../../src/plan/describe.js';
import { parseApplicationConfig } from '../../src/config/index.js';
import { NO_INPUTS } from '../../src/config/compose-inputs.js';
import type { ComposeInputs } from '../../src/config/compose-inputs.js';
import { memoryProject } from '../../src/config/project-payloads.js';
import { fsProjectReader } from '../../src/config/project-files.js';
import { InputError } from '../../src/errors.js';
import type { Application } from '../../src/model/application.js';
import { payloadHash, valuePayload } from '../../src/model/payload.js';
import type { Payload } from '../../src/model/payload.js';
import { dockerRunArgv } from '../../src/docker/run-argv.js';
import { configDiff } from '../../src/plan/config-diff.js';
import { explainFieldChange } from '../../src/plan/config-diff-text.js';
import { shownChange } from '../../src/plan/shown.js';
import { payloadTar } from '../../src/systemd/payload-tar.js';
import { appContents } from '../../src/systemd/application-units.js';
import { parseChangestateInput } from '../../src/validation/changestate-input.js';
import { payloadsFor } from '../../src/deploy/session.js';

const conf: Payload = valuePayload('server { listen 80; }\n');
const html: Payload = {
  entries: [
    { path: '', type: 'dir' },
    { path: 'index.html', type: 'file', data: Buffer.from('<h1>hi</h1>').toString('base64') },
    { path: 'sub', type: 'dir' },
    {
      path: 'sub/run.sh',
      type: 'file',
      data: Buffer.from('#!/bin/sh\n').toString('base64'),
      executable: true,
    },
  ],
};
const pw: Payload = valuePayload('s3cret-from-file');

function inputs(
  env: Record<string, string> = {},
): ComposeInputs & { project: ReturnType<typeof memoryProject> } {
  const project = memoryProject({ 'nginx.conf': conf, html, 'db_password.txt': pw });
  return { ...NO_INPUTS, env, project };
}

const COMPOSE = `services:
  web:
    image: nginx
    volumes:
      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
      - ./html:/usr/share/nginx/html
      - data:/var/cache
    secrets:
      - db_password
      - source: api_key
        target: key
        mode: 0440
        uid: "101"
volumes:
  data: {}
secrets:
  db_password:
    file: ./db_password.txt
  api_key:
    environment: API_KEY
`;

function problems(text: string, i: ComposeInputs = inputs({ API_KEY: 'k-123' })): string[] {
  try {
    parseApplicationConfig(text, 'app.yml', i);
  } catch (e) {
    if (e instanceof InputError) return e.message.split('\n');
    throw e;
  }
  return [];
}

describe('project files and secrets: compose', function () {
  it('converts binds and secrets: hashes and targets in the model, contents kept aside', function () {
    const i = inputs({ API_KEY: 'k-123' });
    const web = parseApplicationConfig(COMPOSE, 'app.yml', i)['web'] as Application;
    expect(web.volume).to.deep.equal({ mountpoint: '/var/cache' });
    expect(web.files).to.deep.equal({
      '/etc/nginx/conf.d/default.conf': { source: './nginx.conf', hash: payloadHash(conf), read_only: true },
      '/usr/share/nginx/html': { source: './html', hash: payloadHash(html), read_only: false },
    });
    expect(web.secrets).to.deep.equal({
      '/run/secrets/db_password': { source: 'db_password', hash: payloadHash(pw), mode: 0o400 },
      '/run/secrets/key': {
        source: 'api_key',
        hash: payloadHash(valuePayload('k-123')),
        mode: 0o440,
        uid: 101,
      },
    });
    expect([...i.project.store.payloads.keys()].sort()).to.deep.equal(
      [conf, html, pw, valuePayload('k-123')].map(payloadHash).sort(),
    );
    expect(JSON.stringify(web)).to.not.include('k-123');
  });

  it('a container path written with a trailing "/" is the same path (as compose and docker take it)', function () {
    const web = parseApplicationConfig(
      'services:\n  web:\n    image: nginx\n    volumes: ["./html:/usr/share/nginx/html/"]\n',
      'app.yml',
      inputs(),
    )['web'] as Application;
    expect(Object.keys(web.files ?? {})).to.deep.equal(['/usr/share/nginx/html']);
  });

  it('refuses host paths, the docker socket and paths out of the project, each at its item', function () {
    const text = `services:
  web:
    image: nginx
    volumes:
      - /etc/passwd:/etc/passwd:ro
      - /var/run/docker.sock:/var/run/docker.sock
      - ../outside:/x
      - ./missing.conf:/y
      - ./nginx.conf:relative
      - ./nginx.conf:/z:ro,z
      - type: bind
        source: ~/conf
        target: /w
`;
    const p = problems(text);
    expect(p).to.have.length(7);
    expect(p[0]).to.match(
      /^app\.yml:5:9: services\.web\.volumes\[0\]: cannot mount "\/etc\/passwd": a path of the deploying machine/,
    );
    expect(p[1]).to.match(
      /:6:9: .*volumes\[1\]: cannot mount .*: the docker socket gives the container root/,
    );
    expect(p[2]).to.match(
      /:7:9: .*volumes\[2\]: cannot mount "\.\.\/outside": only files and folders inside the project folder/,
    );
    expect(p[3]).to.match(
      /:8:9: .*volumes\[3\]: cannot mount "\.\/missing\.conf": it does not exist beside the compose file/,
    );
    expect(p[4]).to.match(/:9:9: .*volumes\[4\]: expected an absolute path inside the container/);
    expect(p[5]).to.match(/:10:9: .*volumes\[5\]: .*unsupported option "z" .*SELinux/);
    expect(p[6]).to.match(/:12:17: .*volumes\[6\]\.source: cannot mount "~\/conf"/);
  });

  it('refuses undeclared, unset and badly declared secrets with their reasons', function () {
    const text = `services:
  web:
    image: nginx
    secrets:
      - nope
      - source: db
        mode: 999
secrets:
  dir:
    file: ./html
  db:
    environment: UNSET_VAR
  ext:
    external: true
  both:
    file: ./db_password.txt
    environment: X
`;
    const p = problems(text, inputs());
    expect(
      p.some((l) =>
        /:5:9: services\.web\.secrets\[0\]: expected a secret declared under the top-level secrets:, found "nope"/.test(
          l,
        ),
      ),
    ).to.equal(true, p.join('\n'));
    expect(p.some((l) => /:7:15: .*secrets\[1\]\.mode: expected a file mode like 0400/.test(l))).to.equal(
      true,
      p.join('\n'),
    );
    expect(
      p.some((l) => /secrets\.dir\.file: expected a file, found the folder "\.\/html"/.test(l)),
    ).to.equal(true, p.join('\n'));
    expect(
      p.some((l) => /:12:18: secrets\.db\.environment: expected the variable UNSET_VAR to be set/.test(l)),
    ).to.equal(true, p.join('\n'));
    expect(p.some((l) => /secrets\.ext\.external: unsupported secret key "external"/.test(l))).to.equal(
      true,
      p.join('\n'),
    );
    expect(
      p.some((l) =>
        /secrets\.both: expected exactly one of the keys file and environment, found both/.test(l),
      ),
    ).to.equal(true, p.join('\n'));
  });

  it('configs: file, environment and content, mounted at /NAME with mode 0444 unless the mount says otherwise', function () {
    const i = inputs({ SITE: 'example.org' });
    const text = `services:
  web:
    image: nginx
    secrets: [db_password]
    configs:
      - nginx_conf
      - source: site
        target: /etc/site
        mode: 0440
      - source: motd
        target: motd.txt
configs:
  nginx_conf:
    file: ./nginx.conf
  site:
    environment: SITE
  motd:
    content: "hello \${SITE}"
secrets:
  db_password:
    file: ./db_password.txt
`;
    const web = parseApplicationConfig(text, 'app.yml', i)['web'] as Application;
    expect(web.secrets).to.deep.equal({
      '/run/secrets/db_password': { source: 'db_password', hash: payloadHash(pw), mode: 0o400 },
      '/nginx_conf': { source: 'nginx_conf', hash: payloadHash(conf), mode: 0o444 },
      '/etc/site': { source: 'site', hash: payloadHash(valuePayload('example.org')), mode: 0o440 },
      '/motd.txt': { source: 'motd', hash: payloadHash(valuePayload('hello example.org')), mode: 0o444 },
    });
  });

  it('configs: undeclared, badly declared, and one path in secrets and configs refused with reasons', function () {
    const p = problems(
      `services:
  web:
    image: nginx
    secrets:
      - source: db_password
        target: /etc/app.conf
    configs:
      - nope
      - source: app
        target: /etc/app.conf
configs:
  app:
    file: ./nginx.conf
  ext:
    external: true
  two:
    file: ./nginx.conf
    content: x
secrets:
  db_password:
    file: ./db_password.txt
`,
      inputs(),
    );
    const has = (re: RegExp): void => {
      expect(p.some((l) => re.test(l))).to.equal(true, p.join('\n'));
    };
    has(/services\.web\.configs\[0\]: expected a config declared under the top-level configs:, found "nope"/);
    has(
      /configs\.ext\.external: unsupported config key "external" .*supported keys are: file, environment, content/,
    );
    has(/configs\.two: expected exactly one of the keys file, environment, content, found file and content/);
    has(
      /services\.web\.configs: expected each container path mounted once, found "\/etc\/app\.conf" in secrets and in configs/,
    );
  });

  it('refuses two mounts at one container path', function () {
    const p = problems(`services:
  web:
    image: nginx
    volumes: ["./nginx.conf:/run/secrets/db_password"]
    secrets: [db_password]
secrets:
  db_password:
    file: ./db_password.txt
`);
    expect(p).to.have.length(1);
    expect(p[0]).to.match(
      /:5:14: services\.web\.secrets: expected each container path mounted once, found "\/run\/secrets\/db_password" in volumes and in secrets/,
    );
  });

  it('refuses files and secrets in a Flocker-format file (their contents come from a compose project)', function () {
    const p = problems(`version: 1
applications:
  web:
    image: nginx
    files:
      /etc/x: { source: ./x, hash: "${'a'.repeat(64)}", read_only: true }
`);
    expect(p.join('\n')).to.match(
      /applications\.web\.files: unsupported key "files" in a Flocker application file/,
    );
  });

  it('the deploy is refused over the size limit, naming both figures', function () {
    const big = valuePayload(Buffer.alloc(17 * 1024 * 1024, 1));
    const i = { ...NO_INPUTS, project: memoryProject({ 'big.bin': big }) };
    const p = problems('services:\n  web:\n    image: nginx\n    volumes: ["./big.bin:/big"]\n', i);
    expect(p.join('\n')).to.match(/would be 17 MiB, over the limit of 16 MiB/);
  });
});

describe('project files: the reader on the deploying machine', function () {
  let dir: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'flocker-project-'));
    mkdirSync(join(dir, 'proj/conf/sub'), { recursive: true });
    writeFileSync(join(dir, 'proj/conf/a.conf'), 'a=1\n');
    writeFileSync(join(dir, 'proj/conf/sub/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(dir, 'secret.txt'), 'outside\n');
    symlinkSync('../secret.txt', join(dir, 'proj/escape'));
    symlinkSync('conf/a.conf', join(dir, 'proj/inside'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a folder as a canonical tree; the same content has the same hash', function () {
    const r = fsProjectReader(join(dir, 'proj'));
    const a = r.read('conf');
    expect(a).to.have.property('hash');
    const p = r.store.payloads.get((a as { hash: string }).hash)!;
    expect(p.entries.map((e) => [e.path, e.type, 'executable' in e])).to.deep.equal([
      ['', 'dir', false],
      ['a.conf', 'file', false],
      ['sub', 'dir', false],
      ['sub/run.sh', 'file', true],
    ]);
    expect(fsProjectReader(join(dir, 'proj')).read('conf')).to.deep.equal(a);
    // a symlink inside the project is followed: the content is the target's
    expect(r.read('inside')).to.deep.equal(r.read('conf/a.conf'));
  });

  it('refuses a symlink out of the project folder, with the reason', function () {
    const r = fsProjectReader(join(dir, 'proj'));
    expect(r.read('escape'))
      .to.have.property('problem')
      .that.matches(/resolves to .*secret\.txt", outside the project folder/);
    expect(r.read('nothing')).to.equal('missing');
  });
});

describe('project files and secrets: on the node', function () {
  const app: Application = {
    ...parseApplicationConfig(COMPOSE, 'app.yml', inputs({ API_KEY: 'k-123' }))['web']!,
    volume: undefined,
  } as Application;
  const { volume: _v, ...noVolume } = app;
  void _v;

  it('docker run mounts each project file by hash and each secret read-only', function () {
    const argv = dockerRunArgv(noVolume, {
      envFile: '/s/web.env',
      filesDir: '/s/web.files',
      secretsDir: '/s/web.secrets',
    });
    const mounts = argv.flatMap((a, i) => (argv[i - 1] === '-v' ? [a] : []));
    expect(mounts).to.deep.equal([
      `/s/web.files/${payloadHash(conf)}:/etc/nginx/conf.d/default.conf:ro`,
      `/s/web.files/${payloadHash(html)}:/usr/share/nginx/html`,
      '/s/web.secrets/0:/run/secrets/db_password:ro',
      '/s/web.secrets/1:/run/secrets/key:ro',
    ]);
    expect(() => dockerRunArgv(noVolume, { envFile: '/s/web.env' }))
      .to.throw()
      .with.property('code', 'E_APP_FILES');
  });

  it('the node refuses to start without every content; secrets carry their mode and owner', function () {
    const payloads = Object.fromEntries(
      [conf, html, pw, valuePayload('k-123')].map((p) => [payloadHash(p), p]),
    );
    const c = appContents(noVolume, payloads);
    expect([...c.files.keys()].sort()).to.deep.equal([payloadHash(conf), payloadHash(html)].sort());
    expect(c.secrets.map((s) => [s.file, s.mode, s.owner])).to.deep.equal([
      ['0', 0o400, '0:0'],
      ['1', 0o440, '101:0'],
    ]);
    expect(() => appContents(noVolume, {}))
      .to.throw()
      .with.property('code', 'E_APP_FILES');
  });

  it('a payload becomes a ustar archive under its hash', function () {
    const t = payloadTar(html, 'h');
    expect(t.length % 512).to.equal(0);
    expect(t.subarray(0, 2).toString()).to.equal('h/');
    expect(t.subarray(257, 262).toString()).to.equal('ustar');
    expect(t.includes(Buffer.from('<h1>hi</h1>'))).to.equal(true);
  });

  it('the changestate input carries the payloads of the apps placed on its node, checked by hash', function () {
    const payloads = Object.fromEntries(
      [conf, html, pw, valuePayload('k-123')].map((p) => [payloadHash(p), p]),
    );
    const desired = { applications: { web: noVolume }, nodes: { n1: ['web'], n2: [] } };
    const mine = payloadsFor(desired, 'n1', payloads);
    expect(Object.keys(mine ?? {}).sort()).to.deep.equal(Object.keys(payloads).sort());
    expect(payloadsFor(desired, 'n2', payloads)).to.equal(undefined);
    const state = {
      protocol: 1,
      node: { hostname: 'h1', machine_id: '0123456789abcdef0123456789abcdef' },
      applications: {},
      owned_volumes: [],
      volume_copies: [],
      routes: [],
    };
    const input = {
      protocol: 1,
      phase: 'start',
      self: 'n1',
      desired,
      cluster: { nodes: { n1: { address: '198.51.100.2', state }, n2: { address: '198.51.100.3', state } } },
      peers: {},
      payloads: mine,
      audit: { user: 'alice', config_hash: 'abc', started_at: '2026-01-01T00:00:00.000Z' },
    };
    expect(parseChangestateInput(JSON.stringify(input)).payloads).to.deep.equal(mine);
    const tampered = structuredClone(input) as typeof input & { payloads: Record<string, Payload> };
    const h = payloadHash(conf);
    tampered.payloads[h] = valuePayload('other');
    expect(() => parseChangestateInput(JSON.stringify(tampered))).to.throw(/does not match its hash/);
    const missing = structuredClone(input) as typeof input & { payloads: Record<string, Payload> };
    delete missing.payloads[h];
    expect(() => parseChangestateInput(JSON.stringify(missing))).to.throw(
      /files\.\/etc\/nginx\/conf\.d\/default\.conf.*no payload with this hash|no payload with this hash/,
    );
  });
});

describe('secrets are never printed', function () {
  const mk = (value: string): Application =>
    parseApplicationConfig(COMPOSE, 'app.yml', inputs({ API_KEY: value }))['web']!;
  const before = mk('first-value');
  const after = mk('second-value');

  it('a changed secret is a change of the app (it restarts), explained without value or hash', function () {
    const d = configDiff(before, after);
    expect(d).to.deep.equal([{ field: 'secrets', key: '/run/secrets/key', change: 'changed' }]);
    const text = d.map(explainFieldChange).join('\n');
    const hashes = Object.values(after.secrets ?? {}).map((s) => s.hash);
    for (const x of ['second-value', ...hashes]) expect(text).to.not.include(x);
  });

  it('the --dry-run --json document with files and secrets matches docs/schema/plan.v1.json, no value or hash', function () {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(readFileSync('docs/schema/plan.v1.json', 'utf8')) as object);
    const doc = planDocument(
      {
        phases: [
          {
            phase: 'start',
            nodes: { n1: { kind: 'start-application', application: after, link_environment: {} } },
          },
        ],
      },
      { n1: '198.51.100.2' },
    );
    expect(validate(doc), ajv.errorsText(validate.errors)).to.equal(true);
    const text = JSON.stringify(doc);
    expect(text).to.include(payloadHash(conf)); // a project file's hash is shown
    for (const s of Object.values(after.secrets ?? {})) expect(text).to.not.include(s.hash);
    expect(text).to.not.include('second-value');
  });

  it('plans, JSON and events show the targets only', function () {
    const shown = JSON.stringify(
      shownChange({ kind: 'start-application', application: after, link_environment: {} }),
    );
    expect(shown).to.include('/run/secrets/key');
    for (const s of Object.values(after.secrets ?? {})) expect(shown).to.not.include(s.hash);
    expect(shown).to.not.include('second-value');
  });
});
