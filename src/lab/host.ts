// Effects: running host commands, commands inside a node (nsenter), progress lines.
import { readFileSync, readdirSync } from 'node:fs';
import { LocalRunner } from '../exec/local-runner.js';
import type { CommandResult, RunOptions } from '../exec/runner.js';
import { FlockerError, type ErrorCode } from '../errors.js';

export class LabError extends FlockerError {
  constructor(message: string, code: ErrorCode = 'E_LAB') {
    super(message, code, 'system');
  }
}

const local = new LocalRunner('host');
const NODE_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function run(argv: readonly string[], opts?: RunOptions): Promise<CommandResult> {
  return local.run(argv, opts);
}

/** run and require exit 0; the error names where (node or host), what step and stderr */
export async function must(
  where: string,
  step: string,
  argv: readonly string[],
  opts?: RunOptions,
): Promise<CommandResult> {
  const r = await local.run(argv, opts);
  if (r.code !== 0) {
    const err = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-15).join('\n');
    throw new LabError(
      `${where}: ${step} failed: ${argv.join(' ')} (exit ${r.code ?? 'signal'})${err ? `\n${err}` : ''}`,
    );
  }
  return r;
}

/** argv that runs `argv` inside all namespaces of the node whose PID 1 is `leader` */
export function inNode(leader: number, argv: readonly string[]): string[] {
  return [
    'nsenter',
    '-t',
    String(leader),
    '-a',
    '--',
    '/usr/bin/env',
    '-i',
    NODE_PATH,
    'HOME=/root',
    'TERM=dumb',
    ...argv,
  ];
}

export function pidAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // a zombie (exited, not yet reaped) is not alive
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** true if pid is a systemd-nspawn for this machine (guards against pid reuse) */
export function isNspawnOf(pid: number, machine: string): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.some((a) => a.endsWith('systemd-nspawn')) && args.includes(`--machine=${machine}`);
  } catch {
    return false;
  }
}

/** the node's PID 1 (systemd, a child of nspawn), or null */
export function leaderPid(nspawnPid: number): number | null {
  let children: string[];
  try {
    children = readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8').trim().split(/\s+/);
  } catch {
    return null;
  }
  for (const c of children) {
    if (c === '') continue;
    try {
      if (readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'systemd') return Number(c);
    } catch {
      /* gone */
    }
  }
  return null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export type Log = (line: string) => void;
export const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

/** Runs fn as a named step and prints "[lab] step ... 1.23s" (or FAILED) when done. */
export async function step<T>(log: Log, label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    const v = await fn();
    log(`[flocker-lab] ${label} ... ok (${secs(t0)})`);
    return v;
  } catch (e) {
    log(`[flocker-lab] ${label} ... FAILED (${secs(t0)})`);
    throw e;
  }
}

export function secs(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(2)}s`;
}
