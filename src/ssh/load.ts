// File-system edge of the SSH transport: reading ~/.ssh/config (with Include), known_hosts
// files and private keys. Parsing itself is pure (ssh-config.ts, known-hosts.ts).
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { parseSshConfig, wildcardMatch } from './ssh-config.js';
import type { IncludedFile, SshConfig } from './ssh-config.js';
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
 * Expand one Include argument: ~ and relative paths (relative to ~/.ssh, as OpenSSH does for
 * user configuration), `*`/`?` wildcards in the last path component only. Missing files are
 * skipped silently (OpenSSH does the same).
 */
function expandInclude(pattern: string, home: string): IncludedFile[] {
  let p = expandHome(pattern, home);
  if (!path.isAbsolute(p)) p = path.join(home, '.ssh', p);
  const dir = path.dirname(p);
  const base = path.basename(p);
  let files: string[];
  if (/[*?]/.test(dir)) throw new Error(`Include ${pattern}: wildcards are only supported in the file name`);
  if (/[*?]/.test(base)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    files = names
      .filter((n) => wildcardMatch(base, n))
      .sort()
      .map((n) => path.join(dir, n));
  } else files = [p];
  const out: IncludedFile[] = [];
  for (const f of files) {
    const text = readConfigText(f);
    if (text !== undefined) out.push({ file: f, text });
  }
  return out;
}

/**
 * An ssh config file as the config files are read: a regular file only (a FIFO never hangs),
 * bounded, strict UTF-8. Missing: undefined.
 */
function readConfigText(file: string): string | undefined {
  const r = readInputFile(file);
  if ('text' in r) return r.text;
  if (/^cannot read the file: ENOENT/.test(r.failure.message)) return undefined;
  throw new Error(`${file}: ${r.failure.message}`);
}

/**
 * Load an ssh client config. `explicitPath` (from --ssh-config) must exist; the default
 * ~/.ssh/config may be missing (empty config).
 */
export function loadSshConfig(explicitPath: string | undefined, home = homeDir()): SshConfig {
  const file =
    explicitPath !== undefined ? expandHome(explicitPath, home) : path.join(home, '.ssh', 'config');
  const text = readConfigText(file);
  if (text === undefined && explicitPath !== undefined) throw new Error(`${file}: no such file`);
  if (text === undefined) return { entries: [], warnings: [] };
  return parseSshConfig(text, file, { include: (pattern) => expandInclude(pattern, home) });
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
