// The node agent's check and install, run for real: the very shell scripts a node runs (check
// folded into the first command, install over stdin), executed on this machine by a connection
// that maps the agent's node paths into a scratch directory. The "agent" is a tiny script that
// prints the arguments it got, so the tests see which version ran what.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { AGENT_BASE, AGENT_WRAPPER_DIR, agentBundle, type AgentBundle } from '../../src/deploy/agent.js';
import {
  CHANGESTATE,
  REPORTSTATE,
  runNodeProgram,
  useAgent,
  type AgentInstalled,
} from '../../src/deploy/node-programs.js';
import { LocalRunner } from '../../src/exec/local-runner.js';
import type { CommandResult } from '../../src/exec/runner.js';
import type { NodeConnection, SshRunOptions } from '../../src/ssh/connection.js';
import { rejects } from '../helpers/rejects.js';

const SCRATCH = '/var/lib/flocker-test';

/** A fake node agent: prints its version tag and its arguments as JSON; `fail` exits 1. */
const fakeAgent = (tag: string): AgentBundle =>
  agentBundle(
    `const a = process.argv.slice(2);\nif (a.includes('fail')) { process.stderr.write('it failed\\n'); process.exit(1); }\nconst say = () => console.log(JSON.stringify({ tag: ${JSON.stringify(tag)}, args: a }));\nif (a.includes('lock')) { process.stdin.resume(); process.stdin.on('end', say); } else say();\n`,
    '0.1.0',
  );

class LocalNodeConnection implements NodeConnection {
  readonly address = '127.0.0.1';
  get host(): string {
    return this.node;
  }
  readonly port = 22;
  readonly user = 'root';
  readonly hostKey = 'ssh-ed25519 AAAA';
  readonly runs: string[][] = [];
  private readonly local = new LocalRunner('n1');
  constructor(
    readonly node: string,
    private readonly root: string,
    private readonly path?: string,
  ) {}
  run(argv: readonly string[], opts: SshRunOptions = {}): Promise<CommandResult> {
    const mapped = argv.map((a) =>
      a.replaceAll(AGENT_BASE, `${this.root}/agent`).replaceAll(AGENT_WRAPPER_DIR, `${this.root}/sbin`),
    );
    this.runs.push(mapped);
    const argv2 = this.path ? ['env', `PATH=${this.path}`, ...mapped] : mapped;
    if (!opts.onStdoutLine) return this.local.run(argv2, opts);
    // streaming stdout lines, as the ssh connection does
    const onLine = opts.onStdoutLine;
    return new Promise((resolve) => {
      const [cmd, ...args] = argv2;
      const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let partial = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        partial += b.toString();
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
      child.stdin.on('error', () => undefined);
      void Promise.resolve(opts.stdin ?? '').then((input) => {
        child.stdin.write(input);
        void Promise.resolve(opts.stdinOpenUntil).then(() => child.stdin.end());
      });
    });
  }
  close(): void {}
}

describe('node agent: checked in the first round trip, installed when missing or different', () => {
  let root: string;
  let events: AgentInstalled[];
  const connect = (bundle: AgentBundle, path?: string): LocalNodeConnection => {
    const c = new LocalNodeConnection('n1', root, path);
    useAgent(c, bundle, (i) => events.push(i));
    return c;
  };
  const lockStatus = async (c: NodeConnection) =>
    JSON.parse((await runNodeProgram(c, [CHANGESTATE, 'lock-status'], { what: 'x' })).stdout) as {
      tag: string;
      args: string[];
    };

  beforeEach(() => {
    mkdirSync(SCRATCH, { recursive: true });
    root = mkdtempSync(`${SCRATCH}/agent-`);
    events = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a fresh node: installs, then runs the program by the exact version; a second deploy only checks', async () => {
    const a = fakeAgent('A');
    const c = connect(a);
    expect(await lockStatus(c)).to.deep.equal({ tag: 'A', args: ['changestate', 'lock-status'] });
    expect(events.map((e) => [e.node, e.version, e.action])).to.deep.equal([['n1', a.version, 'installed']]);
    expect(c.runs.map((r) => r[0])).to.deep.equal(['sh', 'sh', 'node']); // check, install, the program
    const dir = `${root}/agent/${a.version}`;
    expect(readFileSync(`${dir}/flocker-agent.mjs`, 'utf8')).to.equal(a.text);
    expect(readFileSync(`${dir}/VERSION`, 'utf8')).to.equal(`${a.version} ${a.sha256}\n`);
    expect(readlinkSync(`${root}/agent/current`)).to.equal(a.version);
    // later calls on the same connection skip the check
    await runNodeProgram(c, [REPORTSTATE], { what: 'x' });
    expect(c.runs.at(-1)?.slice(0, 3)).to.deep.equal(['node', `${dir}/flocker-agent.mjs`, 'reportstate']);
    // the next deploy: one command, the check folded in; nothing installed
    const c2 = connect(a);
    expect((await lockStatus(c2)).tag).to.equal('A');
    expect(c2.runs.length).to.equal(1);
    expect(events.length).to.equal(1);
  });

  it('the stable wrappers (peer endpoint, routes at boot) run the current version', async () => {
    await lockStatus(connect(fakeAgent('A')));
    const out = execFileSync(`${root}/sbin/flocker-changestate`, ['peer'], { encoding: 'utf8' });
    expect(JSON.parse(out)).to.deep.equal({ tag: 'A', args: ['changestate', 'peer'] });
    await lockStatus(connect(fakeAgent('B')));
    const out2 = execFileSync(`${root}/sbin/flocker-reportstate`, [], { encoding: 'utf8' });
    expect(JSON.parse(out2)).to.deep.equal({ tag: 'B', args: ['reportstate'] });
  });

  it('another version: updated, with the previous one named; the 3 newest versions are kept', async () => {
    const versions = ['A', 'B', 'C', 'D'].map(fakeAgent);
    for (const v of versions) {
      expect((await lockStatus(connect(v))).args).to.deep.equal(['changestate', 'lock-status']);
      await new Promise((r) => setTimeout(r, 15)); // distinct mtimes
    }
    expect(events.map((e) => e.action)).to.deep.equal(['installed', 'updated', 'updated', 'updated']);
    expect(events[1]?.previous).to.equal(versions[0]!.version);
    const kept = readdirSync(`${root}/agent`)
      .filter((f) => f !== 'current')
      .sort();
    expect(kept).to.deep.equal(
      versions
        .slice(1)
        .map((v) => v.version)
        .sort(),
    );
  });

  for (const [what, damage] of [
    ['its VERSION file', (d: string) => writeFileSync(`${d}/VERSION`, 'tampered\n')],
    ['its file', (d: string) => writeFileSync(`${d}/flocker-agent.mjs`, 'console.log("evil")\n')],
    ['the file (removed)', (d: string) => rmSync(`${d}/flocker-agent.mjs`)],
  ] as const) {
    it(`a damaged copy (${what} changed) is repaired before anything runs`, async () => {
      const a = fakeAgent('A');
      await lockStatus(connect(a));
      damage(`${root}/agent/${a.version}`);
      expect((await lockStatus(connect(a))).tag).to.equal('A');
      expect(events.map((e) => e.action)).to.deep.equal(['installed', 'repaired']);
      expect(readFileSync(`${root}/agent/${a.version}/flocker-agent.mjs`, 'utf8')).to.equal(a.text);
    });
  }

  it('two deploys installing at once both succeed and leave one whole file', async () => {
    const a = fakeAgent('A');
    const [x, y] = await Promise.all([lockStatus(connect(a)), lockStatus(connect(a))]);
    expect([x.tag, y.tag]).to.deep.equal(['A', 'A']);
    expect(readFileSync(`${root}/agent/${a.version}/flocker-agent.mjs`, 'utf8')).to.equal(a.text);
    expect(readdirSync(`${root}/agent/${a.version}`)).to.deep.equal(['VERSION', 'flocker-agent.mjs']);
  });

  it('calls made while the first check is in flight wait for it (one install)', async () => {
    const c = connect(fakeAgent('A'));
    const r = await Promise.all([
      lockStatus(c),
      lockStatus(c),
      runNodeProgram(c, [REPORTSTATE], { what: 'x' }),
    ]);
    expect(r.length).to.equal(3);
    expect(events.length).to.equal(1);
  });

  it('a first command that runs until the deploy ends (the lock) does not hold up the next ones', async () => {
    const a = fakeAgent('A');
    await lockStatus(connect(a)); // installed
    const c = connect(a);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const lines: string[] = [];
    // the fake agent runs `cat`-like: it only exits when its stdin ends
    const lock = runNodeProgram(c, [CHANGESTATE, 'lock'], {
      what: 'x',
      stdin: '',
      stdinOpenUntil: held,
      onStdoutLine: (l) => lines.push(l),
    });
    const next = await runNodeProgram(c, [REPORTSTATE], { what: 'x' }); // must not wait for the lock
    expect(JSON.parse(next.stdout)).to.deep.equal({ tag: 'A', args: ['reportstate'] });
    release();
    const r = await lock;
    expect(r.stdout).to.not.include('flocker-agent-checked');
    expect(lines.join('\n')).to.not.include('flocker-agent-checked');
    expect(JSON.parse(r.stdout)).to.deep.equal({ tag: 'A', args: ['changestate', 'lock'] });
  });

  it("a program's own failure is reported as the program's, not as a missing agent", async () => {
    const c = connect(fakeAgent('A'));
    const e = await rejects(
      runNodeProgram(c, [CHANGESTATE, 'fail'], { what: 'failing on purpose' }),
      'E_NODE_COMMAND',
    );
    expect(e.message).to.match(/failing on purpose/);
    expect(events.length).to.equal(1);
  });

  it('a node without node (no nodejs package): a clear node error saying what to install', async () => {
    const bin = `${root}/bin`;
    mkdirSync(bin);
    for (const t of ['sh', 'cat', 'sha256sum', 'mkdir', 'env']) {
      const p = execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim();
      symlinkSync(p, `${bin}/${t}`);
    }
    const c = connect(fakeAgent('A'), bin);
    const e = await rejects(lockStatus(c), 'E_AGENT_NODEJS');
    expect(e.message).to.match(/^n1: node: command not found.*apt-get install nodejs/);
    expect(existsSync(`${root}/agent`)).to.equal(false);
  });

  it('a node whose node is too old: the install refuses, naming the version found', async () => {
    const bin = `${root}/bin`;
    mkdirSync(bin);
    for (const t of ['sh', 'cat', 'sha256sum', 'mkdir', 'env', 'readlink', 'mktemp']) {
      const p = execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim();
      symlinkSync(p, `${bin}/${t}`);
    }
    writeFileSync(`${bin}/node`, '#!/bin/sh\n[ "$1" = --version ] && echo v16.20.2 || echo 16\n', {
      mode: 0o755,
    });
    const c = connect(fakeAgent('A'), bin);
    const e = await rejects(lockStatus(c), 'E_AGENT_NODEJS');
    expect(e.message).to.match(/v16\.20\.2 is too old: 18 or newer.*apt-get install nodejs/);
  });
});
