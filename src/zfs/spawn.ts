// Streaming process seam (CommandRunner buffers; replication streams must not).
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface ProcessExit {
  readonly code: number | null;
  readonly stderr: string;
}

export interface SpawnedProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** settles when the process has exited (never rejects; spawn failure = code 127) */
  readonly exited: Promise<ProcessExit>;
  kill(): void;
}

/** Start argv with stdio pipes; no shell. */
export type Spawner = (argv: readonly string[]) => SpawnedProcess;

const STDERR_CAP = 64 * 1024;

export const localSpawner: Spawner = (argv) => {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty argv');
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    if (stderr.length < STDERR_CAP) stderr += b.toString('utf8');
  });
  child.stdin.on('error', () => undefined); // reader may exit early; its exit status tells why
  const exited = new Promise<ProcessExit>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: 127, stderr: `${cmd}: ${e.message}` }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    exited,
    kill: () => {
      child.kill('SIGTERM');
    },
  };
};
