// Streaming process seam (CommandRunner buffers; replication streams must not).
import { spawn } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';

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

/**
 * Node discards a child's unread stdout when the child exits before anyone listens (flushStdio),
 * so a stream handed to a consumer that attaches later would arrive empty. Piping into a
 * PassThrough at once keeps the bytes (with backpressure to the child).
 */
export function holdStdout(stdout: Readable): Readable {
  const held = new PassThrough();
  stdout.on('error', (e) => held.destroy(e));
  return stdout.pipe(held);
}

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
    stdout: holdStdout(child.stdout),
    exited,
    kill: () => {
      child.kill('SIGTERM');
    },
  };
};
