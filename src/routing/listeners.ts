// Listening TCP sockets of a node (`ss -Hltn`), parsed purely, and which of them stand in the way
// of a port flocker is about to use. A port is "ours" when one of our application containers
// publishes it (docker-proxy listens there for it); any other listener belongs to someone else:
// - an app publishing the port here would fail to bind (any listener, loopback ones included);
// - a DNAT route for the port would hijack the connections meant for it. Our DNAT rules match
//   only non-loopback destinations (PREROUTING: packets from outside; OUTPUT: `! -d 127.0.0.0/8`),
//   so a listener bound to a loopback address only is left alone by a route.

export interface Listener {
  /** local address as ss prints it, without brackets or %interface: 0.0.0.0, ::, 127.0.0.1, * */
  readonly address: string;
  readonly port: number;
  /** the listening process's name (`ss -p`), when ss tells it */
  readonly program?: string;
}

/**
 * Parse `ss -Hltn[p]` (no header): "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*" per socket; the local address
 * is the 4th column ("[::]:22", "*:22", "127.0.0.53%lo:53", "[fe80::1]%eth0:80"); with -p a 6th
 * column names the process (`users:(("sshd",pid=1,fd=3))`). Sorted, unique.
 */
export function parseListeners(stdout: string): Listener[] {
  const seen = new Map<string, Listener>();
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || cols[0] !== 'LISTEN') {
      if (line.trim() !== '') throw new Error(`unexpected ss line: ${JSON.stringify(line)}`);
      continue;
    }
    const local = cols[3] as string;
    const colon = local.lastIndexOf(':');
    const port = Number(local.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`unexpected local address in ss line: ${JSON.stringify(line)}`);
    let address = local.slice(0, colon).replace(/%[^\]%]*$/, '');
    if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
    const program = /users:\(\("((?:[^"\\]|\\.)*)"/.exec(cols.slice(5).join(' '))?.[1];
    seen.set(`${address} ${port}`, { address, port, ...(program !== undefined ? { program } : {}) });
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || (a.address < b.address ? -1 : 1));
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: unreachable from other machines. */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

export interface PortConflict {
  readonly port: number;
  /** the foreign listeners' addresses on that port */
  readonly addresses: readonly string[];
  /** what flocker wanted the port for */
  readonly use: 'app' | 'route';
}

/**
 * Ports flocker is about to use that something not ours listens on. `ours`: ports our own
 * application containers on this node publish.
 */
export function portConflicts(
  listeners: readonly Listener[],
  want: { readonly appPorts: readonly number[]; readonly routePorts: readonly number[] },
  ours: ReadonlySet<number>,
): PortConflict[] {
  const out: PortConflict[] = [];
  const check = (port: number, use: PortConflict['use']): void => {
    if (ours.has(port)) return;
    const addresses = listeners
      .filter((l) => l.port === port && (use === 'app' || !isLoopback(l.address)))
      .map((l) => l.address);
    if (addresses.length) out.push({ port, addresses, use });
  };
  for (const p of [...new Set(want.appPorts)].sort((a, b) => a - b)) check(p, 'app');
  for (const p of [...new Set(want.routePorts)].sort((a, b) => a - b)) check(p, 'route');
  return out;
}
