// A lock on a file that the kernel releases when its holder dies, through flock(1) (util-linux,
// on every Debian node): the holder is a child `flock --close PATH sh -c 'echo locked; exec cat'`
// whose stdin is a pipe from this process — when this process ends or dies, `cat` reads EOF,
// exits, and flock(1) drops the lock. `--close`: nothing the holder spawns keeps the lock.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export type LockMode = 'exclusive' | 'shared';

export interface HeldLock {
  release(): Promise<void>;
}

export interface FileLocks {
  /**
   * Take the lock on `path`, waiting up to waitSeconds (0: do not wait); undefined when another
   * holder kept it past the wait.
   */
  acquire(path: string, mode: LockMode, waitSeconds: number): Promise<HeldLock | undefined>;
}

const CONFLICT = 75;

/** argv of the holder process (pure) */
export function flockHolderArgv(path: string, mode: LockMode, waitSeconds: number): string[] {
  return [
    'flock',
    '--close',
    `--${mode}`,
    '--wait',
    String(Math.max(0, waitSeconds)),
    '--conflict-exit-code',
    String(CONFLICT),
    path,
    'sh',
    '-c',
    'echo locked; exec cat >/dev/null',
  ];
}

export class FlockFileLocks implements FileLocks {
  async acquire(path: string, mode: LockMode, waitSeconds: number): Promise<HeldLock | undefined> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return this.hold(path, mode, waitSeconds);
  }

  private hold(path: string, mode: LockMode, waitSeconds: number): Promise<HeldLock | undefined> {
    const [cmd, ...args] = flockHolderArgv(path, mode, waitSeconds);
    const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('locked\n'))
          resolve({
            release: async () => {
              child.stdin.end();
              await exited;
            },
          });
      });
      child.on('error', (e) => reject(new Error(`flock: ${e.message}`)));
      void exited.then((code) => {
        if (out.includes('locked\n')) return;
        if (code === CONFLICT) resolve(undefined);
        else reject(new Error(`flock ${path} failed (exit ${code ?? 'signal'}): ${stderr.trim()}`));
      });
    });
  }
}

/** In-memory locks with flock's semantics (one exclusive or many shared holders; waits poll). */
export class FakeFileLocks implements FileLocks {
  private readonly held = new Map<string, { mode: LockMode; count: number }>();

  private tryTake(path: string, mode: LockMode): boolean {
    const h = this.held.get(path);
    if (h === undefined) {
      this.held.set(path, { mode, count: 1 });
      return true;
    }
    if (h.mode === 'shared' && mode === 'shared') {
      h.count++;
      return true;
    }
    return false;
  }

  async acquire(path: string, mode: LockMode, waitSeconds: number): Promise<HeldLock | undefined> {
    const deadline = Date.now() + waitSeconds * 1000;
    while (!this.tryTake(path, mode)) {
      if (Date.now() >= deadline) return undefined;
      await new Promise((r) => setTimeout(r, 5));
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        const h = this.held.get(path)!;
        if (--h.count === 0) this.held.delete(path);
      },
    };
  }
}
