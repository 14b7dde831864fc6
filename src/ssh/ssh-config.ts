// OpenSSH client configuration (ssh_config(5)) — the subset flocker-deploy honours.
// Pure: parsing takes text, `Include` goes through a caller-supplied reader, resolution is a
// function of the parsed entries and the name the user typed.
//
// Supported: Host (several patterns per line, `*`, `?`, `!negation`), HostName (with %h / %%),
// User, Port, IdentityFile (several; ~ and %d %u %h %r %% expanded), UserKnownHostsFile,
// GlobalKnownHostsFile, StrictHostKeyChecking (recorded; flocker always checks strictly),
// IdentitiesOnly, ConnectTimeout, Include (paths relative to ~/.ssh, `*`/`?` in file names).
// `keyword=value` and "quoted values" are accepted. First obtained value wins, as in OpenSSH;
// IdentityFile / *KnownHostsFile accumulate (first line obtained for known hosts files).
// Not supported (documented): `Match` blocks — their options are ignored, up to the next
// Host or Match line; every other keyword is parsed and ignored.
import { own } from '../util/own.js';

/** One option line, with the Host condition in effect where it appeared. */
export interface SshConfigEntry {
  /** lower-cased keyword */
  readonly keyword: string;
  /** arguments, quotes removed */
  readonly args: readonly string[];
  /** Host patterns in effect (null = before any Host line, applies to every host) */
  readonly hostPatterns: readonly string[] | null;
  readonly file: string;
  readonly line: number;
}

export interface SshConfig {
  readonly entries: readonly SshConfigEntry[];
  /** non-fatal remarks (ignored Match blocks, unreadable includes) */
  readonly warnings: readonly string[];
}

export interface IncludedFile {
  readonly file: string;
  readonly text: string;
}

export interface ParseOptions {
  /** expand one Include argument (already ~-expanded by the caller) to files and their text */
  readonly include?: (pattern: string, fromFile: string) => readonly IncludedFile[];
}

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

const MAX_INCLUDE_DEPTH = 16;

/** Parse ssh_config text into entries (Includes expanded through opts.include). */
export function parseSshConfig(text: string, file: string, opts: ParseOptions = {}): SshConfig {
  const entries: SshConfigEntry[] = [];
  const warnings: string[] = [];
  parseInto(text, file, opts, entries, warnings, null, 0);
  return { entries, warnings };
}

function parseInto(
  text: string,
  file: string,
  opts: ParseOptions,
  entries: SshConfigEntry[],
  warnings: string[],
  initialHost: readonly string[] | null,
  depth: number,
): void {
  // `inMatch`: options under a Match line are skipped (unsupported).
  let host: readonly string[] | null = initialHost;
  let inMatch = false;
  const lines = text.split(/\r?\n/);
  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = idx + 1;
    const raw = (lines[idx] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    // keyword and value may be separated by whitespace and/or one '='
    const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+|$)(.*)$/.exec(raw);
    if (!m) throw new SshConfigSyntaxError(file, lineNo, `cannot parse line: ${raw}`);
    const keyword = (m[1] ?? '').toLowerCase();
    const args = splitConfigWords(m[2] ?? '', file, lineNo);
    if (keyword === 'host') {
      if (args.length === 0) throw new SshConfigSyntaxError(file, lineNo, 'Host needs at least one pattern');
      host = args;
      inMatch = false;
      continue;
    }
    if (keyword === 'match') {
      warnings.push(`${file}:${lineNo}: Match blocks are not supported; their options are ignored`);
      inMatch = true;
      continue;
    }
    if (inMatch) continue;
    if (keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH)
        throw new SshConfigSyntaxError(file, lineNo, 'Include nested too deeply');
      if (!opts.include) {
        warnings.push(`${file}:${lineNo}: Include ignored (no reader)`);
        continue;
      }
      for (const pattern of args) {
        for (const inc of opts.include(pattern, file)) {
          parseInto(inc.text, inc.file, opts, entries, warnings, host, depth + 1);
        }
      }
      continue;
    }
    if (args.length === 0) throw new SshConfigSyntaxError(file, lineNo, `${m[1]} needs a value`);
    entries.push({ keyword, args, hostPatterns: host, file, line: lineNo });
  }
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

/** Where a resolved value came from (for error messages). */
export interface ConfigSource {
  readonly file: string;
  readonly line: number;
}

export interface ResolvedHostConfig {
  /** the name the user gave (ssh alias, host name or IP) */
  readonly alias: string;
  /** HostName from the config (tokens expanded), or the alias */
  readonly hostName: string;
  readonly hostNameFromConfig: boolean;
  readonly user: string;
  readonly port: number;
  /** configured IdentityFile values, expanded; empty = use the defaults */
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** UserKnownHostsFile values, expanded; empty = default */
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  readonly strictHostKeyChecking?: { readonly value: StrictHostKeyChecking; readonly source: ConfigSource };
  readonly connectTimeoutMs?: number;
}

export interface ResolveContext {
  /** local user's home directory (for ~ and %d) */
  readonly home: string;
  /** local user name (default remote user, %u) */
  readonly localUser: string;
}

export class SshConfigValueError extends Error {
  constructor(
    readonly source: ConfigSource,
    message: string,
  ) {
    super(`${source.file}:${source.line}: ${message}`);
    this.name = 'SshConfigValueError';
  }
}

/** Expand ~ at the start and %-tokens (%% %d %u %h %r %p %n) as OpenSSH does for paths. */
function expandPath(value: string, tokens: Readonly<Record<string, string>>, home: string): string {
  let v = value;
  if (v === '~') v = home;
  else if (v.startsWith('~/')) v = home + v.slice(1);
  return expandTokens(v, { ...tokens, d: home });
}

function expandTokens(value: string, tokens: Readonly<Record<string, string>>): string {
  return value.replace(/%(.)/g, (whole, t: string) => {
    if (t === '%') return '%';
    const r = tokens[t];
    return r === undefined ? whole : r;
  });
}

function parseYesNo(value: string, src: ConfigSource, keyword: string): boolean {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw new SshConfigValueError(src, `${keyword}: expected yes or no, got ${JSON.stringify(value)}`);
}

/** Resolve the options that apply to `alias` (first obtained value wins). */
export function resolveHostConfig(config: SshConfig, alias: string, ctx: ResolveContext): ResolvedHostConfig {
  const first = new Map<string, SshConfigEntry>();
  const identityEntries: SshConfigEntry[] = [];
  for (const e of config.entries) {
    if (e.hostPatterns !== null && !matchPatternList(e.hostPatterns, alias)) continue;
    if (e.keyword === 'identityfile') identityEntries.push(e);
    else if (!first.has(e.keyword)) first.set(e.keyword, e);
  }
  const src = (e: SshConfigEntry): ConfigSource => ({ file: e.file, line: e.line });
  const val = (e: SshConfigEntry): string => e.args[0] ?? '';

  const hostNameE = first.get('hostname');
  const hostName = hostNameE ? expandTokens(val(hostNameE), { h: alias }) : alias;

  const userE = first.get('user');
  const user = userE ? expandTokens(val(userE), { u: ctx.localUser }) : ctx.localUser;

  let port = 22;
  const portE = first.get('port');
  if (portE) {
    const p = val(portE);
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)
      throw new SshConfigValueError(src(portE), `Port: bad port number ${JSON.stringify(p)}`);
    port = Number(p);
  }

  const tokens = { h: hostName, u: ctx.localUser, r: user, p: String(port), n: alias };
  const identityFiles: string[] = [];
  for (const e of identityEntries) {
    const f = val(e);
    if (f.toLowerCase() === 'none') continue;
    const p = expandPath(f, tokens, ctx.home);
    if (!identityFiles.includes(p)) identityFiles.push(p);
  }

  const identitiesOnlyE = first.get('identitiesonly');
  const identitiesOnly = identitiesOnlyE
    ? parseYesNo(val(identitiesOnlyE), src(identitiesOnlyE), 'IdentitiesOnly')
    : false;

  const knownFiles = (e: SshConfigEntry | undefined): string[] =>
    e ? e.args.filter((a) => a.toLowerCase() !== 'none').map((a) => expandPath(a, tokens, ctx.home)) : [];

  let strict: ResolvedHostConfig['strictHostKeyChecking'];
  const strictE = first.get('stricthostkeychecking');
  if (strictE) {
    const v = val(strictE).toLowerCase();
    const map: Record<string, StrictHostKeyChecking> = {
      yes: 'yes',
      true: 'yes',
      no: 'no',
      false: 'no',
      off: 'off',
      'accept-new': 'accept-new',
      ask: 'ask',
    };
    const value = own(map, v);
    if (!value)
      throw new SshConfigValueError(
        src(strictE),
        `StrictHostKeyChecking: unknown value ${JSON.stringify(val(strictE))}`,
      );
    strict = { value, source: src(strictE) };
  }

  let connectTimeoutMs: number | undefined;
  const ctE = first.get('connecttimeout');
  if (ctE) {
    const v = val(ctE);
    if (!/^\d+$/.test(v) || Number(v) === 0)
      throw new SshConfigValueError(
        src(ctE),
        `ConnectTimeout: expected a positive number of seconds, got ${JSON.stringify(v)}`,
      );
    connectTimeoutMs = Number(v) * 1000;
  }

  return {
    alias,
    hostName,
    hostNameFromConfig: hostNameE !== undefined,
    user,
    port,
    identityFiles,
    identitiesOnly,
    userKnownHostsFiles: knownFiles(first.get('userknownhostsfile')),
    globalKnownHostsFiles: knownFiles(first.get('globalknownhostsfile')),
    ...(strict ? { strictHostKeyChecking: strict } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
  };
}
