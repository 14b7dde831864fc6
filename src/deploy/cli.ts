// flocker-deploy's command line: argument parsing, wiring of the real ssh transport and
// config loader, and rendering (listr2 on a terminal, timestamped lines otherwise, --json).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { userInfo } from 'node:os';
import { loadDesiredConfig } from '../config/index.js';
import { FlockerError, exitCodeFor } from '../errors.js';
import { connectAll } from '../ssh/index.js';
import { DeploySession, deploy } from './deploy.js';
import type { DeployOptions } from './deploy.js';
import { countChanges, describePlan, planDocument } from '../plan/describe.js';
import { formatEvent, timestamped } from './render.js';

export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** stderr is a terminal and not CI: listr2 renders progress */
  readonly interactive: boolean;
  readonly now: () => Date;
}

interface CliOptions {
  dryRun?: boolean;
  json?: boolean;
  sshConfig?: string;
  identity: string[];
  knownHosts: string[];
  connectTimeout: number;
  concurrency: number;
}

const HELP_EXIT = `
Exit codes:
  0  success (with --dry-run: the plan was computed and printed; nothing changed)
  1  a node, a command on a node or the network failed (the report names the node,
     the change, the command and its stderr)
  2  bad input or usage (file:line:col: path: what was expected); no node was contacted

Output:
  --dry-run            the plan as text grouped by phase and node (stdout)
  --dry-run --json     one JSON document {format: "flocker-plan", version, nodes, changes, phases}
  --json               NDJSON progress events, then {"type":"result",...} as the last line
  otherwise            progress on stderr (listr2 on a terminal, timestamped lines in CI)`;

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function buildProgram(io: CliIO): Command {
  return new Command('flocker-deploy')
    .description(
      'Make a cluster of nodes run what DEPLOYMENT and APPLICATION say; volumes follow their apps.',
    )
    .argument('<deployment>', 'deployment config (version 1: nodes: {NODE: [app, ...]})')
    .argument('<application>', 'application config (version 1 applications: or compose-style)')
    .option('--dry-run', 'gather state, print the plan, change nothing')
    .option('--json', 'machine-readable output (see Output below)')
    .option('--ssh-config <file>', 'ssh client config to use instead of ~/.ssh/config')
    .option('-i, --identity <file>', 'private key to try first (repeatable)', collect, [])
    .option(
      '--known-hosts <file>',
      'known_hosts file(s) to check host keys against instead of the defaults (repeatable)',
      collect,
      [],
    )
    .addOption(
      new Option('--connect-timeout <seconds>', 'ssh connect timeout').argParser(positiveInt).default(10),
    )
    .addOption(new Option('--concurrency <n>', 'nodes contacted at once').argParser(positiveInt).default(16))
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
    const opts: DeployOptions = {
      desired,
      dryRun: o.dryRun === true,
      user: `${userInfo().username}@${process.env.HOSTNAME ?? 'unknown'}`,
      now: io.now,
      emit: () => undefined,
      connect: (nodes) =>
        connectAll(nodes, {
          ...(o.sshConfig ? { sshConfigPath: o.sshConfig } : {}),
          ...(o.knownHosts.length ? { knownHostsPaths: o.knownHosts } : {}),
          ...(o.identity.length ? { identityFiles: o.identity } : {}),
          connectTimeoutMs: o.connectTimeout * 1000,
          concurrency: o.concurrency,
        }),
    };
    if (o.json) return await runJson(opts, io);
    if (io.interactive) return await runListr(opts, io);
    return await runPlain(opts, io);
  } catch (e) {
    reportError(e, io, o.json === true);
    return exitCodeFor(e);
  }
}

function reportError(e: unknown, io: CliIO, json: boolean): void {
  const message = e instanceof Error ? e.message : String(e);
  const code = e instanceof FlockerError ? e.code : 'E_INTERNAL';
  if (json) io.stdout(`${JSON.stringify({ type: 'error', code, exit_code: exitCodeFor(e), message })}\n`);
  io.stderr(`flocker-deploy: error: ${message}\n`);
  if (!(e instanceof FlockerError) && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
}

async function runJson(opts: DeployOptions, io: CliIO): Promise<number> {
  if (opts.dryRun) {
    const r = await deploy(opts);
    io.stdout(`${JSON.stringify(planDocument(r.plan, r.addresses), null, 2)}\n`);
    return 0;
  }
  const r = await deploy({
    ...opts,
    emit: (e) => io.stdout(`${JSON.stringify({ ...e, time: io.now().toISOString() })}\n`),
  });
  io.stdout(
    `${JSON.stringify({ type: 'result', applied: r.applied, plan: planDocument(r.plan, r.addresses) })}\n`,
  );
  return 0;
}

async function runPlain(opts: DeployOptions, io: CliIO): Promise<number> {
  const r = await deploy({
    ...opts,
    emit: (e) => io.stderr(`${timestamped(io.now(), formatEvent(e))}\n`),
    onPlan: (p, addresses) => io.stdout(describePlan(p, addresses)),
  });
  if (r.applied) io.stdout(`Applied ${countChanges(r.plan)} changes.\n`);
  return 0;
}

async function runListr(opts: DeployOptions, io: CliIO): Promise<number> {
  const { Listr } = await import('listr2'); // only on a terminal: keeps CI and --json start-up lean
  const s = new DeploySession(opts);
  let failure: unknown;
  const applied = { value: false };
  const planned = { value: false };
  try {
    await new Listr(
      [
        { title: `Connect to ${s.nodes.join(', ')}`, task: () => s.connect() },
        { title: 'Gather state from every node', task: () => s.gather() },
        {
          title: 'Plan',
          task: (_ctx, task) => {
            const p = s.computePlan();
            planned.value = true;
            task.title = `Plan: ${countChanges(p)} changes`;
            // shown (and kept) under the task before anything changes
            task.output = describePlan(p, s.addresses).trimEnd();
          },
          rendererOptions: { persistentOutput: true, outputBar: Infinity },
        },
        {
          title: 'Apply',
          enabled: () => !opts.dryRun && s.plan.phases.length > 0,
          task: (_ctx, task) => {
            applied.value = true;
            return task.newListr([
              {
                title: 'Node-to-node trust for volume transfers',
                enabled: () => s.needsTrust(),
                task: () => s.setUpTrust(),
              },
              ...s.plan.phases.map((ph, i) => ({
                title: `Phase ${ph.phase} on ${Object.keys(ph.nodes).sort().join(', ')}`,
                task: (_c: unknown, t: { output: string }) => {
                  const next = s.plan.phases[i + 1];
                  if (next) s.prestart(next.phase, Object.keys(next.nodes).sort());
                  return s.runPhase(
                    ph.phase,
                    Object.keys(ph.nodes).sort(),
                    (e) => (t.output = formatEvent(e)),
                  );
                },
              })),
            ]);
          },
        },
      ],
      { rendererOptions: { collapseSubtasks: false } },
    ).run();
  } catch (e) {
    failure = e;
  }
  try {
    if (!opts.dryRun && planned.value) await s.writeAudit(failure);
  } finally {
    s.close();
  }
  if (failure) throw failure;
  if (applied.value) io.stdout(`Applied ${countChanges(s.plan)} changes.\n`);
  return 0;
}
