// known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT") parsing and matching. Pure.
//
// Supported: plain host patterns (comma lists, `*`, `?`, `!negation`), `[host]:port` for ports
// other than 22, hashed entries (`|1|base64(salt)|base64(HMAC-SHA1(salt, name))`), comments,
// `@revoked` (the key is refused for every host, whatever the line's host pattern says:
// "must not ever be accepted"). `@cert-authority` lines are ignored: flocker does not do
// host certificates, so a host known only through a CA is "unknown" (add its plain key).
import { createHash, createHmac } from 'node:crypto';
import { matchPatternList } from './ssh-config.js';

export interface KnownHostsLine {
  readonly file: string;
  readonly line: number;
  readonly marker: 'revoked' | 'cert-authority' | null;
  /** the raw host field (comma list or one hashed entry) */
  readonly hosts: string;
  readonly keyType: string;
  /** decoded key blob (SSH wire format) */
  readonly key: Buffer;
}

export interface KnownHostsParseResult {
  readonly lines: readonly KnownHostsLine[];
  /** lines that could not be parsed ("file:line: why"); they are skipped, like OpenSSH does */
  readonly warnings: readonly string[];
}

export function parseKnownHosts(text: string, file: string): KnownHostsParseResult {
  const lines: KnownHostsLine[] = [];
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, idx) => {
    const lineNo = idx + 1;
    const raw = rawLine.trim();
    if (raw === '' || raw.startsWith('#')) return;
    const words = raw.split(/\s+/);
    let marker: KnownHostsLine['marker'] = null;
    if (words[0]?.startsWith('@')) {
      const mk = words.shift();
      if (mk === '@revoked') marker = 'revoked';
      else if (mk === '@cert-authority') marker = 'cert-authority';
      else {
        warnings.push(`${file}:${lineNo}: unknown marker ${mk}`);
        return;
      }
    }
    const [hosts, keyType, b64] = words;
    if (hosts === undefined || keyType === undefined || b64 === undefined) {
      warnings.push(`${file}:${lineNo}: expected "hosts keytype key"`);
      return;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
      warnings.push(`${file}:${lineNo}: key is not base64`);
      return;
    }
    const key = Buffer.from(b64, 'base64');
    const blobType = keyBlobType(key);
    if (blobType === undefined) {
      warnings.push(`${file}:${lineNo}: key blob is malformed`);
      return;
    }
    if (blobType !== keyType && marker !== 'cert-authority') {
      warnings.push(`${file}:${lineNo}: key type ${keyType} does not match key blob (${blobType})`);
      return;
    }
    lines.push({ file, line: lineNo, marker, hosts, keyType: blobType, key });
  });
  return { lines, warnings };
}

/** The algorithm name at the start of an SSH public key blob (uint32 length + string). */
export function keyBlobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  const t = blob.subarray(4, 4 + len).toString('latin1');
  return /^[\x21-\x7e]+$/.test(t) ? t : undefined;
}

/** OpenSSH fingerprint: "SHA256:" + base64 (no padding) of sha256(blob). */
export function fingerprintSha256(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** OpenSSH public key text: "ssh-ed25519 AAAA...". */
export function openSshPublicKey(blob: Buffer): string {
  return `${keyBlobType(blob) ?? 'unknown'} ${blob.toString('base64')}`;
}

/** The name known_hosts stores for host+port: `host` for 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

/** A hashed entry as OpenSSH writes it (HashKnownHosts yes); salt = 20 bytes. */
export function hashKnownHostsName(name: string, salt: Buffer): string {
  const h = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${h.toString('base64')}`;
}

/** Does this line's host field name `name` (already in knownHostsName form)? */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) {
    const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(hosts);
    if (!m) return false;
    const salt = Buffer.from(m[1] ?? '', 'base64');
    return hashKnownHostsName(name, salt) === `|1|${m[1]}|${m[2]}`;
  }
  return matchPatternList(hosts.split(','), name);
}

export type HostKeyVerdict =
  | { readonly kind: 'ok'; readonly entry: KnownHostsLine }
  | { readonly kind: 'revoked'; readonly entry: KnownHostsLine }
  /** known with another key of the same type: possible man-in-the-middle */
  | { readonly kind: 'changed'; readonly entries: readonly KnownHostsLine[] }
  /** no entry with this key type; `otherTypes` = types known for the host (if any) */
  | { readonly kind: 'unknown'; readonly otherTypes: readonly string[] };

/**
 * Check `key` (blob) for a host known under any of `names` (each already in knownHostsName form,
 * e.g. the HostName and the resolved address). Revocation wins over everything; then a matching
 * key; then a same-type different key ("changed"); otherwise unknown.
 */
export function checkHostKey(
  lines: readonly KnownHostsLine[],
  names: readonly string[],
  key: Buffer,
): HostKeyVerdict {
  const type = keyBlobType(key);
  const revoked = lines.find((l) => l.marker === 'revoked' && l.key.equals(key));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const forHost = lines.filter((l) => l.marker === null && names.some((n) => hostFieldMatches(l.hosts, n)));
  const same = forHost.find((l) => l.key.equals(key));
  if (same) return { kind: 'ok', entry: same };
  const changed = forHost.filter((l) => l.keyType === type);
  if (changed.length > 0) return { kind: 'changed', entries: changed };
  return { kind: 'unknown', otherTypes: [...new Set(forHost.map((l) => l.keyType))] };
}

/** Key types known for a host (to prefer them when negotiating, like OpenSSH does). */
export function knownKeyTypes(lines: readonly KnownHostsLine[], names: readonly string[]): string[] {
  const types = lines
    .filter((l) => l.marker === null && names.some((n) => hostFieldMatches(l.hosts, n)))
    .map((l) => l.keyType);
  return [...new Set(types)];
}
