// The deploy lock of a node. Two file locks (FileLocks: flock(1), released by the kernel when
// the holding process dies — a killed deploy, a dropped ssh session, a powered-off laptop):
//   deploy.lock  held exclusively by `flocker-changestate lock` for as long as the deploying
//                process keeps its ssh channel open (its stdin reaches EOF when it ends or dies);
//   work.lock    held shared by every `apply` for its whole run, so that a new holder of
//                deploy.lock first waits until no process of an earlier deploy still works (a
//                handoff left running by a killed deploy finishes under the lock it started under).
// The holder record (who, from where, pids, since when) lies beside the locks.
import path from 'node:path';
import { FlockerError } from '../errors.js';
import type { FileLocks, HeldLock } from '../exec/file-lock.js';
import type { NodeFiles } from '../exec/node-files.js';
import { parseLockHolder, type LockHolder } from '../validation/lock-holder.js';

export type { LockHolder };

export const LOCK_DIR = '/var/lib/flocker/lock';

export interface NodeLock {
  readonly locks: FileLocks;
  readonly files: NodeFiles;
  /** holds deploy.lock, work.lock and holder.json (default LOCK_DIR) */
  readonly dir: string;
  /** this process's pid (recorded as the holder's) */
  readonly pid: number;
}

const paths = (dir: string) => ({
  deployLock: path.join(dir, 'deploy.lock'),
  workLock: path.join(dir, 'work.lock'),
  holder: path.join(dir, 'holder.json'),
});

export function describeHolder(h: LockHolder | undefined): string {
  if (h === undefined) return 'another deploy (its record is missing)';
  return `${h.user} on ${h.from} (pid ${h.deploy_pid}), since ${h.started_at}, config ${h.config_hash}`;
}

async function readHolder(lock: NodeLock): Promise<LockHolder | undefined> {
  const text = await lock.files.read(paths(lock.dir).holder);
  if (text === undefined) return undefined;
  try {
    return parseLockHolder(text, paths(lock.dir).holder);
  } catch {
    return undefined; // a damaged record names nobody; the lock itself is what counts
  }
}

/** What `flocker-changestate lock` prints as its first line. */
export type LockReply =
  | { readonly locked: true; readonly deploy_id: string }
  | { readonly locked: false; readonly holder: LockHolder | null };

/**
 * `flocker-changestate lock --wait N`: take deploy.lock for the deploy described by `record`,
 * wait for earlier work, reply, then hold until `released` settles (the deploy side's channel
 * ended). Returns the reply it printed; a refusal leaves everything as it was.
 */
export async function holdDeployLock(
  lock: NodeLock,
  record: LockHolder,
  waitSeconds: number,
  reply: (r: LockReply) => void,
  released: Promise<void>,
): Promise<LockReply> {
  const p = paths(lock.dir);
  const held = await lock.locks.acquire(p.deployLock, 'exclusive', waitSeconds);
  if (held === undefined) {
    // the holder writes its record just after it took the lock: give it a moment to appear
    let holder = await readHolder(lock);
    for (let i = 0; i < 20 && holder === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      holder = await readHolder(lock);
    }
    const r: LockReply = { locked: false, holder: holder ?? null };
    reply(r);
    return r;
  }
  try {
    await lock.files.write(p.holder, `${JSON.stringify({ ...record, pid: lock.pid })}\n`, 0o600);
    // an apply of an earlier deploy may still be running (its deploy died): let it finish
    const drained = await lock.locks.acquire(p.workLock, 'exclusive', 24 * 3600);
    await drained?.release();
    const r: LockReply = { locked: true, deploy_id: record.deploy_id };
    reply(r);
    await released;
    return r;
  } finally {
    const now = await readHolder(lock);
    if (now?.deploy_id === record.deploy_id) await lock.files.remove(p.holder);
    await held.release();
  }
}

/**
 * Hold the work lock for one apply of `deployId`; refuses (E_LOCK_LOST) unless that deploy holds
 * the deploy lock now. Callers without a deploy id (older deploy sides) take the work lock only.
 */
export async function holdWork(lock: NodeLock, deployId: string | undefined): Promise<HeldLock> {
  const p = paths(lock.dir);
  const held = await lock.locks.acquire(p.workLock, 'shared', 60);
  if (held === undefined)
    throw new FlockerError('the work lock stayed taken for 60 s (a deploy lock is being taken)', 'E_LOCKED');
  if (deployId !== undefined) {
    const h = await readHolder(lock);
    if (h?.deploy_id !== deployId) {
      await held.release();
      throw new FlockerError(
        `this deploy no longer holds the deploy lock of this node (holder now: ${h ? describeHolder(h) : 'none'}); nothing was changed here`,
        'E_LOCK_LOST',
      );
    }
  }
  return held;
}

/** `flocker-changestate lock-status`: whether deploy.lock is held, and by whom. */
export async function lockStatus(lock: NodeLock): Promise<{ held: boolean; holder: LockHolder | null }> {
  const free = await lock.locks.acquire(paths(lock.dir).deployLock, 'exclusive', 0);
  if (free) {
    await free.release();
    return { held: false, holder: null };
  }
  return { held: true, holder: (await readHolder(lock)) ?? null };
}

/** The holder's node-side pid, for `lock-break` (which checks the process is ours before ending it). */
export async function holderPid(lock: NodeLock): Promise<number | undefined> {
  return (await readHolder(lock))?.pid;
}
