// flocker-deploy's command line: argument parsing, wiring of the real ssh transport and
// config loader to the deploy driver, and the choice of renderer (listr2 on a terminal,
// timestamped lines otherwise, NDJSON or the plan document with --json).
import { Command, CommanderError, Option } from 'commander';
import { deployer } from './who.js';
import { loadProject } from '../config/index.js';
import { FlockerError, errorData, exitCodeFor } from '../errors.js';
import { connectAll, sshPorts } from '../ssh/index.js';
import { refuseSshPorts } from '../plan/safety.js';
import { loadAgentBundle } from './agent.js';
import { collect, nonNegativeInt, sshConnectOptions, withSshOptions } from './ssh-options.js';
import { DockerCli, isLabDeployment } from './images.js';
import type { LocalDocker } from './images.js';
import type { SshCliOptions } from './ssh-options.js';
import { deploy } from './driver.js';
import type { DeployOptions } from './driver.js';
import { listrRenderer } from './render-listr.js';
import { eventLine, ndjsonRenderer, planDocumentRenderer } from './render-ndjson.js';
import { plainRenderer } from './render-plain.js';
import type { RenderIO, Renderer } from './renderer.js';
import { packageVersion, signalExitCode, type InterruptSignal } from '../cli-support/index.js';
import type { NodeConnection } from '../ssh/index.js';

export interface CliIO extends RenderIO {
  /** stderr is a terminal and not CI: listr2 renders progress */
  readonly interactive: boolean;
  /** opens the node connections; default: ssh2 with the command line's options (tests: fakes) */
  readonly connect?: DeployOptions['connect'];
  /** the first Ctrl-C or SIGTERM (bin/): the deploy closes its node sessions and ends */
  readonly interrupted?: Promise<InterruptSignal>;
  /**
   * the node agent shipped to the nodes; default: this installation's dist/agent file when
   * connecting over ssh, none with `connect` (in-process fakes run the programs by name)
   */
  readonly agent?: DeployOptions['agent'];
  /** issue 13 item 1: the deploying machine's docker (default: the docker CLI) */
  readonly docker?: LocalDocker;
}

/** A deploy ended by a signal: exit 130 (SIGINT) or 143 (SIGTERM). */
export class Interrupted extends Error {
  constructor(readonly signal: InterruptSignal) {
    super(
      `interrupted: ${signal}: the node sessions are closed, so every deploy lock is released; a volume handoff a node had begun finishes there under its work lock`,
    );
  }
}

interface CliOptions extends SshCliOptions {
  dryRun?: boolean;
  json?: boolean;
  lockWait: number;
  forgetNode?: string[];
  shipImages?: boolean;
}

const HELP_EXIT = `
Exit codes:
  0    success (with --dry-run: the plan was computed and printed; nothing changed)
  1    a node, a command on a node or the network failed (the report names the node,
       the change, the command and its stderr), or a node's ssh host key or authentication
       was refused, or two names proved to be one machine (found after contacting them)
  2    bad input or usage (file:line:col: path: what was expected); nothing changed, and no
       node was contacted (config files: regular files or - for stdin, at most 1 MiB, UTF-8;
       the first 100 problems are listed, then how many more)
  130  interrupted by Ctrl-C (143: SIGTERM): the node sessions are closed, so every deploy
       lock is released; a volume handoff a node had begun finishes there under its work lock

Deploy lock:
  A deploy (not --dry-run) takes every node's deploy lock before it gathers state and holds
  it until it ends; if it is killed, the lock goes with its ssh session, and a node-side step
  it started (a volume handoff) finishes before the next deploy's lock is granted. Another
  deploy is refused at once (exit 1, E_LOCKED, naming who holds it, from where, since when)
  unless --lock-wait gives it time. On a node: flocker-changestate lock-status | lock-break.

Node agent:
  The node-side programs travel with flocker-deploy as one file. Every run (--dry-run too)
  checks on each node that exactly this version is installed, in the same round trip as the
  first node command, and installs it if missing or different (/usr/local/lib/flocker/agent,
  wrappers in /usr/local/sbin). A node needs Debian's nodejs (18 or newer): see docs/nodes.md.

Output:
  --dry-run            the plan as text grouped by phase and node (stdout); an app restarted
                       because its config changed lists every changed field, before -> after
  --dry-run --json     one JSON document {format: "flocker-plan", version, schema, nodes,
                       changes, volumes: {NAME: {bytes}} of each moving volume, phases}
                       (docs/plan.md, schema docs/schema/plan.v1.json)
  --json               NDJSON progress events, each with "schema": "flocker-events.v1"
                       (volume copies: "transfer-progress" with bytes, total, rate in bytes/s,
                       eta in s), then {"type":"result",...} last (docs/events.md,
                       docs/schema/events.v1.json)
  Environment values are never printed (names only; a change: "env NAME: changed").
  otherwise            progress on stderr (listr2 on a terminal: bytes, rate and ETA of each
                       volume copy; timestamped lines in CI, a copy's progress every 5 s)`;

export function buildProgram(io: CliIO): Command {
  // the ssh options are the ones every `flocker` subcommand takes (ssh-options.ts)
  return withSshOptions(
    new Command('flocker-deploy')
      .description(
        'Make a cluster of nodes run what DEPLOYMENT and APPLICATION say; volumes follow their apps.',
      )
      .argument('<deployment>', 'deployment config (version 1: nodes: {NODE: [app, ...]}); - reads stdin')
      .argument(
        '<application>',
        'application config (version 1 applications: or compose-style); - reads stdin',
      )
      .option('--dry-run', 'gather state, print the plan, change nothing')
      .option('--json', 'machine-readable output (see Output below)'),
  )
    .addOption(
      new Option('--lock-wait <seconds>', "wait this long for another deploy's lock on a node")
        .argParser(nonNegativeInt)
        .default(0, 'refuse at once, naming the holder'),
    )
    .option(
      '--forget-node <node>',
      'a node that is gone for good (repeatable): volumes it owned (or last owned) are no longer refused; the newest copy on another node is promoted, never an older one',
      collect,
    )
    .option(
      '--ship-images',
      "send each image: this machine has to the nodes that lack it, over the deploy's ssh connections (only the layers a node lacks); automatic for a flocker-lab deployment",
    )
    .version(`flocker-deploy ${packageVersion()}`, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
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
  // every session opened, to close on Ctrl-C: the node-side lock holders then see their
  // channel end and the kernel releases the deploy locks
  const opened: NodeConnection[] = [];
  let stop: InterruptSignal | undefined;
  try {
    const { desired, payloads } = await loadProject(deploymentPath, applicationPath);
    const ssh = sshConnectOptions(o);
    // an app port that is a node's ssh port, known from the ssh config alone: bad input, refused
    // before any node is contacted (the driver checks again with the ports as connected)
    if (!io.connect) refuseSshPorts(desired, sshPorts(Object.keys(desired.nodes), ssh), 'user');
    const connect: DeployOptions['connect'] = io.connect ?? ((nodes) => connectAll(nodes, ssh));
    const agent = io.agent ?? (io.connect ? undefined : await loadAgentBundle());
    const opts: Omit<DeployOptions, 'emit'> = {
      desired,
      payloads,
      dryRun: o.dryRun === true,
      lockWaitSeconds: o.lockWait,
      ...(o.forgetNode?.length ? { forget: o.forgetNode } : {}),
      ...deployer(),
      now: io.now,
      ...(agent ? { agent } : {}),
      // issue 13 item 1: builds and shipped images go through this machine's docker
      images: {
        docker: io.docker ?? new DockerCli(),
        ship: o.shipImages === true || isLabDeployment(deploymentPath),
        shipIfDocker: o.shipImages !== true,
      },
      connect: async (nodes) => {
        const conns = await connect(nodes);
        opened.push(...conns.values());
        if (stop !== undefined) for (const c of conns.values()) c.close();
        return conns;
      },
    };
    const view = await rendererFor(o, io);
    const interrupted = io.interrupted?.then((sig) => {
      stop = sig;
      for (const c of opened) c.close();
      return new Interrupted(sig);
    });
    return await run(opts, view, interrupted, () => opened.length > 0);
  } catch (e) {
    if (e instanceof Interrupted) {
      if (o.json === true)
        io.stdout(
          eventLine(
            {
              type: 'interrupted',
              signal: e.signal,
              exit_code: signalExitCode(e.signal),
              message: e.message,
            },
            io.now(),
          ),
        );
      io.stderr(`flocker-deploy: ${e.message}\n`);
      return signalExitCode(e.signal);
    }
    reportError(e, io, o.json === true);
    return exitCodeFor(e);
  }
}

function reportError(e: unknown, io: CliIO, json: boolean): void {
  const { code, message } = errorData(e);
  if (json) io.stdout(eventLine({ type: 'error', code, exit_code: exitCodeFor(e), message }, io.now()));
  io.stderr(`flocker-deploy: error: ${message}\n`);
  if (!(e instanceof FlockerError) && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
}

/** The renderer for the chosen output: every one is a view of the same driver events. */
async function rendererFor(o: CliOptions, io: CliIO): Promise<Renderer> {
  if (o.json) return o.dryRun ? planDocumentRenderer(io) : ndjsonRenderer(io);
  if (io.interactive) return listrRenderer({ dryRun: o.dryRun === true });
  return plainRenderer(io);
}

/** How long an interrupted deploy may take to unwind (its sessions are closed) before it ends anyway. */
const UNWIND_MS = 2000;

async function run(
  opts: Omit<DeployOptions, 'emit'>,
  view: Renderer,
  interrupted?: Promise<Interrupted>,
  /** sessions are open: an interrupted deploy lets the driver unlock and close them */
  hasSessions: () => boolean = () => true,
): Promise<number> {
  let failure: unknown;
  const deploying = deploy({ ...opts, emit: view.emit }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const first = await Promise.race([deploying, ...(interrupted ? [interrupted] : [])]);
  if (first instanceof Interrupted) {
    // the closed sessions make the driver's steps fail: let it unwind briefly (unlock, close);
    // before any session opened there is nothing to unwind (the connects die with the process)
    if (hasSessions()) await Promise.race([deploying, new Promise((r) => setTimeout(r, UNWIND_MS).unref())]);
    failure = first;
  } else failure = first;
  await Promise.race([view.end(failure), new Promise((r) => setTimeout(r, UNWIND_MS).unref())]);
  if (failure) throw failure;
  return 0;
}
