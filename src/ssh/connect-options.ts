// What a run of connections shares: the caller's options, the ssh -G runner and its answers,
// and the known_hosts cache, once per connectAll.
import { SshConfigError } from './errors.js';
import { KnownHostsStore, checkSshConfigFile, homeDir } from './load.js';
import { runSshG } from './ssh-g.js';
import type { SshGOptions, SshGRunner } from './ssh-g.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY = 16;

export interface ConnectOptions {
  /** ssh client config (--ssh-config); default ~/.ssh/config if it exists */
  readonly sshConfigPath?: string;
  /**
   * known_hosts files to check host keys against. When given, ONLY these are used; otherwise
   * UserKnownHostsFile (or ~/.ssh/known_hosts, ~/.ssh/known_hosts2) plus GlobalKnownHostsFile
   * (or /etc/ssh/ssh_known_hosts, /etc/ssh/ssh_known_hosts2).
   */
  readonly knownHostsPaths?: readonly string[];
  /** overrides ConnectTimeout from the ssh config; default 10 s. Covers TCP connect + handshake + auth. */
  readonly connectTimeoutMs?: number;
  /** connections opened at once by connectAll (default 16) */
  readonly concurrency?: number;
  /** private keys tried first (like ssh -i), before IdentityFile from the config */
  readonly identityFiles?: readonly string[];
  /** parallel commands per connection (default 8; sshd MaxSessions defaults to 10) */
  readonly maxChannelsPerConnection?: number;
  /** ssh-agent socket; default $SSH_AUTH_SOCK. '' disables the agent. */
  readonly agentSocket?: string;
  /** home directory for ~ (tests); default $HOME */
  readonly home?: string;
  /** name resolution (tests); default dns.lookup, IPv4 first */
  readonly resolve?: (host: string, family?: 4 | 6) => Promise<string>;
  /** how the ssh config is read (tests): default the real `ssh -G` */
  readonly sshG?: SshGRunner;
}

/** Shared per-run state: the ssh -G answers and the known_hosts cache. */
export interface ConnectContext {
  readonly opts: ConnectOptions;
  readonly home: string;
  readonly sshG: SshGRunner;
  readonly sshGCache: Map<string, SshGOptions>;
  readonly knownHosts: KnownHostsStore;
}

/** The run's context; an unreadable --ssh-config is the user's to fix (exit 2). */
export function makeContext(opts: ConnectOptions): ConnectContext {
  const home = opts.home ?? homeDir();
  if (opts.sshConfigPath !== undefined) {
    try {
      checkSshConfigFile(opts.sshConfigPath, home);
    } catch (e) {
      throw new SshConfigError(`cannot read ssh config: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return {
    opts,
    home,
    sshG: opts.sshG ?? runSshG,
    sshGCache: new Map(),
    knownHosts: new KnownHostsStore(),
  };
}
