// The streams a hop's SSH session runs over when it is not a plain TCP connection: a channel
// opened by the jump host (direct-tcpip, like `ssh -W`), or the stdio of a ProxyCommand.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { Client } from 'ssh2';

/** Open a TCP stream from the jump host to host:port, within timeoutMs. */
export function forwardThrough(jump: Client, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      jump.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(stream);
      });
    } catch (e) {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

/** ProxyCommand children alive: killed when flocker exits, however it exits normally. */
const live = new Set<ChildProcess>();
let exitHook = false;

export interface ProxyProcess {
  readonly sock: Duplex;
  /** "exited with code 1: <last stderr lines>", once it has exited */
  exitReport(): string | undefined;
  kill(): void;
}

/** Run a ProxyCommand (`/bin/sh -c 'exec COMMAND'`, as ssh does) and talk SSH over its stdio. */
export function spawnProxyCommand(command: string): ProxyProcess {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGTERM');
    });
  }
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  let report: string | undefined;
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-2000);
  });
  child.on('error', (e) => {
    report = `could not start: ${e.message}`;
  });
  child.on('exit', (code, signal) => {
    live.delete(child);
    const said = stderr.trim().split('\n').slice(-3).join('; ');
    report ??= `${signal ? `killed by ${signal}` : `exited with code ${code ?? '?'}`}${said ? `: ${said}` : ''}`;
  });
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  stdin.on('error', () => undefined); // EPIPE once the command is gone
  const sock = new Duplex({
    read() {
      stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (stdin.writable) stdin.write(chunk, () => cb());
      else cb();
    },
    final(cb) {
      stdin.end();
      cb();
    },
    destroy(err, cb) {
      kill();
      cb(err);
    },
  });
  stdout.on('data', (b: Buffer) => {
    if (!sock.push(b)) stdout.pause();
  });
  stdout.on('end', () => sock.push(null));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    live.delete(child);
  };
  return { sock, exitReport: () => report, kill };
}
