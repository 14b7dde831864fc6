// The one seam between adapters and the processes they run: argv in, result out.
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /**
   * bytes or text fed to the command's stdin; a promise lets the command start (and load)
   * before its input is known
   */
  readonly stdin?: string | Buffer | Promise<string>;
  readonly timeoutMs?: number;
  /** keep stdin open after the input until this settles (a lock held for the caller's lifetime) */
  readonly stdinOpenUntil?: Promise<void>;
}

export interface CommandRunner {
  /** where commands run, for error messages ("n1", "localhost") */
  readonly host: string;
  /** Run argv; resolves with the result whatever the exit code (callers decide what fails). */
  run(argv: readonly string[], opts?: RunOptions): Promise<CommandResult>;
}
