// Streaming process seam (CommandRunner buffers; replication streams must not).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
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
  /** the process id, when it is a real process that started */
  readonly pid?: number;
}

export interface SpawnOptions {
  /**
   * the child's stdin IS this stream's file descriptor (e.g. another child's raw stdout): the
   * bytes go process to process through the kernel, not through this Node process
   */
  readonly stdinFrom?: Readable;
  /** hand out the child's own stdout socket (not held): its reader must attach at once */
  readonly rawStdout?: boolean;
}

/** Start argv with stdio pipes; no shell. */
export type Spawner = (argv: readonly string[], opts?: SpawnOptions) => SpawnedProcess;

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

export const localSpawner: Spawner = (argv, opts = {}) => {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty argv');
  const child = spawn(cmd, args, {
    stdio: [opts.stdinFrom ?? 'pipe', 'pipe', 'pipe'],
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    if (stderr.length < STDERR_CAP) stderr += b.toString('utf8');
  });
  const stdin: Writable = child.stdin ?? new PassThrough().end();
  stdin.on('error', () => undefined); // reader may exit early; its exit status tells why
  const exited = new Promise<ProcessExit>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: 127, stderr: `${cmd}: ${e.message}` }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  return {
    stdin,
    stdout: opts.rawStdout ? child.stdout : holdStdout(child.stdout),
    exited,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    kill: () => {
      child.kill('SIGTERM');
    },
  };
};
