// Bad input, every time: no hang, no crash, no silent change (issue 9, items 1-4 and 6).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { deploy } from '../../src/deploy/driver.js';
import { fakeCluster } from '../helpers/fake-cluster.js';
import { buildDesiredConfig, loadDesiredConfig, parseApplicationConfig } from '../../src/config/index.js';
import { MAX_INPUT_BYTES, decodeUtf8, readInputFile, readInputStream } from '../../src/config/read-input.js';
import { escapeText, quoteText } from '../../src/validation/echo.js';
import { checkSshConfigFile } from '../../src/ssh/load.js';
import { pathOf } from '../../src/validation/problems.js';
import { pathAt } from '../../src/config/yaml-syntax.js';
import { computeLineStarts } from '../../src/config/yaml-source.js';

const DEP = 'version: 1\nnodes:\n  n1: [web]\n';
const APP = 'version: 1\napplications:\n  web:\n    image: nginx\n';

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

async function loadError(dep: string, app: string, stdin?: string): Promise<InputError> {
  try {
    await loadDesiredConfig(
      dep,
      app,
      stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) },
    );
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

describe('config input: reading files safely', function () {
  this.timeout(10_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/flocker-cfg-`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a FIFO at once (it never blocks), and /dev/zero, /dev/urandom and a directory', async () => {
    const fifo = `${dir}/fifo`;
    execFileSync('mkfifo', [fifo]);
    const t = Date.now();
    for (const f of [fifo, '/dev/zero', '/dev/urandom', dir]) {
      const r = readInputFile(f);
      expect('failure' in r && r.failure.message, f).to.match(/^expected a regular file, found /);
    }
    expect(Date.now() - t).to.be.below(1000);
    const e = await loadError(fifo, '/dev/zero');
    expect(e.message).to.contain(
      `${fifo}:1:1: (document): expected a regular file, found a FIFO (named pipe)`,
    );
    expect(e.message).to.contain(
      '/dev/zero:1:1: (document): expected a regular file, found a character device',
    );
  });

  it('--ssh-config is read the same way: a FIFO is refused at once', () => {
    const fifo = `${dir}/ssh-fifo`;
    execFileSync('mkfifo', [fifo]);
    expect(() => checkSshConfigFile(fifo, dir)).to.throw(/expected a regular file, found a FIFO/);
    expect(() => checkSshConfigFile(`${dir}/none`, dir)).to.throw(/no such file/);
    writeFileSync(`${dir}/latin1`, Buffer.from('Host a\n  User caf\xe9\n', 'latin1'));
    expect(() => checkSshConfigFile(`${dir}/latin1`, dir)).to.throw(
      /expected UTF-8 text, found the byte 0xe9/,
    );
  });

  it('refuses a file over the size limit without reading it whole, and says the limit', () => {
    const big = `${dir}/big.yml`;
    writeFileSync(big, Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20));
    const r = readInputFile(big);
    expect('failure' in r && r.failure.message).to.equal(
      'the file is larger than 1 MiB, more than a config ever needs',
    );
  });

  it('standard input is bounded too: reading stops past the limit', async () => {
    let chunks = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        chunks++;
        yield Buffer.alloc(1024 * 1024, 0x20);
      }
    }
    const r = await readInputStream(endless());
    expect('failure' in r && r.failure.message).to.match(/larger than 1 MiB/);
    expect(chunks).to.equal(2);
  });

  it('strict UTF-8: a Latin-1 byte is named with its byte offset and line:col, never U+FFFD', () => {
    const r = decodeUtf8(Buffer.from('a: 1\nb: caf\xe9\n', 'latin1'));
    expect('failure' in r && r.failure).to.deep.equal({
      message:
        'expected UTF-8 text, found the byte 0xe9 at byte offset 11 (line 2, column 7); save the file as UTF-8',
      line: 2,
      column: 7,
    });
    for (const bad of [
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
    ]) {
      expect('failure' in decodeUtf8(Buffer.from(bad)), String(bad)).to.equal(true);
    }
    expect(decodeUtf8(Buffer.from('\ufeffa: é\n'))).to.deep.equal({ text: 'a: é\n' });
  });

  it('"-" reads standard input (one of the two files at most)', async () => {
    const app = `${dir}/app.yml`;
    writeFileSync(app, APP);
    const d = await loadDesiredConfig('-', app, { stdin: Readable.from([Buffer.from(DEP)]) });
    expect(Object.keys(d.nodes)).to.deep.equal(['n1']);
    const both = await loadError('-', '-', DEP);
    expect(both.message).to.contain('expected at most one of the two files to be "-"');
    const bad = await loadError('-', app, 'version: 2\nnodes: {}\n');
    expect(bad.message).to.equal(
      '-:1:10: version: expected the number 1 (the only config version there is), found the number 2',
    );
  });
});

describe('config input: keys and values as written', () => {
  it('node and application names are the text written: 0x1F, null and ~ are distinct, never merged', () => {
    const d = buildDesiredConfig(
      {
        file: 'a.yml',
        text: 'version: 1\napplications:\n  "null":\n    image: nginx\n  0x1F:\n    image: nginx\n',
      },
      { file: 'd.yml', text: 'version: 1\nnodes:\n  0x1F: [0x1F]\n  null: ["null"]\n  1e3: []\n' },
    );
    expect(Object.keys(d.nodes).sort()).to.deep.equal(['0x1F', '1e3', 'null']);
    expect(Object.keys(d.applications).sort()).to.deep.equal(['0x1F', 'null']);
    const e = inputError(() =>
      buildDesiredConfig(
        { file: 'a.yml', text: APP },
        { file: 'd.yml', text: 'version: 1\nnodes:\n  ~: []\n  null: []\n  "null": []\n' },
      ),
    );
    expect(e.message).to.contain('d.yml:3:3: nodes["~"]: expected a node name');
    expect(e.message).to.contain(
      'd.yml:5:3: nodes.null: duplicate key "null", first defined at line 4 column 3',
    );
  });

  it('maps are null-prototype: constructor, toString and __proto__ are plain names', () => {
    const d = buildDesiredConfig(
      {
        file: 'a.yml',
        text: 'version: 1\napplications:\n  constructor:\n    image: nginx\n    environment:\n      __proto__: x\n  toString:\n    image: nginx\n',
      },
      { file: 'd.yml', text: 'version: 1\nnodes:\n  hasOwnProperty: [constructor, toString]\n' },
    );
    expect(Object.getPrototypeOf(d.applications)).to.equal(null);
    expect(Object.getPrototypeOf(d.nodes)).to.equal(null);
    expect(Object.keys(d.applications).sort()).to.deep.equal(['constructor', 'toString']);
    expect(d.nodes['hasOwnProperty']).to.deep.equal(['constructor', 'toString']);
    expect(Object.keys(d.applications['constructor']?.environment ?? {})).to.deep.equal(['__proto__']);
  });

  it('compose environment values keep the exact text (01234, 1.20, 20 digits, 0x10, __proto__=x)', () => {
    const apps = parseApplicationConfig(
      'services:\n  web:\n    image: nginx\n    environment:\n      ZIP: 01234\n      VER: 1.20\n      BIG: 12345678901234567890\n      HEX: 0x10\n      EXP: 1e3\n  db:\n    image: nginx\n    environment:\n      - __proto__=x\n      - ZIP=01234\n',
      'c.yml',
    );
    expect(apps['web']?.environment).to.deep.equal({
      BIG: '12345678901234567890',
      EXP: '1e3',
      HEX: '0x10',
      VER: '1.20',
      ZIP: '01234',
    });
    expect(Object.keys(apps['db']?.environment ?? {})).to.deep.equal(['ZIP', '__proto__']);
    expect(apps['db']?.environment['__proto__']).to.equal('x');
  });

  it('a Flocker-format number says how to quote it as written', () => {
    const e = inputError(() =>
      parseApplicationConfig(
        'version: 1\napplications:\n  web:\n    image: nginx\n    environment:\n      VER: 1.20\n',
        'a.yml',
      ),
    );
    expect(e.message).to.contain('found the number 1.20 (quote it to make it a string: "1.20")');
  });
});

describe('config input: exact values reach the nodes', () => {
  it('a compose `- __proto__=x` and `ZIP: 01234` are deployed as written; a repeat changes nothing', async () => {
    const desired = buildDesiredConfig(
      {
        file: 'c.yml',
        text: 'services:\n  web:\n    image: busybox\n    environment:\n      - __proto__=x\n      - ZIP=01234\n',
      },
      { file: 'd.yml', text: 'version: 1\nnodes:\n  n1: [web]\n' },
    );
    const c = fakeCluster(['n1']);
    const run = () =>
      deploy({ desired, dryRun: false, connect: c.connect, emit: () => undefined, user: 't' });
    const first = await run();
    const start = first.plan.phases.flatMap((ph) => JSON.stringify(ph));
    expect(start.join('')).to.contain('"__proto__":"x"');
    expect(start.join('')).to.contain('"ZIP":"01234"');
    const again = await run();
    expect(again.plan.phases).to.deep.equal([]);
  });
});

describe('config input: every check runs, linear and bounded', function () {
  this.timeout(20_000);

  it('duplicate, __proto__ and complex keys do not stop the other checks or the cross-file checks', () => {
    const e = inputError(() =>
      buildDesiredConfig(
        {
          file: 'a.yml',
          text: 'version: 1\napplications:\n  web:\n    image: nginx\n    image: nginx\n    ports: 80\n  ? [x]\n  : {}\n',
        },
        { file: 'd.yml', text: 'version: 1\nnodes:\n  n1: [web]\n  n1: []\n  n2: [ghost]\n' },
      ),
    );
    const text = e.message;
    expect(text).to.contain('a.yml:5:5: applications.web.image: duplicate key');
    expect(text).to.contain('a.yml:6:12: applications.web.ports: expected');
    expect(text).to.contain('a.yml:7:5: applications: expected a plain key, found a list used as a key');
    expect(text).to.contain('d.yml:4:3: nodes.n1: duplicate key');
    expect(text).to.contain(
      'd.yml:5:8: nodes.n2[0]: expected an application defined in a.yml, found "ghost"',
    );
  });

  it('150,000 problems: no stack overflow, 100 listed and the rest counted', () => {
    let s = 'version: 1\napplications:\n  web:\n    image: nginx\n    ports:\n';
    for (let i = 0; i < 150_000; i++) s += '      - 1\n';
    const e = inputError(() => buildDesiredConfig({ file: 'a.yml', text: s }, { file: 'd.yml', text: DEP }));
    expect(e.problems).to.have.length(100);
    expect(e.omitted).to.equal(149_900);
    expect(e.message.split('\n').pop()).to.equal('… and 149,900 more problems');
  });

  it('32,000 block scalars and 20,000 compose services with a bad port each stay fast', () => {
    let a = 'version: 1\napplications:\n';
    for (let i = 0; i < 32_000; i++) a += `  a${i}:\n    image: |-\n      nginx\n`;
    let c = 'services:\n';
    for (let i = 0; i < 20_000; i++) c += `  s${i}:\n    image: nginx\n    ports: ["x${i}"]\n`;
    for (const text of [a, c]) {
      const cpu = process.cpuUsage(); // CPU time, not wall time: other processes do not count
      try {
        buildDesiredConfig({ file: 'a.yml', text }, { file: 'd.yml', text: 'version: 1\nnodes: {}\n' });
      } catch (e) {
        expect(e).to.be.instanceOf(InputError);
      }
      // about half a second of CPU each (2-core box); the bound leaves room for a slow CI machine
      const used = process.cpuUsage(cpu);
      expect((used.user + used.system) / 1000).to.be.below(3000);
    }
  });

  it('aliases that repeat too much are refused, not expanded', () => {
    let s = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    let prev = 'a';
    for (let i = 0; i < 8; i++) {
      s += `b${i}: &b${i} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
      prev = `b${i}`;
    }
    const e = inputError(() => parseApplicationConfig(s, 'a.yml'));
    expect(e.message).to.match(/expected aliases to repeat at most 100000 values in all/);
  });
});

describe('config input: positions and echoed text', () => {
  it('escapes control characters and bidi controls, shortens long values', () => {
    expect(quoteText('a\x1b[31m\u202eb\u0085')).to.equal('"a\\x1b[31m\\u202eb\\x85"');
    expect(escapeText('x'.repeat(100))).to.equal(`${'x'.repeat(80)}…(100 bytes)`);
  });

  it('wire-format problems (state from nodes) escape and shorten the same way', () => {
    expect(pathOf(['applications', 'web\u202e', 'x'.repeat(100)])).to.equal(
      `applications["web\\u202e"].${'x'.repeat(80)}…(100 bytes)`,
    );
  });

  it('a syntax error gets the key path of its place from the block structure', () => {
    const text = 'a:\n  b:\n    - x\n    - c: 1\n      d: [\n';
    expect(pathAt(text, computeLineStarts(text), 5, 10)).to.deep.equal(['a', 'b', 1, 'd']);
    // a key with its value on its line (image: nginx) is not the parent of an over-indented line
    const over = 'web:\n  image: nginx\n   ports: []\n';
    expect(pathAt(over, computeLineStarts(over), 3, 9)).to.deep.equal(['web', 'ports']);
  });

  it('CR-only line ends, a BOM and tabs: lines and columns as an editor shows them', () => {
    const cr = inputError(() =>
      parseApplicationConfig('version: 1\rapplications:\r  web:\r    image: 5\r', 'a.yml'),
    );
    expect(cr.problems[0]).to.include({ line: 4, column: 12 });
    const tab = inputError(() =>
      parseApplicationConfig(
        'version: 1\napplications:\n  web:\n    image: nginx\t# x\n    ports: 1\n',
        'a.yml',
      ),
    );
    expect(tab.problems[0]).to.include({ line: 5, column: 12 });
  });
});
