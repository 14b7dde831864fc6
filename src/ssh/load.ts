// File-system edge of the SSH transport: locating an option in the ssh config files (with
// Include) for a refusal's message, known_hosts files and private keys. Parsing itself is pure
// (ssh-g.ts, host-options.ts, known-hosts.ts).
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { splitConfigWords, wildcardMatch } from './ssh-config.js';
import { parseKnownHosts } from './known-hosts.js';
import { readInputFile } from '../config/read-input.js';
import type { KnownHostsLine } from './known-hosts.js';

export function homeDir(): string {
  return process.env['HOME'] || os.homedir();
}

export function localUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}

export function expandHome(p: string, home = homeDir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return p;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Expand one Include argument: ~ and relative paths (relative to `base`: ~/.ssh for the user's
 * config, /etc/ssh for the system one, as OpenSSH does), `*`/`?` in the last path component.
 */
function expandInclude(pattern: string, home: string, base: string): string[] {
  let p = expandHome(pattern, home);
  if (!path.isAbsolute(p)) p = path.join(base, p);
  const dir = path.dirname(p);
  const name = path.basename(p);
  if (!/[*?]/.test(name)) return [p];
  try {
    return readdirSync(dir)
      .filter((n) => wildcardMatch(name, n))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/**
 * An ssh config file as the config files are read: a regular file only (a FIFO never hangs),
 * bounded, strict UTF-8. Missing or unreadable: undefined (ssh -G already judged it).
 */
function readConfigText(file: string): string | undefined {
  const r = readInputFile(file);
  return 'text' in r ? r.text : undefined;
}

/**
 * The --ssh-config file is read the way flocker reads every input before ssh -G sees it: a
 * regular file only (a FIFO would hang ssh), bounded, strict UTF-8, and it must exist.
 */
export function checkSshConfigFile(explicitPath: string, home = homeDir()): void {
  const file = expandHome(explicitPath, home);
  const r = readInputFile(file);
  if ('text' in r) return;
  if (/^cannot read the file: ENOENT/.test(r.failure.message)) throw new Error(`${file}: no such file`);
  throw new Error(`${file}: ${r.failure.message}`);
}

/** the config files ssh reads: the one given with -F, else ~/.ssh/config and /etc/ssh/ssh_config */
export function configFiles(explicitPath: string | undefined, home = homeDir()): string[] {
  if (explicitPath !== undefined) return [expandHome(explicitPath, home)];
  return [path.join(home, '.ssh', 'config'), '/etc/ssh/ssh_config'];
}

/**
 * Every `file:line` where `keyword` is set in the config files (following Include). ssh -G says
 * what value won but not where it came from: this points the user at the candidates.
 */
export function locateOption(keyword: string, files: readonly string[], home = homeDir()): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, base: string, depth: number): void => {
    if (depth > 16 || seen.has(file)) return;
    seen.add(file);
    const text = readConfigText(file);
    if (text === undefined) return;
    text.split(/\r?\n/).forEach((raw, i) => {
      const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+|$)(.*)$/.exec(raw);
      if (!m) return;
      const kw = (m[1] ?? '').toLowerCase();
      if (kw === keyword) out.push(`${file}:${i + 1}`);
      if (kw === 'include') {
        let args: string[];
        try {
          args = splitConfigWords(m[2] ?? '', file, i + 1);
        } catch {
          return;
        }
        for (const a of args) for (const f of expandInclude(a, home, base)) visit(f, base, depth + 1);
      }
    });
  };
  for (const f of files) visit(f, f.startsWith('/etc/ssh/') ? '/etc/ssh' : path.join(home, '.ssh'), 0);
  return out;
}

/** Reads and caches known_hosts files (missing files = no entries). */
export class KnownHostsStore {
  private readonly cache = new Map<string, readonly KnownHostsLine[]>();
  readonly warnings: string[] = [];

  lines(files: readonly string[]): KnownHostsLine[] {
    const out: KnownHostsLine[] = [];
    for (const f of files) {
      let lines = this.cache.get(f);
      if (lines === undefined) {
        const text = readIfExists(f);
        if (text === undefined) lines = [];
        else {
          const r = parseKnownHosts(text, f);
          lines = r.lines;
          this.warnings.push(...r.warnings);
        }
        this.cache.set(f, lines);
      }
      out.push(...lines);
    }
    return out;
  }
}

export type LoadedIdentity =
  | { readonly kind: 'ok'; readonly file: string; readonly key: ParsedKey }
  | { readonly kind: 'encrypted'; readonly file: string }
  | { readonly kind: 'missing'; readonly file: string }
  | { readonly kind: 'bad'; readonly file: string; readonly reason: string };

/** Read and parse one private key file (no passphrase prompting: encrypted keys need an agent). */
export function loadIdentity(file: string): LoadedIdentity {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing', file };
    return { kind: 'bad', file, reason: `cannot read: ${code ?? String(e)}` };
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/encrypt|passphrase/i.test(parsed.message)) return { kind: 'encrypted', file };
    return { kind: 'bad', file, reason: parsed.message };
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key) return { kind: 'bad', file, reason: 'no key in file' };
  if (!key.isPrivateKey()) return { kind: 'bad', file, reason: 'not a private key' };
  return { kind: 'ok', file, key };
}

/** ~/.ssh/id_ed25519, id_ecdsa, id_rsa — tried when no IdentityFile is configured. */
export function defaultIdentityFiles(home = homeDir()): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => path.join(home, '.ssh', n));
}
