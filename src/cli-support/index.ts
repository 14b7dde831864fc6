// What every bin shares: its version, quiet broken pipes, Ctrl-C / SIGTERM, the exit codes.
// bin/ wires these to `process` (only bin/ exits); the functions here stay testable.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Exit statuses of every bin (README, --help texts and docs/errors.md say the same). */
export const EXIT = {
  OK: 0,
  /** a node, a command on a node, the network or a node's ssh identity check failed */
  FAILED: 1,
  /** bad input or usage: fix the files or the command line; nothing changed anywhere */
  USAGE: 2,
  /** ended by Ctrl-C (128 + SIGINT) */
  SIGINT: 130,
  /** ended by SIGTERM (128 + 15) */
  SIGTERM: 143,
} as const;

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export const signalExitCode = (s: InterruptSignal): number => (s === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM);

let cachedVersion: string | undefined;

/**
 * The version of this package: read from the package.json above this file (dist/src/cli-support
 * in a build, src/cli-support in sources); 'unknown' when there is none. A one-file bundle sets
 * it at build time instead (esbuild --define:globalThis.FLOCKER_VERSION='"0.1.0"').
 */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  const given = (globalThis as { FLOCKER_VERSION?: unknown }).FLOCKER_VERSION;
  if (typeof given === 'string') return (cachedVersion = given);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        version?: unknown;
        bin?: unknown;
      };
      // ours: the package whose bins are flocker's (whatever name it is published under)
      const bins = typeof pkg.bin === 'object' && pkg.bin !== null ? Object.keys(pkg.bin) : [];
      if (typeof pkg.version === 'string' && bins.some((b) => b.startsWith('flocker')))
        return (cachedVersion = pkg.version);
    } catch {
      // not here: one level up
    }
    dir = dirname(dir);
  }
  return (cachedVersion = 'unknown');
}

/** `flocker-deploy 0.1.0` */
export const versionLine = (bin: string): string => `${bin} ${packageVersion()}\n`;

/** --version / -V anywhere before a `--`, or --help / -h: what a bin without commander checks. */
export function wantsVersion(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--version' || a === '-V');
}
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    a node, a command on a node or the network failed, or a node's ssh host key or
       authentication was refused (found after contacting it)
  2    bad input or usage: fix the files or the command line; nothing changed on any node
  130  interrupted by Ctrl-C (SIGINT); 143: by SIGTERM`;

/**
 * A reader that went away (`flocker-deploy --help | head -1`) is not an error: writes to a
 * stream whose reader closed (EPIPE) are dropped, quietly, and the program ends as it would have.
 * Other write errors on stdout/stderr have nowhere to be reported: dropped too.
 */
export function quietBrokenPipes(...streams: NodeJS.WritableStream[]): void {
  for (const s of streams) s.on('error', () => undefined);
}

/** A write that does nothing once its stream is closed or errored (no stack trace, no throw). */
export function safeWriter(stream: NodeJS.WritableStream & { writable?: boolean }): (s: string) => void {
  return (s) => {
    if (stream.writable === false) return;
    try {
      stream.write(s);
    } catch {
      // the reader is gone
    }
  };
}

/**
 * The first SIGINT or SIGTERM, as a promise (the program decides what to close); a second one
 * calls `hard` (bin/: exit at once). Returns the promise and a function removing the listeners.
 */
export function interruptions(
  proc: Pick<NodeJS.Process, 'on' | 'off'>,
  hard: (signal: InterruptSignal) => void,
): { readonly first: Promise<InterruptSignal>; dispose(): void } {
  let got: InterruptSignal | undefined;
  let resolve: (s: InterruptSignal) => void = () => undefined;
  const first = new Promise<InterruptSignal>((r) => (resolve = r));
  const on = (s: InterruptSignal) => () => {
    if (got !== undefined) return hard(s);
    got = s;
    resolve(s);
  };
  const int = on('SIGINT');
  const term = on('SIGTERM');
  proc.on('SIGINT', int);
  proc.on('SIGTERM', term);
  return {
    first,
    dispose() {
      proc.off('SIGINT', int);
      proc.off('SIGTERM', term);
    },
  };
}
