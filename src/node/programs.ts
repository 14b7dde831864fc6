// The node-side programs as functions of their arguments, shared by bin/flocker-reportstate,
// bin/flocker-changestate and the one-file agent (bin/flocker-agent: `changestate ARGS`,
// `reportstate`). Each returns its exit code; only bin/ exits.
import { EXIT, versionLine, wantsHelp, wantsVersion } from '../cli-support/index.js';
import { errorText, main } from '../changestate/cli.js';
import { exitCodeFor } from '../errors.js';
import { preflight } from '../reportstate/preflight.js';
import { localNode } from './local-node.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const REPORTSTATE_USAGE = `usage: flocker-reportstate [--help] [--version]

Print this node's state (apps, volumes, routes, identity) as one JSON document on stdout:
what flocker-deploy reads over ssh from every node before it plans. Run as root on a node.

Exit codes: 0 success; 1 reading the state failed (the message names what is missing: docker,
zfs, systemd or iptables); 2 usage.
`;

/** flocker-reportstate: print this node's state as one versioned JSON document (NodeState). */
export async function reportstate(args: readonly string[] = []): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(REPORTSTATE_USAGE);
    return EXIT.OK;
  }
  if (wantsVersion(args)) {
    process.stdout.write(versionLine('flocker-reportstate'));
    return EXIT.OK;
  }
  if (args.length > 0) {
    process.stderr.write(`flocker-reportstate: unknown argument ${args[0]}\n${REPORTSTATE_USAGE}`);
    return EXIT.USAGE;
  }
  const node = localNode();
  try {
    process.stdout.write(`${JSON.stringify(await node.gather())}\n`);
    return 0;
  } catch (err) {
    // explain a failure by what is missing (docker, zfs, systemd, iptables) when that is the cause
    const why = await preflight(node.runner).then(
      () => err,
      (missing: unknown) => missing,
    );
    process.stderr.write(`flocker-reportstate: ${why instanceof Error ? why.message : String(why)}\n`);
    return exitCodeFor(why);
  }
}

/** flocker-changestate COMMAND ...: see src/changestate/cli.ts for the commands. */
export async function changestate(argv: readonly string[]): Promise<number> {
  // The deploy side may die while this node works (a killed flocker-deploy, a dropped link): its
  // ssh channel closes, and the work (a volume handoff) must still finish under the locks it
  // took. So a closed stdout or stderr is not fatal, and a hang-up does not stop `apply`.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  if (argv[0] === 'apply') process.on('SIGHUP', () => undefined);
  try {
    await main(
      argv,
      {
        stdin: process.stdin,
        readStdin,
        stdout: (s) => process.stdout.write(s),
        stdoutStream: process.stdout,
        env: process.env,
      },
      localNode(),
    );
    return 0;
  } catch (e) {
    process.stderr.write(`flocker-changestate: ${errorText(e)}\n`);
    return exitCodeFor(e);
  } finally {
    // done: a caller that keeps our stdin open (the deploy lock's channel) must not keep us alive
    process.stdin.destroy();
  }
}
