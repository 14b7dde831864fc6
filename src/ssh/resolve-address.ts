// A node's HostName is resolved ONCE; the connection and the routes use that address.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { NodeError } from '../errors.js';
import { SSH_ERROR_CODES } from './errors.js';

async function defaultResolve(host: string, family?: 4 | 6): Promise<string> {
  const r = await lookup(host, family !== undefined ? { family } : { order: 'ipv4first' });
  return r.address;
}

/** The address for `hostName` (an IP is its own address), within `timeoutMs`. */
export async function resolveAddress(
  node: string,
  hostName: string,
  timeoutMs: number,
  resolve: (host: string, family?: 4 | 6) => Promise<string> = defaultResolve,
  family?: 4 | 6,
): Promise<string> {
  if (net.isIP(hostName)) return hostName;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      resolve(hostName, family),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTFOUND' ? 'no such host' : e instanceof Error ? e.message : String(e);
    throw new NodeError(node, `cannot resolve ${hostName}: ${why}`, SSH_ERROR_CODES.resolve);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
