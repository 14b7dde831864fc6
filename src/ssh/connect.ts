// Opening SSH connections to nodes: resolve the host config and address, decide the host key
// policy and the identities to offer, then one handshake per node, bounded in parallel.
import { NodeError } from '../errors.js';
import { planAuth } from './auth-plan.js';
import type { AuthPlan } from './auth-plan.js';
import { DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT_MS, makeContext } from './connect-options.js';
import type { ConnectContext, ConnectOptions } from './connect-options.js';
import type { NodeConnection } from './connection.js';
import { AggregateNodeError, SSH_ERROR_CODES, toNodeError } from './errors.js';
import { handshake } from './handshake.js';
import { hostKeyPolicy } from './host-key-policy.js';
import { localUserName } from './load.js';
import { mapLimit } from './parallel.js';
import { noUsableIdentity } from './refusals.js';
import { resolveAddress } from './resolve-address.js';
import { SshConfigValueError, resolveHostConfig } from './ssh-config.js';
import type { ResolvedHostConfig } from './ssh-config.js';
import { dictFrom } from '../util/own.js';

/** Connect to one node. `ctx` carries the parsed ssh config and known_hosts cache. */
async function connectWith(ctx: ConnectContext, node: string, local: Local): Promise<NodeConnection> {
  const { hc, auth } = local;
  const timeoutMs = ctx.opts.connectTimeoutMs ?? hc.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const started = Date.now();
  const address = await resolveAddress(node, hc.hostName, timeoutMs, ctx.opts.resolve);
  const hostKeys = hostKeyPolicy(ctx, hc, address);
  return handshake({
    node,
    hc,
    address,
    timeoutMs,
    remainingMs: Math.max(1000, timeoutMs - (Date.now() - started)),
    hostKeys,
    auth,
    maxChannels: ctx.opts.maxChannelsPerConnection,
  });
}

function hostConfig(ctx: ConnectContext, node: string): ResolvedHostConfig {
  try {
    return resolveHostConfig(ctx.config, node, { home: ctx.home, localUser: localUserName() });
  } catch (e) {
    if (e instanceof SshConfigValueError)
      throw new NodeError(node, `ssh config: ${e.message}`, SSH_ERROR_CODES.config, 'user');
    throw e;
  }
}

/** What this machine alone decides for a node: its ssh settings and the identities to offer. */
interface Local {
  readonly hc: ResolvedHostConfig;
  readonly auth: AuthPlan;
}

/**
 * Every node's settings from the ssh config (and, `withAuth`, the local keys) alone, before any
 * node is contacted: a bad config value or no usable identity for any node is refused (exit 2)
 * while nothing was contacted yet.
 */
function localSettings(ctx: ConnectContext, nodes: readonly string[], withAuth: boolean): Map<string, Local> {
  const out = new Map<string, Local>();
  const errors: NodeError[] = [];
  for (const node of nodes) {
    try {
      const hc = hostConfig(ctx, node);
      const auth: AuthPlan = withAuth ? planAuth(ctx, hc) : { methods: [], descriptions: [], skipped: [] };
      if (withAuth && auth.methods.length === 0) throw noUsableIdentity(node, hc, auth);
      out.set(node, { hc, auth });
    } catch (e) {
      errors.push(toNodeError(node, e));
    }
  }
  if (errors.length > 0) throw new AggregateNodeError(errors, 'cannot connect to every node', nodes.length);
  return out;
}

/** The ssh port of each node as its connection will use it (ssh config only; nothing contacted). */
export function sshPorts(nodes: readonly string[], opts: ConnectOptions = {}): Record<string, number> {
  const ctx = makeContext(opts);
  return dictFrom([...localSettings(ctx, [...new Set(nodes)], false)].map(([n, l]) => [n, l.hc.port]));
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
  const local = localSettings(ctx, unique, true);
  const results = await mapLimit(unique, opts.concurrency ?? DEFAULT_CONCURRENCY, (n) =>
    connectWith(ctx, n, local.get(n)!),
  );
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
