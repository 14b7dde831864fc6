// The compose subset piece by piece: interpolation, env files, shell words, durations, merge
// keys (values and positions), the inputs seam, and the native format's new keys.
import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseApplicationConfig } from '../../src/config/index.js';
import type { ComposeInputs } from '../../src/config/index.js';
import { interpolate } from '../../src/config/compose-interpolate.js';
import { parseEnvFile } from '../../src/config/compose-envfile.js';
import { parseDuration, splitShellWords } from '../../src/config/compose-values.js';
import { parseYaml } from '../../src/config/yaml-build.js';
import { locate } from '../../src/config/yaml-source.js';

const vars: Record<string, string> = { A: 'a', EMPTY: '', N: '8080' };
const lookup = (n: string): string | undefined => (Object.hasOwn(vars, n) ? vars[n] : undefined);
const val = (s: string): unknown => {
  const r = interpolate(s, lookup);
  return 'value' in r ? r.value : r;
};

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError)
      return e.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const files = (map: Record<string, string>, env: Record<string, string> = {}): ComposeInputs => ({
  env,
  dir: 'proj',
  readFile: (p) => (Object.hasOwn(map, p) ? { text: map[p] as string } : 'missing'),
});

describe('compose interpolation', () => {
  it('substitutes every form compose knows', () => {
    expect(val('$A ${A} x${A}y')).to.equal('a a xay');
    expect(val('${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}')).to.equal('d d  d');
    expect(val('${A:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${UNSET+alt}')).to.equal('alt  alt ');
    expect(val('${A:?m} ${EMPTY?m}')).to.equal('a ');
    expect(val('$$A $${A} $$')).to.equal('$A ${A} $');
    expect(val('${UNSET:-${N}}:80')).to.equal('8080:80');
    expect(val('no dollar')).to.equal('no dollar');
  });

  it('says what is wrong', () => {
    expect(val('${EMPTY:?give it}')).to.deep.equal({
      problem: 'expected the variable EMPTY to be set and not empty: give it',
    });
    expect(val('${UNSET?}')).to.deep.equal({
      problem: 'expected the variable UNSET to be set: it is required',
    });
    expect(val('$UNSET'))
      .to.have.property('problem')
      .that.match(/UNSET to be set .*\$\{UNSET:-\}/);
    expect(val('a $ b'))
      .to.have.property('problem')
      .that.match(/write "\$\$" for a literal/);
    expect(val('${A'))
      .to.have.property('problem')
      .that.match(/never closed/);
    expect(val('${1A}'))
      .to.have.property('problem')
      .that.match(/variable name/);
  });
});

describe('compose env files', () => {
  it('reads compose syntax: comments, export, quotes, inline comments, interpolation', () => {
    const text = [
      '# comment',
      '',
      'export A1=plain value # comment',
      'B="x\\ty \\"q\\" ${A}" # comment',
      "C='${A} \\' raw'",
      'D=x#not-a-comment',
      'E=${A1}',
      'PASS',
    ].join('\n');
    const r = parseEnvFile(text, 'f.env', lookup, { passThrough: true });
    expect(r.problems).to.deep.equal([]);
    expect(r.entries.map((e) => [e.name, e.value])).to.deep.equal([
      ['A1', 'plain value'],
      ['B', 'x\ty "q" a'],
      ['C', "${A} ' raw"],
      ['D', 'x#not-a-comment'],
      ['E', 'plain value'],
      ['PASS', undefined],
    ]);
  });

  it('a name without "=" is a problem in .env', () => {
    const r = parseEnvFile('PASS\n', '.env', lookup, { passThrough: false });
    expect(r.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).to.deep.equal([
      '1:1 expected NAME=value, found "PASS" without "="',
    ]);
  });
});

describe('compose command words and durations', () => {
  it('splits like a shell, refuses operators', () => {
    expect(splitShellWords(`a  'b c' "d \\"e\\" \\n" f\\ g ''`)).to.deep.equal([
      'a',
      'b c',
      'd "e" \\n',
      'f g',
      '',
    ]);
    expect(splitShellWords('a | b')).to.match(/shell operator/);
    expect(splitShellWords("a 'b")).to.match(/never closed/);
  });

  it('reads Go durations', () => {
    expect(parseDuration('1m30s')).to.equal(90);
    expect(parseDuration('500ms')).to.equal(0.5);
    expect(parseDuration('1.5h')).to.equal(5400);
    expect(parseDuration('0')).to.equal(0);
    expect(parseDuration('10')).to.be.a('string');
    expect(parseDuration(10)).to.match(/write "10s"/);
    expect(parseDuration('1d')).to.be.a('string');
  });
});

describe('YAML merge keys', () => {
  const text = `base: &b
  x: 1
  y: 2
more: &m
  y: 3
  z: 4
one:
  <<: *b
  x: 9
list:
  x: 0
  <<: [*m, *b]
quoted:
  "<<": *b
`;
  it('merges: written keys win, then the first merged mapping', () => {
    const { doc, problems } = parseYaml(text, 'm.yml');
    expect(problems).to.deep.equal([]);
    const v = doc?.value as Record<string, Record<string, unknown>>;
    expect({ ...v['one'] }).to.deep.equal({ x: 9, y: 2 });
    expect({ ...v['list'] }).to.deep.equal({ x: 0, y: 3, z: 4 });
    expect(Object.keys(v['quoted'] ?? {})).to.deep.equal(['<<']);
  });

  it('a merged value is located where it is written', () => {
    const { doc } = parseYaml(text, 'm.yml');
    if (!doc) throw new Error('no doc');
    expect(locate(doc, ['one', 'y'])).to.deep.equal({ line: 3, column: 6 });
    expect(locate(doc, ['one', 'x'])).to.deep.equal({ line: 9, column: 6 });
    expect(locate(doc, ['list', 'z'])).to.deep.equal({ line: 6, column: 6 });
  });
});

describe('compose inputs seam', () => {
  const compose = `services:
  web:
    image: nginx:\${TAG}
    env_file: web.env
    environment:
      FROM_DOTENV: \${DOT}
      PASSED:
      OVER: env
    ports: ["127.0.0.1:\${PORT:-8081}:8080"]
`;
  it('the environment wins over .env; env_file under environment', () => {
    const apps = parseApplicationConfig(
      compose,
      'proj/compose.yml',
      files(
        { 'proj/.env': 'TAG=1.0\nDOT=dot\nPASSED=p\n', 'proj/web.env': 'OVER=file\nONLY=file\n' },
        { TAG: '2.0' },
      ),
    );
    expect(apps['web']?.image).to.equal('nginx:2.0');
    expect(apps['web']?.environment).to.deep.equal({
      FROM_DOTENV: 'dot',
      ONLY: 'file',
      OVER: 'env',
      PASSED: 'p',
    });
    expect(apps['web']?.ports).to.deep.equal([{ internal: 8080, external: 8081, host_ip: '127.0.0.1' }]);
  });

  it('a missing env_file and an unset pass-through are problems at their items', () => {
    expect(
      problemsOf(() => parseApplicationConfig(compose, 'proj/compose.yml', files({}, { TAG: '1' }))),
    ).to.deep.equal([
      'proj/compose.yml:4:15: services.web.env_file: cannot read the environment file "proj/web.env": it does not exist (write required: false for an optional file)',
      'proj/compose.yml:6:20: services.web.environment.FROM_DOTENV: expected the variable DOT to be set (in the environment or the .env file), found it unset; write ${DOT:-default} to give a default or ${DOT:-} for an empty value',
      'proj/compose.yml:7:7: services.web.environment.PASSED: expected the variable PASSED to be set in the deploying environment or the .env file, found it unset (a variable passed through is required: write PASSED= for an empty value)',
    ]);
  });
});

describe('Flocker format: command, entrypoint, healthcheck, depends_on', () => {
  it('accepts them', () => {
    const apps = parseApplicationConfig(
      `version: 1
applications:
  web:
    image: nginx
    command: ["nginx", "-g", "daemon off;"]
    entrypoint: []
    healthcheck: {test: ["CMD", "true"], interval_seconds: 5, retries: 3}
    depends_on: [db]
  db:
    image: postgres
`,
      'a.yml',
    );
    expect(apps['web']).to.include.keys('command', 'entrypoint', 'healthcheck', 'depends_on');
    expect(apps['web']?.depends_on).to.deep.equal(['db']);
    expect(apps['web']?.entrypoint).to.deep.equal([]);
  });

  it('refuses unknown names and cycles, at the item', () => {
    expect(
      problemsOf(() =>
        parseApplicationConfig(
          `version: 1
applications:
  a: {image: x, depends_on: [b, ghost]}
  b: {image: x, depends_on: [a]}
`,
          'a.yml',
        ),
      ),
    ).to.deep.equal([
      'a.yml:3:33: applications.a.depends_on[1]: expected the name of an application in this file, found "ghost"',
      'a.yml:4:30: applications.b.depends_on[0]: expected no dependency cycle, found a -> b -> a',
    ]);
  });

  it('refuses a health check test docker cannot run, before any contact', () => {
    expect(
      problemsOf(() =>
        parseApplicationConfig(
          `version: 1
applications:
  a: {image: x, healthcheck: {test: ["CMD"]}}
  b: {image: x, healthcheck: {test: ["CMD-SHELL", "true", "false"]}}
  c: {image: x, healthcheck: {test: ["NONE", "x"]}}
  d: {image: x, healthcheck: {test: ["SHELL", "true"]}}
`,
          'a.yml',
        ),
      ),
    ).to.deep.equal([
      'a.yml:3:37: applications.a.healthcheck.test: expected ["CMD", program, args...] with a program, found "CMD" with 0 more items',
      'a.yml:4:37: applications.b.healthcheck.test: expected ["CMD-SHELL", "one command line"] (exactly one string after CMD-SHELL), found "CMD-SHELL" with 2 more items',
      'a.yml:5:37: applications.c.healthcheck.test: expected ["NONE"] alone, found "NONE" with 1 more item',
      'a.yml:6:37: applications.d.healthcheck.test: expected the first item to be CMD, CMD-SHELL or NONE, found "SHELL"',
    ]);
  });
});
