import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  holdDeployLock,
  holdLockArgv,
  LOCK_CONFLICT_EXIT,
  lockPaths,
  readHolder,
  underWorkLock,
  type LockHolder,
} from '../../src/changestate/deploy-lock.js';
import { LocalRunner } from '../../src/exec/local-runner.js';

const holder: LockHolder = {
  deploy_id: 'd-1',
  user: 'alice',
  from: 'laptop',
  deploy_pid: 4242,
  started_at: '2026-12-01T06:00:00.000Z',
  config_hash: 'abc',
};

describe('deploy lock (real flock on this machine)', () => {
  let dir: string;
  beforeEach(async () => {
    const base = process.getuid?.() === 0 ? '/var/lib/flocker-test' : os.tmpdir();
    await fsp.mkdir(base, { recursive: true });
    dir = await fsp.mkdtemp(path.join(base, 'lock-'));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('builds flock argv: exclusive deploy lock with a wait and its own conflict code; shared work lock', () => {
    const p = lockPaths(dir);
    expect(holdLockArgv(30, p)).to.deep.equal([
      'flock',
      '--close',
      '--exclusive',
      '--wait',
      '30',
      '--conflict-exit-code',
      String(LOCK_CONFLICT_EXIT),
      p.deployLock,
      'flocker-changestate',
      'lock-held',
    ]);
    expect(underWorkLock(['flocker-changestate', 'apply'], p)).to.deep.equal([
      'flock',
      '--close',
      '--shared',
      p.workLock,
      'flocker-changestate',
      'apply',
    ]);
  });

  it('records the holder, waits for earlier work to end, says locked, releases at EOF', async () => {
    const p = lockPaths(dir);
    await fsp.mkdir(dir, { recursive: true });
    // an apply of an earlier (killed) deploy, still working for 600 ms under the work lock
    const earlier = spawn('flock', ['--shared', p.workLock, 'sleep', '0.6']);
    await new Promise((r) => setTimeout(r, 100));
    const stdin = new PassThrough();
    const out: { line: string; at: number }[] = [];
    const t0 = Date.now();
    const held = holdDeployLock(
      {
        stdin,
        stdout: (s) => out.push({ line: s, at: Date.now() - t0 }),
        run: (argv) => new LocalRunner().run(argv),
      },
      p,
    );
    stdin.write(`${JSON.stringify(holder)}\n`);
    await new Promise((r) => setTimeout(r, 150));
    expect((await readHolder(p))?.user).to.equal('alice');
    expect(out).to.deep.equal([]); // still waiting for the earlier work
    await new Promise((r) => earlier.on('exit', r));
    await new Promise((r) => setTimeout(r, 100));
    expect(out.map((o) => JSON.parse(o.line))).to.deep.equal([{ locked: true, deploy_id: 'd-1' }]);
    expect(out[0]!.at).to.be.at.least(450);
    stdin.end();
    await held;
    expect(await readHolder(p)).to.equal(undefined);
  });

  it('a second deploy is refused with the conflict code while the first holds the lock', async () => {
    const p = lockPaths(dir);
    await fsp.mkdir(dir, { recursive: true });
    const first = spawn('flock', ['--close', '--exclusive', p.deployLock, 'sleep', '2']);
    await new Promise((r) => setTimeout(r, 150));
    const r = await new LocalRunner().run([
      'flock',
      '--exclusive',
      '--wait',
      '0',
      '--conflict-exit-code',
      String(LOCK_CONFLICT_EXIT),
      p.deployLock,
      'true',
    ]);
    expect(r.code).to.equal(LOCK_CONFLICT_EXIT);
    first.kill('SIGKILL'); // the holder dies: the kernel releases its lock (its command may live on)
    await new Promise((res) => first.on('exit', res));
    const again = await new LocalRunner().run(['flock', '--exclusive', '--wait', '2', p.deployLock, 'true']);
    expect(again.code).to.equal(0);
  });
});
