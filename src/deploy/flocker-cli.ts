// `flocker`: one command for the cluster, subcommands as kamal/compose/terraform users expect.
// deploy and plan are flocker-deploy (and its dry run) with the very same options; status,
// logs, audit and lock read the cluster node by node; prune lists and (--yes) deletes.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { loadDeploymentConfig, loadDesiredConfig } from '../config/index.js';
import { checkAppName } from '../docker/names.js';
import { UsageError, errorData, exitCodeFor, FlockerError } from '../errors.js';
import { mergeAudit, readAudit } from './audit-read.js';
import { main as deployMain } from './cli.js';
import type { CliIO } from './cli.js';
import { lockCommand, lockJson, lockText } from './lock-cmd.js';
import { parseSince, showLogs } from './logs.js';
import { prune } from './prune.js';
import { auditJson, auditText } from './render-audit.js';
import { pruneJson, pruneText } from './render-prune.js';
import { statusJson, statusText } from './render-status.js';
import { nonNegativeInt, sshConnect, withSshOptions } from './ssh-options.js';
import type { Connect, SshCliOptions } from './ssh-options.js';
import { clusterStatus } from './status.js';
import { deployer } from './who.js';
import { packageVersion } from '../cli-support/index.js';

export interface FlockerIO extends CliIO {
  /** aborted on Ctrl-C: ends `logs -f` */
  readonly signal?: AbortSignal;
}

const HELP = `
Commands in short:
  flocker deploy DEPLOYMENT APPLICATION     make the cluster run what the files say
  flocker plan DEPLOYMENT APPLICATION       what deploy would do; changes nothing (--json)
  flocker status DEPLOYMENT                 nodes, apps, volumes, routes, deploy locks
  flocker logs DEPLOYMENT APP [-f]          the app's journal, from the node that runs it
  flocker audit DEPLOYMENT                  every node's audit log, merged by time
  flocker prune DEPLOYMENT APPLICATION      stale copies, removed apps' volumes, old snapshots
  flocker lock DEPLOYMENT status|release    who holds each node's deploy lock / end it

Exit codes:
  0    success
  1    a node, a command on a node or the network failed, or a node's ssh host key or our
       authentication was refused (found after contacting it); status, audit, lock: some node
       did not answer, and what the others said is still printed
  2    bad input or usage; nothing changed, and no node was contacted
  130  interrupted by Ctrl-C (143: SIGTERM)`;

/** the deployment file alone, read and checked like a deploy's (node name -> app names) */
function placementOf(path: string): Promise<Record<string, string[]>> {
  return loadDeploymentConfig(path);
}

function lines(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of lines');
  return n;
}

export function buildFlockerProgram(io: FlockerIO, run: (p: Promise<number>) => void): Command {
  const connectFor = (o: SshCliOptions): Connect => io.connect ?? sshConnect(o);
  const program = new Command('flocker')
    .description('Run Docker apps and their ZFS volumes on a cluster of Linux nodes; see and tend it.')
    .addHelpText('after', HELP)
    .version(`flocker ${packageVersion()}`, '-V, --version', 'print the version and exit')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run flocker --help for usage)');
  const sub = (name: string) =>
    withSshOptions(
      program.command(name).exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }),
    );

  // listed for help only: `flocker deploy|plan ...` go to flocker-deploy's own parser (main below)
  program
    .command('deploy')
    .description('deploy (flocker-deploy DEPLOYMENT APPLICATION; flocker deploy --help)');
  program.command('plan').description('the dry run (flocker-deploy --dry-run; flocker plan --help)');

  sub('status')
    .description('one view of the cluster: nodes, applications, volumes, routes, deploy locks')
    .argument('<deployment>', 'deployment config (which nodes)')
    .option('--json', 'one JSON document (schema: docs/status.md)')
    .action((dep: string, o: SshCliOptions & { json?: boolean }) =>
      run(
        (async () => {
          const report = await clusterStatus(connectFor(o), await placementOf(dep));
          io.stdout(o.json ? statusJson(report) : statusText(report));
          return report.complete ? 0 : 1;
        })(),
      ),
    );

  sub('logs')
    .description("an application's journal, read on the node that runs it")
    .argument('<deployment>', 'deployment config (which nodes)')
    .argument('<app>', 'application name')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option(
      '--since <time>',
      'from this time: 2026-12-01, "2026-12-01 10:00:00", today, yesterday, or an age: 30s, 10m, 2h, 1d',
    )
    .addOption(new Option('-n, --lines <n>', 'last N lines (default 100 without --since)').argParser(lines))
    .action(
      (dep: string, app: string, o: SshCliOptions & { follow?: boolean; since?: string; lines?: number }) =>
        run(
          (async () => {
            try {
              checkAppName(app);
            } catch (e) {
              throw new UsageError((e as Error).message);
            }
            const since = o.since !== undefined ? parseSince(o.since) : undefined;
            const placement = await placementOf(dep);
            await showLogs(connectFor(o), Object.keys(placement).sort(), {
              app,
              follow: o.follow === true,
              ...(o.lines !== undefined ? { lines: o.lines } : {}),
              ...(since !== undefined ? { since } : {}),
              onLine: (l) => io.stdout(`${l}\n`),
              onNode: (node, running) =>
                io.stderr(`-- ${app} on ${node}${running ? '' : ' (not running: its last lines)'}\n`),
              ...(io.signal ? { signal: io.signal } : {}),
            });
            return io.signal?.aborted ? 130 : 0;
          })(),
        ),
    );

  sub('audit')
    .description("every node's audit log merged by time: who, from where, what changed, result")
    .argument('<deployment>', 'deployment config (which nodes)')
    .option('--json', 'one JSON document {format: "flocker-audit", entries, nodes}')
    .action((dep: string, o: SshCliOptions & { json?: boolean }) =>
      run(
        (async () => {
          const logs = await readAudit(connectFor(o), Object.keys(await placementOf(dep)).sort());
          const entries = mergeAudit(logs);
          io.stdout(o.json ? auditJson(entries, logs) : auditText(entries, logs));
          return logs.some((l) => l.error) ? 1 : 0;
        })(),
      ),
    );

  sub('prune')
    .description(
      "list stale copies, removed apps' volumes and snapshots no incremental needs, with sizes; delete them with --yes",
    )
    .argument('<deployment>', 'deployment config')
    .argument('<application>', 'application config (an owned volume of an app in it is never deleted)')
    .option('--yes', "delete what is listed (under every node's deploy lock)")
    .option('--json', 'one JSON document {format: "flocker-prune", plan, nodes, bytes, applied}')
    .addOption(
      new Option('--lock-wait <seconds>', "wait this long for another deploy's lock")
        .argParser(nonNegativeInt)
        .default(0),
    )
    .action(
      (dep: string, apps: string, o: SshCliOptions & { yes?: boolean; json?: boolean; lockWait: number }) =>
        run(
          (async () => {
            const desired = await loadDesiredConfig(dep, apps);
            const r = await prune({
              desired,
              connect: connectFor(o),
              ...deployer(),
              yes: o.yes === true,
              lockWaitSeconds: o.lockWait,
            });
            io.stdout(o.json ? pruneJson(r) : pruneText(r));
            return 0;
          })(),
        ),
    );

  sub('lock')
    .description("each node's deploy lock: who holds it (status), or end the holder (release)")
    .argument('<deployment>', 'deployment config (which nodes)')
    .argument('<action>', 'status | release')
    .option('--json', 'one JSON document {format: "flocker-lock", nodes}')
    .action((dep: string, action: string, o: SshCliOptions & { json?: boolean }) =>
      run(
        (async () => {
          if (action !== 'status' && action !== 'release')
            throw new UsageError(`lock takes status or release, not ${JSON.stringify(action)}`);
          const rows = await lockCommand(connectFor(o), Object.keys(await placementOf(dep)).sort(), action);
          io.stdout(o.json ? lockJson(rows) : lockText(rows, action));
          return rows.some((r) => r.error) ? 1 : 0;
        })(),
      ),
    );
  return program;
}

/** Run `flocker`; returns the exit code (only bin/ exits). */
export async function main(argv: readonly string[], io: FlockerIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'deploy') return deployMain(rest, io);
  if (cmd === 'plan') return deployMain(['--dry-run', ...rest], io);
  let pending: Promise<number> | undefined;
  const program = buildFlockerProgram(io, (p) => {
    pending = p;
  });
  try {
    program.parse([...argv], { from: 'user' });
    if (!pending) {
      if (argv.length === 0) {
        program.outputHelp();
        return 2;
      }
      return 0;
    }
    return await pending;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const { message } = errorData(e);
    const json = argv.includes('--json');
    if (json)
      io.stdout(
        `${JSON.stringify({ type: 'error', code: errorData(e).code, exit_code: exitCodeFor(e), message })}\n`,
      );
    io.stderr(`flocker: error: ${message}\n`);
    if (!(e instanceof FlockerError) && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return exitCodeFor(e);
  }
}
