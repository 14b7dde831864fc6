// `flocker-changestate link-nat NAME`, the ExecStartPost of an application with named links:
// waits for the container to run, then makes the NAT rules in its network namespace exactly
// those of the recorded spec (src/routing/link-nat.ts). Idempotent; any failure fails the start.
//
// The window: the container runs before its rules exist (a few tens of ms). A process that
// connects to a link by name at its very first instant may get one refused connection (the
// virtual address answers nothing yet); most clients retry. Link variables (the node's own
// address) work from the first instant.
import type { CommandRunner } from '../exec/runner.js';
import type { NodeFiles } from '../exec/node-files.js';
import { runChecked } from '../exec/check.js';
import { FlockerError } from '../errors.js';
import { containerName } from '../docker/names.js';
import { linkNatRules, planLinkNat } from '../routing/link-nat.js';
import { DEFAULT_STATE_DIR, appPaths, parseSpec } from './unit.js';

export interface LinkNatOptions {
  readonly docker?: string;
  readonly iptables?: string;
  readonly nsenter?: string;
  readonly stateDir?: string;
  /** how long to wait for the container to run; default 30 s */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
}

export interface LinkNatResult {
  readonly application: string;
  readonly pid: number;
  /** iptables commands run (after `iptables -w -t nat`); [] when the rules were there */
  readonly commands: string[][];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The container's PID once it runs; E_LINK_NAT when it does not within the bound. */
async function containerPid(runner: CommandRunner, name: string, o: LinkNatOptions): Promise<number> {
  const timeout = o.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeout;
  let last: string;
  for (;;) {
    const r = await runner.run([
      o.docker ?? 'docker',
      'inspect',
      '-f',
      '{{.State.Pid}}',
      containerName(name),
    ]);
    const pid = Number(r.stdout.trim());
    if (r.code === 0 && Number.isInteger(pid) && pid > 0) return pid;
    last = r.code === 0 ? 'not running' : r.stderr.trim() || `docker inspect exited ${r.code}`;
    if (Date.now() > deadline) break;
    await sleep(o.pollMs ?? 100);
  }
  throw new FlockerError(
    `${runner.host}: links of application ${name}: container ${containerName(name)} did not run within ${Math.round(timeout / 1000)} s (${last}); its link names cannot be set up`,
    'E_LINK_NAT',
    'system',
  );
}

export async function applyLinkNat(
  runner: CommandRunner,
  files: NodeFiles,
  name: string,
  o: LinkNatOptions = {},
): Promise<LinkNatResult> {
  const file = appPaths(name, undefined, o.stateDir ?? DEFAULT_STATE_DIR).specFile;
  const text = await files.read(file);
  if (text === undefined)
    throw new FlockerError(
      `${runner.host}: links of application ${name}: no recorded spec ${file}`,
      'E_LINK_NAT',
      'system',
    );
  const wanted = linkNatRules(parseSpec(text, `${runner.host}:${file}`), `${runner.host}:${file}`);
  const pid = await containerPid(runner, name, o);
  const inNetns = (args: readonly string[]): string[] => [
    o.nsenter ?? 'nsenter',
    '-t',
    String(pid),
    '-n',
    o.iptables ?? 'iptables',
    '-w',
    '-t',
    'nat',
    ...args,
  ];
  try {
    const listing = await runChecked(runner, inNetns(['-S', 'OUTPUT']));
    const commands = planLinkNat(listing.stdout, wanted);
    for (const c of commands) await runChecked(runner, inNetns(c));
    return { application: name, pid, commands };
  } catch (e) {
    throw new FlockerError(
      `${runner.host}: links of application ${name}: could not set the NAT rules in its container: ${(e as Error).message}`,
      'E_LINK_NAT',
      'system',
    );
  }
}
