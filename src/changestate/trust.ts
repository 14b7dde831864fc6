// Node-to-node trust for volume pushes, set up by flocker itself:
// - each node has its own push key pair (ensurePeerKey), reported by reportstate;
// - flocker-deploy hands every node the peers' host keys it verified and their push keys;
// - applyTrust writes a known_hosts holding exactly those host keys, and manages the
//   authorized_keys lines tagged `flocker-peer:<node>` (restricted to the peer endpoint).
// Pure renderers/argv builders first, effects (fs, ssh-keygen) at the end.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { FlockerError } from '../errors.js';
import { LocalRunner } from '../exec/local-runner.js';
import { runChecked } from '../exec/check.js';
import type { CommandRunner } from '../exec/runner.js';
import type { PeerInfo } from '../model/changestate-input.js';
import { isNodeName } from '../model/names.js';
import { sshKeygenArgv } from '../exec/keygen.js';
import { own } from '../util/own.js';

export interface TrustOptions {
  /** holds id_ed25519(.pub) and known_hosts (default /var/lib/flocker/peer) */
  readonly peerDir?: string;
  /** root's authorized_keys (default /root/.ssh/authorized_keys) */
  readonly authorizedKeys?: string;
  /** forced command of tagged authorized_keys lines (default `flocker-changestate peer`) */
  readonly peerCommand?: string;
  /** runs ssh-keygen (default: local) */
  readonly runner?: CommandRunner;
  /**
   * digest of the trusted host keys, part of the shared connection's socket name: a master
   * opened under other trust is never reused (it expires on its own)
   */
  readonly trustDigest?: string;
}

export const DEFAULT_PEER_DIR = '/var/lib/flocker/peer';
export const DEFAULT_AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';
export const DEFAULT_PEER_COMMAND = 'flocker-changestate peer';
export const TAG_PREFIX = 'flocker-peer:';

export class TrustError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_TRUST', 'system');
  }
}

export function peerKeyPath(opts: TrustOptions = {}): string {
  return path.join(opts.peerDir ?? DEFAULT_PEER_DIR, 'id_ed25519');
}

export function peerKnownHostsPath(opts: TrustOptions = {}): string {
  return path.join(opts.peerDir ?? DEFAULT_PEER_DIR, 'known_hosts');
}

// ---- validation (everything written into ssh files is checked, nothing is escaped) ----
const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];
const B64 = /^[A-Za-z0-9+/]+={0,3}$/;
const ADDRESS = /^[A-Za-z0-9.:-]{1,253}$/;

/** "type base64" of an openssh public key line (comment dropped); throws if malformed. */
export function normalizeKey(line: string, what: string): string {
  if (/[\r\n\0]/.test(line.trim())) throw new TrustError(`${what}: must be a single line`);
  const parts = line.trim().split(/\s+/);
  const [type, body] = parts;
  if (type === undefined || body === undefined || !KEY_TYPES.includes(type) || !B64.test(body)) {
    throw new TrustError(`${what}: not an openssh public key: ${JSON.stringify(line.slice(0, 80))}`);
  }
  return `${type} ${body}`;
}

function checkNode(node: string): void {
  if (!isNodeName(node)) throw new TrustError(`invalid node name for trust: ${JSON.stringify(node)}`);
}

function checkAddress(address: string, port: number): void {
  if (!ADDRESS.test(address)) throw new TrustError(`invalid peer address: ${JSON.stringify(address)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TrustError(`invalid peer port: ${port}`);
}

// ---- pure renderers ----
/** known_hosts host field: `addr` on port 22, `[addr]:port` otherwise. */
export function knownHostsHost(address: string, port: number): string {
  checkAddress(address, port);
  return port === 22 ? address : `[${address}]:${port}`;
}

/** known_hosts content: exactly the verified host keys of every peer but self, sorted by node. */
export function renderKnownHosts(self: string, peers: Readonly<Record<string, PeerInfo>>): string {
  const lines: string[] = [];
  for (const node of Object.keys(peers).sort()) {
    if (node === self) continue;
    const p = own(peers, node) as PeerInfo;
    lines.push(`${knownHostsHost(p.address, p.port)} ${normalizeKey(p.host_key, `host key of ${node}`)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function authorizedKeyLine(node: string, key: string, peerCommand = DEFAULT_PEER_COMMAND): string {
  checkNode(node);
  if (/["\\\n]/.test(peerCommand))
    throw new TrustError(`invalid peer command: ${JSON.stringify(peerCommand)}`);
  return `restrict,command="${peerCommand}" ${normalizeKey(key, `push key of ${node}`)} ${TAG_PREFIX}${node}`;
}

/** Is this authorized_keys line one of ours? (its last field is a flocker-peer: tag) */
export function isTaggedLine(line: string): boolean {
  const fields = line.trim().split(/\s+/);
  const last = fields[fields.length - 1];
  return fields.length >= 3 && last !== undefined && last.startsWith(TAG_PREFIX);
}

/**
 * New authorized_keys content: every untagged line kept byte for byte and in place, tagged lines
 * replaced by one line per peer (but self) that reported a push key, appended in node order.
 */
export function updateAuthorizedKeys(
  existing: string,
  self: string,
  peers: Readonly<Record<string, PeerInfo>>,
  peerCommand = DEFAULT_PEER_COMMAND,
): string {
  const kept =
    existing === ''
      ? []
      : existing
          .replace(/\n$/, '')
          .split('\n')
          .filter((l) => !isTaggedLine(l));
  const ours: string[] = [];
  for (const node of Object.keys(peers).sort()) {
    const key = own(peers, node)?.peer_public_key;
    if (node === self || key === undefined) continue;
    ours.push(authorizedKeyLine(node, key, peerCommand));
  }
  const all = [...kept, ...ours];
  return all.length ? `${all.join('\n')}\n` : '';
}

/** ssh argv for one peer request (the request string is the restricted endpoint's whole input). */
export function peerSshArgv(
  peer: { readonly address: string; readonly port: number },
  request: string,
  opts: TrustOptions = {},
  /** false: a connection of its own (a measured stream: this ssh reads all of it) */
  shared = true,
): string[] {
  const [ssh, ...rest] = peerSshBaseArgv(peer, opts);
  // through the shared master connection when one is up (ssh falls back to its own otherwise)
  const control = shared
    ? ['-o', `ControlPath=${peerControlPath(opts)}`, '-o', 'ControlMaster=no']
    : ['-o', 'ControlPath=none'];
  return [ssh!, ...control, ...rest, peer.address, request];
}

/** The control socket of the one master connection per peer (%C: hash of host, port, user). */
export function peerControlPath(opts: TrustOptions = {}): string {
  return `${opts.peerDir ?? DEFAULT_PEER_DIR}/cm-${opts.trustDigest ?? 'x'}-%C`;
}

/** argv asking whether a live master already serves the peer's control socket (exit 0 if so) */
export function peerMasterCheckArgv(
  peer: { readonly address: string; readonly port: number },
  opts: TrustOptions = {},
): string[] {
  // the same options as the master: %C hashes host, port and user
  const [ssh, ...rest] = peerSshBaseArgv(peer, opts);
  const end = rest.lastIndexOf('--');
  return [
    ssh!,
    '-o',
    `ControlPath=${peerControlPath(opts)}`,
    '-O',
    'check',
    ...rest.slice(0, end),
    '--',
    peer.address,
  ];
}

/**
 * argv that opens a master connection to the peer in the background (-f after auth, -N: no
 * command, so the forced command does not run) that later requests share for 60 s: a handoff's
 * status, recv and own requests then cost one round trip each instead of one ssh handshake.
 */
export function peerMasterArgv(
  peer: { readonly address: string; readonly port: number },
  opts: TrustOptions = {},
): string[] {
  const [ssh, ...rest] = peerSshBaseArgv(peer, opts);
  return [
    ssh!,
    '-M',
    '-N',
    '-f',
    '-o',
    `ControlPath=${peerControlPath(opts)}`,
    '-o',
    'ControlPersist=60',
    ...rest,
    peer.address,
  ];
}

function peerSshBaseArgv(
  peer: { readonly address: string; readonly port: number },
  opts: TrustOptions,
): string[] {
  checkAddress(peer.address, peer.port);
  return [
    'ssh',
    '-F',
    'none',
    '-i',
    peerKeyPath(opts),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${peerKnownHostsPath(opts)}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    // a peer that stops answering mid-push (cut link, power loss) fails the push in ~15 s
    // instead of holding the handoff (and the node's work lock) for TCP's two hours
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=3',
    '-p',
    String(peer.port),
    '-l',
    'root',
    '--',
  ];
}

// ---- effects ----
async function writeFileAtomic(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.flocker-tmp-${process.pid}`;
  const fh = await fsp.open(tmp, 'w', mode);
  try {
    await fh.writeFile(content);
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
}

async function ensureDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await fsp.chmod(dir, 0o700);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Create the push key pair on first use (dir 0700, private key 0600); returns the public key line. */
export async function ensurePeerKey(opts: TrustOptions = {}): Promise<string> {
  const runner = opts.runner ?? new LocalRunner();
  const key = peerKeyPath(opts);
  await ensureDir(path.dirname(key));
  if (!(await exists(key))) {
    await runChecked(runner, sshKeygenArgv(key, 'flocker-peer'));
  }
  await fsp.chmod(key, 0o600);
  let pub: string;
  if (await exists(`${key}.pub`)) pub = await fsp.readFile(`${key}.pub`, 'utf8');
  else {
    pub = (await runChecked(runner, ['ssh-keygen', '-y', '-f', key])).stdout;
    await writeFileAtomic(`${key}.pub`, pub, 0o644);
  }
  return normalizeKey(pub, 'own push key');
}

export interface TrustResult {
  /** nodes whose host keys are in known_hosts */
  readonly knownHosts: readonly string[];
  /** nodes allowed to push to this node */
  readonly authorized: readonly string[];
}

/** Write known_hosts and the tagged authorized_keys lines for these peers. */
export async function applyTrust(
  self: string,
  peers: Readonly<Record<string, PeerInfo>>,
  opts: TrustOptions = {},
): Promise<TrustResult> {
  // render everything first: a malformed peer entry changes nothing
  const knownHosts = renderKnownHosts(self, peers);
  const akPath = opts.authorizedKeys ?? DEFAULT_AUTHORIZED_KEYS;
  let existing = '';
  try {
    existing = await fsp.readFile(akPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const ak = updateAuthorizedKeys(existing, self, peers, opts.peerCommand);

  const kh = peerKnownHostsPath(opts);
  await ensureDir(path.dirname(kh));
  await writeFileAtomic(kh, knownHosts, 0o600);
  await ensureDir(path.dirname(akPath));
  if (ak !== existing || !(await exists(akPath))) await writeFileAtomic(akPath, ak, 0o600);
  else await fsp.chmod(akPath, 0o600);

  const others = Object.keys(peers)
    .filter((n) => n !== self)
    .sort();
  return {
    knownHosts: others,
    authorized: others.filter((n) => own(peers, n)?.peer_public_key !== undefined),
  };
}
