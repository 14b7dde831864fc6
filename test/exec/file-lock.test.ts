import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeFileLocks, FlockFileLocks, flockHolderArgv } from '../../src/exec/file-lock.js';
import { fileLocksContract } from './file-lock.contract.js';

const base = process.getuid?.() === 0 ? '/var/lib/flocker-test' : os.tmpdir();
mkdirSync(base, { recursive: true });
let dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

fileLocksContract('fake', () => {
  const locks = new FakeFileLocks();
  return { locks, path: (n) => `/locks/${n}` };
});

fileLocksContract('flock(1)', () => {
  const dir = mkdtempSync(path.join(base, 'locks-'));
  dirs = [...dirs, dir];
  return { locks: new FlockFileLocks(), path: (n) => path.join(dir, n) };
});

describe('FlockFileLocks', () => {
  it('holds through flock --close with its own conflict code', () => {
    expect(flockHolderArgv('/l', 'shared', 3)).to.deep.equal([
      'flock',
      '--close',
      '--shared',
      '--wait',
      '3',
      '--conflict-exit-code',
      '75',
      '/l',
      'sh',
      '-c',
      'echo locked; exec cat >/dev/null',
    ]);
  });

  it('creates the directory of the lock file (0700) when it is missing', async () => {
    const dir = mkdtempSync(path.join(base, 'locks-'));
    dirs = [...dirs, dir];
    const held = await new FlockFileLocks().acquire(path.join(dir, 'new', 'deploy.lock'), 'exclusive', 0);
    expect(held).to.not.equal(undefined);
    expect(statSync(path.join(dir, 'new')).mode & 0o777).to.equal(0o700);
    await held!.release();
  });

  it('the kernel releases the lock when the holding process is killed -9', async () => {
    const dir = mkdtempSync(path.join(base, 'locks-'));
    dirs = [...dirs, dir];
    const file = path.join(dir, 'k');
    // another process holds it through the same mechanism, then dies
    const holder = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      `import { FlockFileLocks } from ${JSON.stringify(new URL('../../src/exec/file-lock.js', import.meta.url).href)};
       await new FlockFileLocks().acquire(${JSON.stringify(file)}, 'exclusive', 0);
       console.log('held'); setInterval(() => {}, 1000);`,
    ]);
    await new Promise<void>((r) =>
      holder.stdout.on('data', (b: Buffer) => b.toString().includes('held') && r()),
    );
    const locks = new FlockFileLocks();
    expect(await locks.acquire(file, 'exclusive', 0)).to.equal(undefined);
    holder.kill('SIGKILL');
    const got = await locks.acquire(file, 'exclusive', 5);
    expect(got).to.not.equal(undefined);
    await got!.release();
  });
});
