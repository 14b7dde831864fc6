// OpenSSH client configuration (ssh_config(5)) as flocker uses it. OpenSSH itself reads the
// config (`ssh -G`, see ssh-g.ts and host-options.ts): Host and Match blocks, Include, tokens and
// first-value-wins are exactly its own. What is left here is pure: the resolved settings of one
// host as the connection code takes them, and the word/pattern helpers that locate an option's
// file:line for a refusal (ssh -G does not say where a value came from).

export class SshConfigSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'SshConfigSyntaxError';
  }
}

/** Split a config line into words, honouring double quotes (OpenSSH argv_split subset). */
export function splitConfigWords(text: string, file: string, line: number): string[] {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i] ?? '')) i++;
    if (i >= n) break;
    if (text[i] === '#') break;
    let word = '';
    let quoted = false;
    while (i < n) {
      const c = text[i] ?? '';
      if (quoted) {
        if (c === '"') quoted = false;
        else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          word += text[i + 1];
          i++;
        } else word += c;
      } else if (c === '"') quoted = true;
      else if (/\s/.test(c)) break;
      else word += c;
      i++;
    }
    if (quoted) throw new SshConfigSyntaxError(file, line, 'unterminated quote');
    words.push(word);
  }
  return words;
}

/** OpenSSH wildcard match: `*` any run, `?` one character; whole string. */
export function wildcardMatch(pattern: string, s: string): boolean {
  // iterative glob match with backtracking on the last '*'
  let p = 0;
  let i = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    const pc = pattern[p];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === s[i])) {
      p++;
      i++;
    } else if (pc === '*') {
      star = p++;
      mark = i;
    } else if (star !== -1) {
      p = star + 1;
      i = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * A pattern list (`a*,b` or ['a*','b']) matches when no negated pattern matches and at least
 * one positive pattern does. Case-insensitive (host names).
 */
export function matchPatternList(patterns: readonly string[], name: string): boolean {
  const s = name.toLowerCase();
  let positive = false;
  for (const raw of patterns) {
    const neg = raw.startsWith('!');
    const pat = (neg ? raw.slice(1) : raw).toLowerCase();
    if (wildcardMatch(pat, s)) {
      if (neg) return false;
      positive = true;
    }
  }
  return positive;
}

export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask' | 'off';

/** How a host is reached: straight over TCP, through jump hosts, or through a ProxyCommand. */
export type ProxySetting =
  | { readonly kind: 'direct' }
  /** ProxyJump hops as written (`[user@]host[:port]`), first contacted first */
  | { readonly kind: 'jump'; readonly hops: readonly string[] }
  /** ProxyCommand with its %-tokens expanded, run by /bin/sh */
  | { readonly kind: 'command'; readonly command: string };

export interface ResolvedHostConfig {
  /** the name the user gave (ssh alias, host name or IP) */
  readonly alias: string;
  /** HostName (tokens expanded), or the alias */
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  /** configured IdentityFile values, expanded; empty = use the defaults */
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** UserKnownHostsFile values, expanded; empty = default */
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  /** set to anything but the default: recorded for the refusal's note (flocker is always strict) */
  readonly strictHostKeyChecking?: { readonly value: StrictHostKeyChecking; readonly source: string };
  readonly connectTimeoutMs?: number;
  /** HostKeyAlias: the name the host key is looked up under instead of the host name */
  readonly hostKeyAlias?: string;
  /** IdentityAgent: a socket path, or null for `none`; undefined = $SSH_AUTH_SOCK */
  readonly identityAgent?: string | null;
  /** AddressFamily: 4 or 6 (inet / inet6); undefined = any, IPv4 first */
  readonly addressFamily?: 4 | 6;
  /** ServerAliveInterval (ms) and ServerAliveCountMax when set */
  readonly keepalive?: { readonly intervalMs: number; readonly countMax: number };
  readonly proxy: ProxySetting;
}
