// The ssh options every `flocker` subcommand shares with flocker-deploy (--ssh-config, -i,
// --known-hosts, --connect-timeout, --concurrency), and the connect function they make.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { NodeConnection } from '../ssh/connection.js';
import { connectAll, sshPorts } from '../ssh/index.js';
import type { ConnectOptions } from '../ssh/index.js';

export interface SshCliOptions {
  sshConfig?: string;
  identity?: string[];
  knownHosts?: string[];
  connectTimeout: number;
  concurrency: number;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of seconds');
  return n;
}

// repeatable options start undefined: help shows no "(default: [])"
export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Add the shared ssh options to a command. */
export function withSshOptions(c: Command): Command {
  return c
    .option('--ssh-config <file>', 'ssh client config to use instead of ~/.ssh/config')
    .option('-i, --identity <file>', 'private key to try first (repeatable)', collect)
    .option(
      '--known-hosts <file>',
      'known_hosts file(s) to check host keys against instead of the defaults (repeatable)',
      collect,
    )
    .addOption(
      new Option('--connect-timeout <seconds>', 'ssh connect timeout').argParser(positiveInt).default(10),
    )
    .addOption(new Option('--concurrency <n>', 'nodes contacted at once').argParser(positiveInt).default(16));
}

export type Connect = ((nodes: readonly string[]) => Promise<Map<string, NodeConnection>>) & {
  /**
   * Refuse, before any node is contacted, what the ssh config alone makes impossible for any of
   * `nodes` (an option flocker cannot honour, a bad value): throws a user error (exit 2).
   */
  readonly check?: (nodes: readonly string[]) => void;
};

/** connectAll with the command line's ssh options (every node, or an error naming each failed one). */
export function sshConnect(o: SshCliOptions): Connect {
  const ssh = sshConnectOptions(o);
  return Object.assign((nodes: readonly string[]) => connectAll(nodes, ssh), {
    check: (nodes: readonly string[]): void => void sshPorts(nodes, ssh),
  });
}

/** the command line's ssh options as connectAll takes them */
export function sshConnectOptions(o: SshCliOptions): ConnectOptions {
  return {
    ...(o.sshConfig ? { sshConfigPath: o.sshConfig } : {}),
    ...(o.knownHosts?.length ? { knownHostsPaths: o.knownHosts } : {}),
    ...(o.identity?.length ? { identityFiles: o.identity } : {}),
    connectTimeoutMs: o.connectTimeout * 1000,
    concurrency: o.concurrency,
  };
}
