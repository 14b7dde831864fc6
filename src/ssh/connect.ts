// Opening SSH connections to nodes: every node's route (its settings from `ssh -G`, its jump
// hosts or ProxyCommand, the identities each hop offers) is decided before any contact; then one
// handshake per hop, bounded in parallel. A jump host is one connection however many nodes go
// through it (and the same connection as the node of that name, when it is one); it closes when
// the last connection through it closes.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { NodeError } from '../errors.js';
import { DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT_MS, makeContext } from './connect-options.js';
import type { ConnectContext, ConnectOptions } from './connect-options.js';
import { SshNodeConnection } from './connection.js';
import type { NodeConnection } from './connection.js';
import { AggregateNodeError, SSH_ERROR_CODES, toNodeError } from './errors.js';
import { handshake } from './handshake.js';
import { hostKeyPolicy } from './host-key-policy.js';
import { mapLimit } from './parallel.js';
import { forwardThrough, spawnProxyCommand } from './proxy.js';
import type { ProxyProcess } from './proxy.js';
import { resolveAddress } from './resolve-address.js';
import { jumpPath, resolveRoute } from './route.js';
import type { Hop } from './route.js';
import { dictFrom } from '../util/own.js';

/** An authenticated hop: its client, and how to end it with what is below it. */
interface Opened {
  readonly client: Client;
  readonly hostKey: string;
  readonly address: string;
  end(): void;
}

interface PoolEntry {
  readonly opened: Promise<Opened>;
  refs: number;
}

/** open hops of one connectAll, by Hop.key */
type Pool = Map<string, PoolEntry>;

/** the goodbye of a hop travels through what is below it: release that once the hop closed */
const BELOW_RELEASE_SLACK_MS = 2000;

/** The hop's address: its own when it is an IP or resolves here, else its name (the jump host resolves it). */
async function addressBehindProxy(ctx: ConnectContext, hop: Hop, timeoutMs: number): Promise<string> {
  const name = hop.hc.hostName;
  if (net.isIP(name)) return name;
  try {
    return await resolveAddress(
      hop.label,
      name,
      Math.min(timeoutMs, 2000),
      ctx.opts.resolve,
      hop.hc.addressFamily,
    );
  } catch {
    return name;
  }
}

async function openHop(ctx: ConnectContext, hop: Hop, pool: Pool): Promise<Opened> {
  const { hc } = hop;
  const timeoutMs = ctx.opts.connectTimeoutMs ?? hc.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const started = Date.now();
  const remaining = (): number => Math.max(1000, timeoutMs - (Date.now() - started));
  let sock: Duplex | undefined;
  let via = '';
  let address: string;
  let proxy: ProxyProcess | undefined;
  let belowReleased = false;
  let releaseBelow: () => void = () => undefined;
  const below = (): void => {
    if (belowReleased) return;
    belowReleased = true;
    releaseBelow();
  };
  switch (hop.via.kind) {
    case 'direct':
      address = await resolveAddress(hop.label, hc.hostName, timeoutMs, ctx.opts.resolve, hc.addressFamily);
      break;
    case 'jump': {
      const jumpHop = hop.via.hop;
      const jump = await acquire(ctx, jumpHop, pool);
      releaseBelow = jump.release;
      via = ` via jump host ${jumpHop.label}`;
      address = await addressBehindProxy(ctx, hop, timeoutMs);
      try {
        sock = await forwardThrough(jump.opened.client, hc.hostName, hc.port, remaining());
      } catch (e) {
        below();
        throw new NodeError(
          hop.label,
          `jump host ${jumpHop.label} could not open a connection to ${hc.hostName} port ${hc.port}: ` +
            (e instanceof Error ? e.message : String(e)),
          SSH_ERROR_CODES.connect,
        );
      }
      break;
    }
    case 'command':
      proxy = spawnProxyCommand(hop.via.command);
      sock = proxy.sock;
      releaseBelow = proxy.kill;
      via = ` via ProxyCommand`;
      address = await addressBehindProxy(ctx, hop, timeoutMs);
      break;
  }
  try {
    const hs = await handshake({
      node: hop.label,
      hc,
      address,
      timeoutMs,
      remainingMs: remaining(),
      hostKeys: hostKeyPolicy(ctx, hc, address),
      auth: hop.auth,
      ...(sock ? { sock } : {}),
      via,
    });
    hs.client.on('close', below);
    hs.client.on('error', () => undefined); // a connection's users see 'close'; no unhandled 'error'
    return {
      client: hs.client,
      hostKey: hs.hostKey,
      address,
      end: () => {
        hs.client.end();
        if (!belowReleased) setTimeout(below, BELOW_RELEASE_SLACK_MS).unref();
      },
    };
  } catch (e) {
    below();
    const report = proxy?.exitReport();
    if (proxy && report !== undefined && hop.via.kind === 'command') {
      const err = toNodeError(hop.label, e);
      if (err.code === SSH_ERROR_CODES.connect || err.code === SSH_ERROR_CODES.protocol)
        throw new NodeError(
          hop.label,
          `ProxyCommand ${JSON.stringify(hop.via.command)} ${report}`,
          SSH_ERROR_CODES.connect,
        );
    }
    throw e;
  }
}

/** The shared connection of a hop (opened on first use); release() when done with it. */
async function acquire(
  ctx: ConnectContext,
  hop: Hop,
  pool: Pool,
): Promise<{ opened: Opened; release: () => void }> {
  let entry = pool.get(hop.key);
  if (!entry) {
    entry = { opened: openHop(ctx, hop, pool), refs: 0 };
    pool.set(hop.key, entry);
  }
  const e = entry;
  e.refs++;
  let opened: Opened;
  try {
    opened = await e.opened;
  } catch (err) {
    e.refs--;
    throw err;
  }
  let released = false;
  return {
    opened,
    release: () => {
      if (released) return;
      released = true;
      e.refs--;
      if (e.refs > 0) return;
      if (pool.get(hop.key) === e) pool.delete(hop.key);
      opened.end();
    },
  };
}

/** A failure on the way to `node` names the hop it happened at. */
function onRoute(node: string, hop: Hop, e: unknown): NodeError {
  if (e instanceof NodeError && e.host !== node) {
    const msg = e.message.startsWith(`${e.host}: `) ? e.message.slice(e.host.length + 2) : e.message;
    const path = jumpPath(hop);
    const route = path.includes(' -> ') ? ` (route ${path} -> ${node})` : '';
    return new NodeError(node, `via jump host ${e.host}${route}: ${msg}`, e.code, e.source);
  }
  return toNodeError(node, e);
}

async function connectNode(ctx: ConnectContext, node: string, hop: Hop, pool: Pool): Promise<NodeConnection> {
  try {
    const { opened, release } = await acquire(ctx, hop, pool);
    return new SshNodeConnection(opened.client, {
      node,
      address: opened.address,
      port: hop.hc.port,
      user: hop.hc.user,
      hostKey: opened.hostKey,
      maxChannels: ctx.opts.maxChannelsPerConnection,
      release,
    });
  } catch (e) {
    throw onRoute(node, hop, e);
  }
}

/**
 * Every node's route from the ssh config (and, `withAuth`, the local keys) alone, before any
 * node is contacted: a refused option, a bad value or no usable identity for any node or jump
 * host is refused (exit 2) while nothing was contacted yet.
 */
function localRoutes(ctx: ConnectContext, nodes: readonly string[], withAuth: boolean): Map<string, Hop> {
  const out = new Map<string, Hop>();
  const errors: NodeError[] = [];
  for (const node of nodes) {
    try {
      out.set(node, resolveRoute(ctx, node, withAuth));
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
  return dictFrom([...localRoutes(ctx, [...new Set(nodes)], false)].map(([n, h]) => [n, h.hc.port]));
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
  const routes = localRoutes(ctx, unique, true);
  const pool: Pool = new Map();
  const results = await mapLimit(unique, opts.concurrency ?? DEFAULT_CONCURRENCY, (n) =>
    connectNode(ctx, n, routes.get(n)!, pool),
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
