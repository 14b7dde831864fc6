import { NodeCommandError } from '../errors.js';
import type { CommandResult, CommandRunner, RunOptions } from './runner.js';

/** Run and require exit 0; otherwise a NodeCommandError naming host, argv and stderr. */
export async function runChecked(
  runner: CommandRunner,
  argv: readonly string[],
  opts?: RunOptions,
): Promise<CommandResult> {
  const r = await runner.run(argv, opts);
  if (r.code !== 0) throw new NodeCommandError(runner.host, argv, r.code, r.stderr);
  return r;
}
