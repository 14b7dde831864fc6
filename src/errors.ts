// Typed errors. `source` says whose fault it is: 'user' (bad input or usage, exit 2)
// or 'system' (a node, a command or the network failed, exit 1). Only bin/ exits.

export type ErrorSource = 'user' | 'system';

export class FlockerError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly source: ErrorSource,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** One problem in a user's file: where it is and what was expected. */
export interface InputProblem {
  readonly file: string;
  readonly line: number; // 1-based
  readonly column: number; // 1-based
  /** dotted path of the key, e.g. applications.web.ports[0].external ('' = document) */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: InputProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path === '' ? '(document)' : p.path}: ${p.message}`;
}

/** Bad input: all problems found at once. */
export class InputError extends FlockerError {
  constructor(readonly problems: readonly InputProblem[]) {
    super(problems.map(formatProblem).join('\n'), 'E_INPUT', 'user');
  }
}

export class UsageError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_USAGE', 'user');
  }
}

/** A command on a node failed. */
export class NodeCommandError extends FlockerError {
  constructor(
    readonly host: string,
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    what = 'command failed',
  ) {
    super(
      `${host}: ${what}: ${command.join(' ')} (exit ${exitCode ?? 'signal'})${stderr.trim() ? `\n${stderr.trim()}` : ''}`,
      'E_NODE_COMMAND',
      'system',
    );
  }
}

/** A node could not be reached or did not behave (ssh, host key, protocol). */
export class NodeError extends FlockerError {
  constructor(
    readonly host: string,
    message: string,
    code = 'E_NODE',
    source: ErrorSource = 'system',
  ) {
    super(`${host}: ${message}`, code, source);
  }
}

export function exitCodeFor(err: unknown): number {
  return err instanceof FlockerError && err.source === 'user' ? 2 : 1;
}
