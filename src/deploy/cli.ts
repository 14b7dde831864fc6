// flocker-deploy's command line: argument parsing, wiring of the real ssh transport and
// config loader to the deploy driver, and the choice of renderer (listr2 on a terminal,
// timestamped lines otherwise, NDJSON or the plan document with --json).
import { Command, CommanderError, Option } from 'commander';
import { deployer } from './who.js';
import { loadDesiredConfig } from '../config/index.js';
import { FlockerError, errorData, exitCodeFor } from '../errors.js';
import { collect, nonNegativeInt, sshConnect, withSshOptions } from './ssh-options.js';
import type { SshCliOptions } from './ssh-options.js';
import { deploy } from './driver.js';
import type { DeployOptions } from './driver.js';
import { listrRenderer } from './render-listr.js';
import { ndjsonRenderer, planDocumentRenderer } from './render-ndjson.js';
import { plainRenderer } from './render-plain.js';
import type { RenderIO, Renderer } from './renderer.js';

export interface CliIO extends RenderIO {
  /** stderr is a terminal and not CI: listr2 renders progress */
  readonly interactive: boolean;
  /** opens the node connections; default: ssh2 with the command line's options (tests: fakes) */
  readonly connect?: DeployOptions['connect'];
}

interface CliOptions extends SshCliOptions {
  dryRun?: boolean;
  json?: boolean;
  lockWait: number;
  forgetNode: string[];
}

const HELP_EXIT = `
Exit codes:
  0  success (with --dry-run: the plan was computed and printed; nothing changed)
  1  a node, a command on a node or the network failed (the report names the node,
     the change, the command and its stderr)
  2  bad input or usage (file:line:col: path: what was expected); no node was contacted

Deploy lock:
  A deploy (not --dry-run) takes every node's deploy lock before it gathers state and holds
  it until it ends; if it is killed, the lock goes with its ssh session, and a node-side step
  it started (a volume handoff) finishes before the next deploy's lock is granted. Another
  deploy is refused at once (exit 1, E_LOCKED, naming who holds it, from where, since when)
  unless --lock-wait gives it time. On a node: flocker-changestate lock-status | lock-break.

Output:
  --dry-run            the plan as text grouped by phase and node (stdout)
  --dry-run --json     one JSON document {format: "flocker-plan", version, nodes, changes, phases}
  --json               NDJSON progress events, then {"type":"result",...} as the last line
  otherwise            progress on stderr (listr2 on a terminal, timestamped lines in CI)`;

export function buildProgram(io: CliIO): Command {
  // the ssh options are the ones every `flocker` subcommand takes (ssh-options.ts)
  return withSshOptions(
    new Command('flocker-deploy')
      .description(
        'Make a cluster of nodes run what DEPLOYMENT and APPLICATION say; volumes follow their apps.',
      )
      .argument('<deployment>', 'deployment config (version 1: nodes: {NODE: [app, ...]})')
      .argument('<application>', 'application config (version 1 applications: or compose-style)')
      .option('--dry-run', 'gather state, print the plan, change nothing')
      .option('--json', 'machine-readable output (see Output below)'),
  )
    .addOption(
      new Option(
        '--lock-wait <seconds>',
        "wait this long for another deploy's lock on a node (default: refuse at once, naming the holder)",
      )
        .argParser(nonNegativeInt)
        .default(0),
    )
    .option(
      '--forget-node <node>',
      'a node that is gone for good (repeatable): volumes it owned (or last owned) are no longer refused; the newest copy on another node is promoted, never an older one',
      collect,
      [],
    )
    .addHelpText('after', HELP_EXIT)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run flocker-deploy --help for usage)');
}

/** Run flocker-deploy; returns the exit code (only bin/ exits). */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const [deploymentPath, applicationPath] = program.args as [string, string];
  const o = program.opts<CliOptions>();
  try {
    const desired = await loadDesiredConfig(deploymentPath, applicationPath);
    const opts: Omit<DeployOptions, 'emit'> = {
      desired,
      dryRun: o.dryRun === true,
      lockWaitSeconds: o.lockWait,
      ...(o.forgetNode.length ? { forget: o.forgetNode } : {}),
      ...deployer(),
      now: io.now,
      connect: io.connect ?? sshConnect(o),
    };
    return await run(opts, await rendererFor(o, io));
  } catch (e) {
    reportError(e, io, o.json === true);
    return exitCodeFor(e);
  }
}

function reportError(e: unknown, io: CliIO, json: boolean): void {
  const { code, message } = errorData(e);
  if (json) io.stdout(`${JSON.stringify({ type: 'error', code, exit_code: exitCodeFor(e), message })}\n`);
  io.stderr(`flocker-deploy: error: ${message}\n`);
  if (!(e instanceof FlockerError) && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
}

/** The renderer for the chosen output: every one is a view of the same driver events. */
async function rendererFor(o: CliOptions, io: CliIO): Promise<Renderer> {
  if (o.json) return o.dryRun ? planDocumentRenderer(io) : ndjsonRenderer(io);
  if (io.interactive) return listrRenderer({ dryRun: o.dryRun === true });
  return plainRenderer(io);
}

async function run(opts: Omit<DeployOptions, 'emit'>, view: Renderer): Promise<number> {
  let failure: unknown;
  try {
    await deploy({ ...opts, emit: view.emit });
  } catch (e) {
    failure = e;
  }
  await view.end(failure);
  if (failure) throw failure;
  return 0;
}
