import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner, RunOptions } from './runner.js';

/** Runs argv on this machine with child_process.spawn (no shell). */
export class LocalRunner implements CommandRunner {
  constructor(readonly host = 'localhost') {}

  run(argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
    const [cmd, ...args] = argv;
    if (cmd === undefined) return Promise.reject(new Error('empty argv'));
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') resolve({ code: 127, stdout: '', stderr: `${cmd}: command not found` });
        else reject(e);
      });
      child.on('close', (code) =>
        resolve({
          code,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
      child.stdin.on('error', () => undefined); // command may exit before reading stdin
      void Promise.resolve(opts.stdin ?? '').then(
        (input) => {
          child.stdin.write(input);
          void Promise.resolve(opts.stdinOpenUntil).then(() => child.stdin.end());
        },
        () => child.stdin.end(''),
      );
    });
  }
}
