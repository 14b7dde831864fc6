// One established SSH connection to a node, running commands over ssh2 exec channels.
// Commands cross SSH as one shell command line (shellQuote); several may run in parallel, up to
// `maxChannels` at a time (sshd's MaxSessions defaults to 10), the rest wait in a queue.
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import { NodeError } from '../errors.js';
import type { CommandResult, CommandRunner, RunOptions } from '../exec/runner.js';
import { SSH_ERROR_CODES } from './errors.js';
import { shellQuote } from '../exec/quote.js';

export interface SshRunOptions extends RunOptions {
  /** called with each complete stdout line (without '\n'), as it arrives; output is still collected */
  readonly onStdoutLine?: (line: string) => void;
  /** issue 13 item 1: stdin from a stream (an image archive), piped with backpressure */
  readonly stdinStream?: Readable;
  /** issue 13 item 1: stdout into a stream (an image archive), with backpressure; not collected */
  readonly stdoutStream?: Writable;
}

export interface NodeConnection extends CommandRunner {
  /** the node name as given (ssh alias, host name or IP); also `host` */
  readonly node: string;
  /** the address the connection went to (resolved once) */
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** the verified host key, OpenSSH public format ("ssh-ed25519 AAAA...") */
  readonly hostKey: string;
  run(argv: readonly string[], opts?: SshRunOptions): Promise<CommandResult>;
  /** close the connection; queued and running commands fail */
  close(): void;
}

/** below sshd's default MaxSessions (10): a master session and a spare stay free */
const DEFAULT_MAX_CHANNELS = 8;

export interface SshNodeConnectionInit {
  readonly node: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly hostKey: string;
  readonly maxChannels?: number;
  /**
   * ends this use of the (possibly shared) client, called once when the connection is closed or
   * lost; without it close() ends the client itself
   */
  readonly release?: () => void;
}

export class SshNodeConnection implements NodeConnection {
  readonly node: string;
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly hostKey: string;
  private readonly maxChannels: number;
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private closedReason: string | undefined;
  private readonly running = new Set<(reason: string) => void>();
  private releaseShared: (() => void) | undefined;
  private readonly shared: boolean;

  constructor(
    private readonly client: Client,
    init: SshNodeConnectionInit,
  ) {
    this.node = init.node;
    this.host = init.node;
    this.address = init.address;
    this.port = init.port;
    this.user = init.user;
    this.hostKey = init.hostKey;
    this.maxChannels = Math.max(1, init.maxChannels ?? DEFAULT_MAX_CHANNELS);
    this.releaseShared = init.release;
    this.shared = init.release !== undefined;
    client.on('error', (err: Error) => this.lost(err.message));
    client.on('close', () => this.lost('connection closed'));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  private lost(reason: string): void {
    if (this.closedReason === undefined) this.closedReason = reason;
    for (const fail of [...this.running]) fail(this.closedReason);
    this.running.clear();
    const waiting = this.queue.splice(0);
    for (const w of waiting) w();
    const release = this.releaseShared;
    this.releaseShared = undefined;
    release?.();
  }

  close(): void {
    if (this.closedReason === undefined) this.closedReason = 'connection closed by flocker';
    // a shared client (also a jump host) ends when its last user releases it
    if (!this.shared) this.client.end();
    this.lost(this.closedReason);
  }

  private async acquire(): Promise<void> {
    if (this.active < this.maxChannels) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
  }

  private release(): void {
    this.active--;
    const next = this.queue.shift();
    if (next) next();
  }

  async run(argv: readonly string[], opts: SshRunOptions = {}): Promise<CommandResult> {
    if (argv.length === 0) throw new Error('empty argv');
    await this.acquire();
    try {
      return await this.exec(argv, opts);
    } finally {
      this.release();
    }
  }

  private exec(argv: readonly string[], opts: SshRunOptions): Promise<CommandResult> {
    // With a timeout the command runs under coreutils `timeout -s KILL` on the node: sshd refuses
    // "signal" requests for root logins (no post-auth privilege separation), and closing the
    // channel does not stop a command that does not write. A local timer (2 s later) is the
    // fallback if the node does not answer. Killed (137/SIGKILL) after the deadline = timed out.
    const timeoutMs = opts.timeoutMs !== undefined && opts.timeoutMs > 0 ? opts.timeoutMs : undefined;
    const command =
      timeoutMs === undefined
        ? shellQuote(argv)
        : shellQuote(['timeout', '-s', 'KILL', `${(timeoutMs / 1000).toFixed(3)}s`, ...argv]);
    const started = Date.now();
    const timedOutNote = (stderr: string): string =>
      `${stderr}${stderr && !stderr.endsWith('\n') ? '\n' : ''}timed out after ${timeoutMs} ms\n`;
    const lostError = (reason: string): NodeError =>
      new NodeError(
        this.node,
        `ssh connection lost while running ${argv.join(' ')}: ${reason}`,
        SSH_ERROR_CODES.connectionLost,
      );
    if (this.closedReason !== undefined) return Promise.reject(lostError(this.closedReason));
    return new Promise<CommandResult>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const fail = (reason: string): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        this.running.delete(fail);
        reject(lostError(reason));
      };
      this.running.add(fail);
      const open = (attempt: number): void => {
        this.client.exec(command, (err, stream) => {
          if (settled) {
            if (!err) stream.close();
            return;
          }
          if (err && attempt < CHANNEL_OPEN_RETRIES && isChannelOpenRefusal(err)) {
            // the server still counts sessions we closed a moment ago: nothing ran, so retry
            setTimeout(() => open(attempt + 1), channelRetryDelayMs(attempt));
            return;
          }
          if (err) {
            settled = true;
            this.running.delete(fail);
            reject(
              new NodeError(
                this.node,
                `cannot open ssh channel for ${argv.join(' ')}: ${err.message}`,
                SSH_ERROR_CODES.protocol,
              ),
            );
            return;
          }
          const out: Buffer[] = [];
          const errOut: Buffer[] = [];
          let exitCode: number | null | undefined;
          let exitSignal: string | undefined;
          const decoder = opts.onStdoutLine ? new StringDecoder('utf8') : undefined;
          let partial = '';
          const emitLines = (text: string, final: boolean): void => {
            if (!opts.onStdoutLine) return;
            partial += text;
            const parts = partial.split('\n');
            partial = final ? '' : (parts.pop() ?? '');
            for (const [i, line] of parts.entries()) {
              if (final && i === parts.length - 1 && line === '') continue;
              opts.onStdoutLine(line);
            }
          };
          const sink = opts.stdoutStream;
          stream.on('data', (b: Buffer) => {
            if (sink) {
              if (!sink.write(b)) {
                stream.pause();
                sink.once('drain', () => stream.resume());
              }
              return;
            }
            out.push(b);
            if (decoder) emitLines(decoder.write(b), false);
          });
          stream.stderr.on('data', (b: Buffer) => errOut.push(b));
          stream.on('exit', (code: number | null, signal?: string) => {
            exitCode = code;
            if (signal) exitSignal = signal;
          });
          stream.on('close', () => {
            if (settled) return;
            if (decoder) emitLines(decoder.end(), true);
            if (exitCode === undefined) {
              // channel closed without an exit status: the connection went away
              fail(this.closedReason ?? 'channel closed without exit status');
              return;
            }
            settled = true;
            if (timer) clearTimeout(timer);
            this.running.delete(fail);
            let stderr = Buffer.concat(errOut).toString('utf8');
            const killed = exitCode === 137 || exitSignal === 'SIGKILL' || exitSignal === 'KILL';
            if (timeoutMs !== undefined && killed && Date.now() - started >= timeoutMs) {
              resolve({
                code: null,
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: timedOutNote(stderr),
              });
              return;
            }
            if (exitSignal)
              stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}killed by signal ${exitSignal}\n`;
            resolve({
              code: exitCode ?? null,
              stdout: Buffer.concat(out).toString('utf8'),
              stderr,
            });
          });
          stream.on('error', () => undefined); // stdin writes after the remote exited, etc.
          if (timeoutMs !== undefined) {
            timer = setTimeout(() => {
              if (settled) return;
              // Ask sshd to kill the command (ssh2's channel.signal() is a no-op once stdin is
              // ended, so go through its protocol object), close the channel and report at once:
              // sshd only confirms the close when the command has exited.
              sendSignal(stream, 'KILL');
              stream.close();
              settled = true;
              this.running.delete(fail);
              const stderr = Buffer.concat(errOut).toString('utf8');
              resolve({
                code: null,
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: timedOutNote(stderr),
              });
            }, timeoutMs + 2000);
          }
          if (opts.stdinStream) {
            opts.stdinStream.on('error', () => stream.end());
            opts.stdinStream.pipe(stream);
          } else
            void Promise.resolve(opts.stdin ?? '').then(
              (input) => {
                stream.write(input);
                void Promise.resolve(opts.stdinOpenUntil).then(() => stream.end());
              },
              () => stream.end(''),
            );
        });
      };
      open(0);
    });
  }
}

/** attempts after a refused channel open (about 6 s in all) before the command fails */
export const CHANNEL_OPEN_RETRIES = 8;

/** sshd refused the session channel (MaxSessions reached): the command never started */
export function isChannelOpenRefusal(err: Error): boolean {
  return /channel open failure|open failed/i.test(err.message);
}

/** exponential backoff with jitter: 50 ms, 100 ms, … capped at 2 s */
export function channelRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(2000, 50 * 2 ** attempt);
  return Math.round(base / 2 + random() * (base / 2));
}

/** Send an SSH "signal" channel request (RFC 4254 6.9) even after stdin was ended. */
function sendSignal(stream: ClientChannel, name: string): void {
  const ch = stream as unknown as {
    type?: string;
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, sig: string) => void } };
  };
  try {
    const id = ch.outgoing?.id;
    if (
      ch.type === 'session' &&
      (ch.outgoing?.state === 'open' || ch.outgoing?.state === 'eof') &&
      id !== undefined
    )
      ch._client?._protocol?.signal?.(id, name);
  } catch {
    // best effort: not every server supports signals
  }
}
