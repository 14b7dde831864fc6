// The deploy lock of a node, built on flock(1) so that the kernel releases it when its holder
// dies (a killed deploy, a dropped ssh session, a powered-off laptop):
//   deploy.lock  held exclusively by `flock -x deploy.lock flocker-changestate lock-held` for as
//                long as the deploying process keeps the ssh channel open (stdin reaches EOF when
//                it ends or dies);
//   work.lock    held shared by every node-side process that changes state (`apply`), for its
//                whole run: a new holder of deploy.lock first waits until no process of an
//                earlier deploy is still working (a handoff left running by a killed deploy).
// The holder's record (who, from where, pid, when, config hash) is a JSON file beside the lock.
import { readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FlockerError } from '../errors.js';

export const LOCK_DIR = '/var/lib/flocker/lock';

export interface LockPaths {
  readonly deployLock: string;
  readonly workLock: string;
  readonly holder: string;
}

export function lockPaths(dir = LOCK_DIR): LockPaths {
  return {
    deployLock: path.join(dir, 'deploy.lock'),
    workLock: path.join(dir, 'work.lock'),
    holder: path.join(dir, 'holder.json'),
  };
}

/** Who holds the lock: written by the holder, read by whoever is refused. */
export interface LockHolder {
  readonly deploy_id: string;
  readonly user: string;
  /** where the deploy runs (host name of the deploying machine) */
  readonly from: string;
  /** pid of flocker-deploy on the deploying machine */
  readonly deploy_pid: number;
  readonly started_at: string;
  readonly config_hash: string;
  /** pid of the node-side holder process (what `lock break` ends) */
  readonly pid?: number;
}

/** argv that takes the deploy lock (waiting up to waitSeconds) and holds it until stdin ends */
export function holdLockArgv(waitSeconds: number, paths = lockPaths()): string[] {
  return [
    'flock',
    '--close', // only flock(1) holds the lock: it goes when flock or its command ends, whatever they spawned
    '--exclusive',
    '--wait',
    String(Math.max(0, waitSeconds)),
    '--conflict-exit-code',
    String(LOCK_CONFLICT_EXIT),
    paths.deployLock,
    'flocker-changestate',
    'lock-held',
  ];
}

/** exit code of holdLockArgv when another deploy holds the lock past the wait */
export const LOCK_CONFLICT_EXIT = 75;

/** argv that runs a node-side command under the shared work lock */
export function underWorkLock(argv: readonly string[], paths = lockPaths()): string[] {
  return ['flock', '--close', '--shared', paths.workLock, ...argv];
}

export class LockError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_LOCKED');
  }
}

export function describeHolder(h: LockHolder | undefined): string {
  if (h === undefined) return 'another deploy (its record is missing)';
  return `${h.user} from ${h.from} (pid ${h.deploy_pid}), since ${h.started_at}, config ${h.config_hash}`;
}

export async function readHolder(paths = lockPaths()): Promise<LockHolder | undefined> {
  try {
    const v = JSON.parse(await readFile(paths.holder, 'utf8')) as LockHolder;
    return typeof v.deploy_id === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function writeHolder(h: LockHolder, paths = lockPaths()): Promise<void> {
  await mkdir(path.dirname(paths.holder), { recursive: true, mode: 0o700 });
  const tmp = `${paths.holder}.tmp`;
  await writeFile(tmp, `${JSON.stringify(h)}\n`, { mode: 0o600 });
  await rename(tmp, paths.holder);
}

export async function clearHolder(deployId: string, paths = lockPaths()): Promise<void> {
  const h = await readHolder(paths);
  if (h?.deploy_id === deployId) await rm(paths.holder, { force: true });
}

export interface HoldIO {
  /** the deploy side's channel: first line = the holder record (JSON), EOF = the deploy ended */
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: (s: string) => void;
  /** runs argv to completion (waiting for the work lock) */
  readonly run: (argv: readonly string[]) => Promise<{ code: number | null; stderr: string }>;
}

/**
 * `flocker-changestate lock-held`, run by flock(1) once deploy.lock is ours: record the holder,
 * wait until no process of an earlier deploy still works, say "locked", then hold until the
 * deploy side's channel ends. Its exit (or death) releases deploy.lock.
 */
export async function holdDeployLock(io: HoldIO, paths = lockPaths()): Promise<void> {
  let buffered = '';
  let holder: LockHolder | undefined;
  let ended = false;
  const eof = new Promise<void>((resolve) => {
    io.stdin.on('data', (b: Buffer | string) => {
      if (holder !== undefined) return;
      buffered += b.toString();
    });
    io.stdin.on('end', () => {
      ended = true;
      resolve();
    });
    io.stdin.on('error', () => resolve());
  });
  while (!buffered.includes('\n') && !ended) await new Promise((r) => setTimeout(r, 10));
  const line = buffered.split('\n')[0] ?? '';
  try {
    holder = JSON.parse(line) as LockHolder;
  } catch {
    throw new LockError(`lock-held: the first line of input is not a holder record`);
  }
  if (typeof holder.deploy_id !== 'string' || holder.deploy_id === '')
    throw new LockError('lock-held: the holder record has no deploy_id');
  await writeHolder({ ...holder, pid: process.pid }, paths);
  try {
    const drained = await io.run(['flock', '--exclusive', paths.workLock, 'true']);
    if (drained.code !== 0) throw new LockError(`cannot wait for earlier work: ${drained.stderr.trim()}`);
    io.stdout(`${JSON.stringify({ locked: true, deploy_id: holder.deploy_id })}\n`);
    await eof;
  } finally {
    await clearHolder(holder.deploy_id, paths);
  }
}
