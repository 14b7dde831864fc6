// The ssh config as OpenSSH reads it: `ssh -G [-F file] [-l user] [-p port] host` prints every
// option it would use for that host (Host/Match blocks, Include, first value wins, HostName
// tokens) and contacts nothing — except `Match exec` commands, which it runs like ssh would.
// The same command with `-F /dev/null` gives OpenSSH's defaults for the host: a key whose value
// differs was set by the config. Tests replace the runner (ConnectOptions.sshG).
import { spawnSync } from 'node:child_process';

export interface SshGResult {
  /** exit status; null if it did not run to the end */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** set when ssh could not be started at all (ENOENT: openssh-client not installed) */
  readonly error?: string;
}

/** runs `ssh -G <args>` and returns what it printed */
export type SshGRunner = (args: readonly string[]) => SshGResult;

const SSH_G_TIMEOUT_MS = 15_000;

export const runSshG: SshGRunner = (args) => {
  const r = spawnSync('ssh', ['-G', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: SSH_G_TIMEOUT_MS,
    maxBuffer: 4 * 1024 * 1024,
  });
  return {
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    ...(r.error ? { error: r.error.message } : {}),
  };
};

/** key → values, one per printed line (identityfile, sendenv, localforward... repeat) */
export type SshGOptions = ReadonlyMap<string, readonly string[]>;

/** Parse `ssh -G` output: `keyword value...` per line, keyword lower-case. */
export function parseSshG(text: string): SshGOptions {
  const out = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const key = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
    const value = sp < 0 ? '' : line.slice(sp + 1);
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

/** the argv after `ssh -G` for one host */
export function sshGArgs(
  host: string,
  o: { readonly configFile?: string; readonly user?: string; readonly port?: number },
): string[] {
  return [
    ...(o.configFile !== undefined ? ['-F', o.configFile] : []),
    ...(o.user !== undefined ? ['-l', o.user] : []),
    ...(o.port !== undefined ? ['-p', String(o.port)] : []),
    // `--` keeps a host named like an option from being read as one
    '--',
    host,
  ];
}
