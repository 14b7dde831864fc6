// What a run of connections shares: the caller's options, the parsed ssh config and the
// known_hosts cache, loaded once per connectAll.
import { SshConfigError } from './errors.js';
import { KnownHostsStore, homeDir, loadSshConfig } from './load.js';
import { SshConfigSyntaxError } from './ssh-config.js';
import type { SshConfig } from './ssh-config.js';

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
  readonly resolve?: (host: string) => Promise<string>;
}

/** Shared per-run state: the parsed config and known_hosts cache. */
export interface ConnectContext {
  readonly opts: ConnectOptions;
  readonly home: string;
  readonly config: SshConfig;
  readonly knownHosts: KnownHostsStore;
}

/** Load the ssh config once; an unreadable or invalid config is the user's to fix. */
export function makeContext(opts: ConnectOptions): ConnectContext {
  const home = opts.home ?? homeDir();
  let config: SshConfig;
  try {
    config = loadSshConfig(opts.sshConfigPath, home);
  } catch (e) {
    const where = opts.sshConfigPath ?? '~/.ssh/config';
    if (e instanceof SshConfigSyntaxError) throw new SshConfigError(`ssh config: ${e.message}`);
    throw new SshConfigError(
      `cannot read ssh config ${where}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return { opts, home, config, knownHosts: new KnownHostsStore() };
}
