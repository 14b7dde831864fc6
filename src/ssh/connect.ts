// Opening SSH connections to nodes: ssh config, address resolution, strict host key checking,
// agent / key authentication, timeouts, bounded parallelism.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import { NodeError } from '../errors.js';
import { AggregateNodeError, SSH_ERROR_CODES, SshConfigError, toNodeError } from './errors.js';
import { SshNodeConnection } from './connection.js';
import type { NodeConnection } from './connection.js';
import {
  checkHostKey,
  fingerprintSha256,
  keyBlobType,
  knownHostsName,
  knownKeyTypes,
  openSshPublicKey,
} from './known-hosts.js';
import type { HostKeyVerdict } from './known-hosts.js';
import {
  KnownHostsStore,
  defaultIdentityFiles,
  expandHome,
  homeDir,
  loadIdentity,
  loadSshConfig,
  localUserName,
} from './load.js';
import type { LoadedIdentity } from './load.js';
import { SshConfigSyntaxError, SshConfigValueError, resolveHostConfig } from './ssh-config.js';
import type { ResolvedHostConfig, SshConfig } from './ssh-config.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY = 16;
export const KEEPALIVE_INTERVAL_MS = 15_000;
export const KEEPALIVE_COUNT_MAX = 4;

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
interface ConnectContext {
  readonly opts: ConnectOptions;
  readonly home: string;
  readonly config: SshConfig;
  readonly knownHosts: KnownHostsStore;
}

function makeContext(opts: ConnectOptions): ConnectContext {
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

export async function defaultResolve(host: string): Promise<string> {
  const r = await lookup(host, { order: 'ipv4first' });
  return r.address;
}

function knownHostsFiles(ctx: ConnectContext, hc: ResolvedHostConfig): string[] {
  if (ctx.opts.knownHostsPaths) return ctx.opts.knownHostsPaths.map((p) => expandHome(p, ctx.home));
  const user =
    hc.userKnownHostsFiles.length > 0
      ? hc.userKnownHostsFiles
      : [path.join(ctx.home, '.ssh', 'known_hosts'), path.join(ctx.home, '.ssh', 'known_hosts2')];
  const global =
    hc.globalKnownHostsFiles.length > 0
      ? hc.globalKnownHostsFiles
      : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  return [...user, ...global];
}

/** ssh2 host key algorithms whose key blob type is `keyType`. */
function algorithmsForKeyType(keyType: string): ServerHostKeyAlgorithm[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType as ServerHostKeyAlgorithm];
}

const DEFAULT_HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Like OpenSSH: offer the key types we already know for this host first. */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const first = knownTypes
    .flatMap(algorithmsForKeyType)
    .filter((a) => DEFAULT_HOST_KEY_ALGORITHMS.includes(a));
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}

function displayPath(p: string, home: string): string {
  return p.startsWith(home + '/') ? '~' + p.slice(home.length) : p;
}

/** The refusal message for a host key that is not accepted. */
export function hostKeyProblem(
  node: string,
  verdict: Exclude<HostKeyVerdict, { kind: 'ok' }>,
  key: Buffer,
  info: {
    hostName: string;
    address: string;
    port: number;
    files: readonly string[];
    strict?: ResolvedHostConfig['strictHostKeyChecking'];
  },
): NodeError {
  const type = keyBlobType(key) ?? 'unknown';
  const fp = fingerprintSha256(key);
  const where = info.hostName === info.address ? info.address : `${info.hostName} (${info.address})`;
  const portArg = info.port === 22 ? '' : `-p ${info.port} `;
  const sshArg = info.port === 22 ? '' : `-p ${info.port} `;
  const kh = info.files[0] ?? '~/.ssh/known_hosts';
  switch (verdict.kind) {
    case 'revoked':
      return new NodeError(
        node,
        `host key for ${where} port ${info.port} is REVOKED (${verdict.entry.file}:${verdict.entry.line}): ` +
          `${type} ${fp}. Refusing to connect.`,
        SSH_ERROR_CODES.hostKeyRevoked,
        'user',
      );
    case 'changed': {
      const lines = verdict.entries.map((e) => `${e.file}:${e.line}`).join(', ');
      return new NodeError(
        node,
        `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${where} port ${info.port}!\n` +
          `Someone could be eavesdropping on you right now (man-in-the-middle attack), or the host key has just been changed.\n` +
          `The ${type} key sent by the remote host has fingerprint ${fp}, which does not match the key in ${lines}.\n` +
          `If the change is expected, remove the old key (ssh-keygen -R ${knownHostsName(info.hostName, info.port)} -f FILE) and accept the new one after checking its fingerprint.`,
        SSH_ERROR_CODES.hostKeyChanged,
        'user',
      );
    }
    case 'unknown': {
      let strictNote = '';
      if (info.strict && info.strict.value !== 'yes') {
        strictNote =
          `\nNote: "StrictHostKeyChecking ${info.strict.value}" (${info.strict.source.file}:${info.strict.source.line}) is ignored: ` +
          `flocker never accepts unknown host keys.`;
      }
      const others =
        verdict.otherTypes.length > 0
          ? ` (known_hosts has only ${verdict.otherTypes.join(', ')} key(s) for this host)`
          : '';
      return new NodeError(
        node,
        `host key for ${where} port ${info.port} is not known${others}: ${type} ${fp}.\n` +
          `Refusing to connect. After checking that this fingerprint is the node's real key ` +
          `(on the node: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), accept it with:\n` +
          `  ssh-keyscan ${portArg}-t ${type} ${info.hostName} >> ${kh}\n` +
          `or connect once interactively: ssh ${sshArg}${node}` +
          strictNote,
        SSH_ERROR_CODES.hostKeyUnknown,
        'user',
      );
    }
  }
}

interface AuthPlan {
  readonly methods: AnyAuthMethod[];
  /** human descriptions, parallel to methods */
  readonly descriptions: string[];
  /** identities not usable, with why */
  readonly skipped: string[];
}

function planAuth(ctx: ConnectContext, hc: ResolvedHostConfig): AuthPlan {
  const methods: AnyAuthMethod[] = [];
  const descriptions: string[] = [];
  const skipped: string[] = [];
  const agentSocket = ctx.opts.agentSocket ?? process.env['SSH_AUTH_SOCK'] ?? '';
  const useAgent = agentSocket !== '' && !hc.identitiesOnly;
  if (useAgent) {
    methods.push({ type: 'agent', username: hc.user, agent: agentSocket });
    descriptions.push(`ssh-agent (${agentSocket})`);
  }
  const explicit = [
    ...(ctx.opts.identityFiles ?? []).map((f) => expandHome(f, ctx.home)),
    ...hc.identityFiles,
  ];
  const usingDefaults = explicit.length === 0;
  const files = usingDefaults ? defaultIdentityFiles(ctx.home) : [...new Set(explicit)];
  const loaded: LoadedIdentity[] = files.map(loadIdentity);
  for (const id of loaded) {
    const shown = displayPath(id.file, ctx.home);
    switch (id.kind) {
      case 'ok':
        methods.push({ type: 'publickey', username: hc.user, key: id.key });
        descriptions.push(`${shown} (${id.key.type})`);
        break;
      case 'encrypted':
        skipped.push(
          `${shown} is encrypted (passphrase-protected) and flocker does not prompt for passphrases; ` +
            (useAgent
              ? `the agent was tried instead`
              : `load it into ssh-agent (ssh-add ${shown}) with SSH_AUTH_SOCK set`) +
            (hc.identitiesOnly ? ` (IdentitiesOnly yes disables the agent)` : ''),
        );
        break;
      case 'missing':
        if (!usingDefaults) skipped.push(`${shown} does not exist`);
        break;
      case 'bad':
        skipped.push(`${shown}: ${id.reason}`);
        break;
    }
  }
  return { methods, descriptions, skipped };
}

function describeSocketError(err: NodeJS.ErrnoException, target: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${target} (ECONNREFUSED): is sshd running and listening on that port?`;
    case 'EHOSTUNREACH':
      return `host unreachable: ${target} (EHOSTUNREACH)`;
    case 'ENETUNREACH':
      return `network unreachable: ${target} (ENETUNREACH)`;
    case 'ECONNRESET':
      return `connection reset by ${target} (ECONNRESET)`;
    case 'ETIMEDOUT':
      return `connection to ${target} timed out (ETIMEDOUT)`;
    default:
      return `cannot connect to ${target}: ${err.message}`;
  }
}

/** Connect to one node. `ctx` carries the parsed ssh config and known_hosts cache. */
async function connectWith(ctx: ConnectContext, node: string): Promise<NodeConnection> {
  let hc: ResolvedHostConfig;
  try {
    hc = resolveHostConfig(ctx.config, node, { home: ctx.home, localUser: localUserName() });
  } catch (e) {
    if (e instanceof SshConfigValueError)
      throw new NodeError(node, `ssh config: ${e.message}`, SSH_ERROR_CODES.config, 'user');
    throw e;
  }
  const timeoutMs = ctx.opts.connectTimeoutMs ?? hc.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const started = Date.now();

  // 1. resolve the address once
  let address: string;
  if (net.isIP(hc.hostName)) address = hc.hostName;
  else {
    const resolve = ctx.opts.resolve ?? defaultResolve;
    let timer: NodeJS.Timeout | undefined;
    try {
      address = await Promise.race([
        resolve(hc.hostName),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOTFOUND' ? 'no such host' : e instanceof Error ? e.message : String(e);
      throw new NodeError(node, `cannot resolve ${hc.hostName}: ${why}`, SSH_ERROR_CODES.resolve);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
  const target = `${address} port ${hc.port}`;

  // 2. host key expectations
  const files = knownHostsFiles(ctx, hc);
  const lines = ctx.knownHosts.lines(files);
  const names = [...new Set([knownHostsName(hc.hostName, hc.port), knownHostsName(address, hc.port)])];
  const preferred = preferredHostKeyAlgorithms(knownKeyTypes(lines, names));

  // 3. authentication plan
  const auth = planAuth(ctx, hc);
  if (auth.methods.length === 0) {
    const tried =
      auth.skipped.length > 0
        ? auth.skipped.join('; ')
        : 'no private key found (~/.ssh/id_ed25519, id_ecdsa, id_rsa) and no ssh-agent';
    throw new NodeError(
      node,
      `no usable ssh identity for ${hc.user}@${hc.hostName}: ${tried}`,
      SSH_ERROR_CODES.key,
      'user',
    );
  }

  // 4. connect
  const remaining = Math.max(1000, timeoutMs - (Date.now() - started));
  const client = new ssh2.Client();
  let hostKeyError: NodeError | undefined;
  let verifiedKey: Buffer | undefined;
  const tried: string[] = [];
  const agentErrors: string[] = [];
  let methodIndex = 0;

  return new Promise<NodeConnection>((resolve, reject) => {
    let done = false;
    const guard = setTimeout(() => finish(timeoutError()), remaining + 2000);
    const timeoutError = (): NodeError =>
      new NodeError(
        node,
        `ssh connection to ${target} timed out after ${timeoutMs} ms (no SSH handshake: host down, firewalled or not running sshd?)`,
        SSH_ERROR_CODES.timeout,
      );
    function finish(err: NodeError | undefined): void {
      if (done) return;
      done = true;
      clearTimeout(guard);
      if (err) {
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.end();
        client.destroy();
        reject(err);
        return;
      }
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      resolve(
        new SshNodeConnection(client, {
          node,
          address,
          port: hc.port,
          user: hc.user,
          hostKey: openSshPublicKey(verifiedKey ?? Buffer.alloc(0)),
          maxChannels: ctx.opts.maxChannelsPerConnection,
        }),
      );
    }
    client.on('ready', () => finish(undefined));
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (err.level === 'agent') {
        agentErrors.push(err.message);
        return; // ssh2 moves on to the next method
      }
      if (hostKeyError) return finish(hostKeyError);
      switch (err.level) {
        case 'client-socket':
          return finish(new NodeError(node, describeSocketError(err, target), SSH_ERROR_CODES.connect));
        case 'client-timeout':
          return finish(timeoutError());
        case 'client-authentication': {
          const parts = [
            `ssh authentication as ${hc.user} on ${target} failed (permission denied)`,
            `tried: ${tried.length > 0 ? tried.join(', ') : 'nothing'}`,
          ];
          if (auth.skipped.length > 0) parts.push(`not usable: ${auth.skipped.join('; ')}`);
          if (agentErrors.length > 0) parts.push(`agent errors: ${agentErrors.join('; ')}`);
          return finish(new NodeError(node, parts.join('; '), SSH_ERROR_CODES.auth, 'user'));
        }
        default:
          return finish(
            new NodeError(node, `ssh to ${target} failed: ${err.message}`, SSH_ERROR_CODES.protocol),
          );
      }
    });
    client.on('close', () => {
      if (hostKeyError) finish(hostKeyError);
      else
        finish(
          new NodeError(node, `ssh connection to ${target} closed during setup`, SSH_ERROR_CODES.connect),
        );
    });
    const config: ConnectConfig = {
      host: address,
      port: hc.port,
      username: hc.user,
      readyTimeout: remaining,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      algorithms: { serverHostKey: preferred },
      hostVerifier: (key: Buffer): boolean => {
        const verdict = checkHostKey(lines, names, key);
        if (verdict.kind === 'ok') {
          verifiedKey = Buffer.from(key);
          return true;
        }
        hostKeyError = hostKeyProblem(node, verdict, key, {
          hostName: hc.hostName,
          address,
          port: hc.port,
          files,
          strict: hc.strictHostKeyChecking,
        });
        return false;
      },
      authHandler: (_methodsLeft, _partial, next) => {
        const m = auth.methods[methodIndex];
        const d = auth.descriptions[methodIndex];
        methodIndex++;
        if (m === undefined || d === undefined) {
          next(false as unknown as AnyAuthMethod);
          return;
        }
        tried.push(d);
        next(m);
      },
    };
    try {
      client.connect(config);
    } catch (e) {
      finish(toNodeError(node, e));
    }
  });
}

/** Connect to one node (loads the ssh config; prefer connectAll for several nodes). */
export async function connectNode(node: string, opts: ConnectOptions = {}): Promise<NodeConnection> {
  return connectWith(makeContext(opts), node);
}

/** Map over items with at most `concurrency` promises in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i] as T;
      try {
        results[i] = { status: 'fulfilled', value: await fn(item, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  const n = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}

/**
 * Connect to every node (duplicates connect once), at most `concurrency` at a time. If any node
 * fails, the connections that succeeded are closed and one AggregateNodeError lists every
 * failed node with its reason.
 */
export async function connectAll(
  nodes: readonly string[],
  opts: ConnectOptions = {},
): Promise<Map<string, NodeConnection>> {
  const unique = [...new Set(nodes)];
  const ctx = makeContext(opts);
  const results = await mapLimit(unique, opts.concurrency ?? DEFAULT_CONCURRENCY, (n) => connectWith(ctx, n));
  const conns = new Map<string, NodeConnection>();
  const errors: NodeError[] = [];
  results.forEach((r, i) => {
    const node = unique[i] as string;
    if (r.status === 'fulfilled') conns.set(node, r.value);
    else errors.push(toNodeError(node, r.reason));
  });
  if (errors.length > 0) {
    for (const c of conns.values()) c.close();
    throw new AggregateNodeError(errors, 'cannot connect to every node', unique.length);
  }
  return conns;
}

/** Run fn on every connection, at most `concurrency` at a time; settled results per node. */
export async function runAllSettled<T>(
  conns: ReadonlyMap<string, NodeConnection>,
  fn: (conn: NodeConnection) => Promise<T>,
  concurrency = DEFAULT_CONCURRENCY,
): Promise<Map<string, PromiseSettledResult<T>>> {
  const entries = [...conns.entries()];
  const results = await mapLimit(entries, concurrency, ([, c]) => fn(c));
  return new Map(entries.map(([node], i) => [node, results[i] as PromiseSettledResult<T>]));
}

/**
 * Run fn on every connection, at most `concurrency` at a time. Every node runs to completion;
 * if any failed, throws one AggregateNodeError (what = `what`) listing each failed node.
 */
export async function runAll<T>(
  conns: ReadonlyMap<string, NodeConnection>,
  fn: (conn: NodeConnection) => Promise<T>,
  concurrency = DEFAULT_CONCURRENCY,
  what = 'command failed',
): Promise<Map<string, T>> {
  const settled = await runAllSettled(conns, fn, concurrency);
  const out = new Map<string, T>();
  const errors: NodeError[] = [];
  for (const [node, r] of settled) {
    if (r.status === 'fulfilled') out.set(node, r.value);
    else errors.push(toNodeError(node, r.reason));
  }
  if (errors.length > 0) throw new AggregateNodeError(errors, what, conns.size);
  return out;
}
