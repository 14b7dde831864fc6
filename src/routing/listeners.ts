// Listening TCP and bound UDP sockets of a node (`ss -Hltun`), parsed purely, and which of them stand in the way
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
  /** a bound UDP socket (absent: a listening TCP socket) */
  readonly protocol?: 'udp';
}

/**
 * Parse `ss -Hltn[p]` (no header): "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*" per socket, or with -u a
 * Netid column first ("tcp LISTEN ...", "udp UNCONN ..."); the local address
 * is the 4th column ("[::]:22", "*:22", "127.0.0.53%lo:53", "[fe80::1]%eth0:80"); with -p a 6th
 * column names the process (`users:(("sshd",pid=1,fd=3))`). Sorted, unique.
 */
export function parseListeners(stdout: string): Listener[] {
  const seen = new Map<string, Listener>();
  for (const line of stdout.split('\n')) {
    const all = line.trim().split(/\s+/);
    const netid = all[0] === 'tcp' || all[0] === 'udp' ? all[0] : undefined;
    const cols = netid ? all.slice(1) : all;
    if (cols.length < 5 || cols[0] !== (netid === 'udp' ? 'UNCONN' : 'LISTEN')) {
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
    seen.set(`${netid ?? 'tcp'} ${address} ${port}`, {
      address,
      port,
      ...(program !== undefined ? { program } : {}),
      ...(netid === 'udp' ? { protocol: netid } : {}),
    });
  }
  return [...seen.values()].sort(byListener);
}

/** by port, TCP before UDP, then address */
export const byListener = (a: Listener, b: Listener): number =>
  a.port - b.port ||
  (a.protocol ?? '').localeCompare(b.protocol ?? '') ||
  (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: unreachable from other machines. */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

export interface PortConflict {
  readonly port: number;
  /** a UDP port (absent: TCP) */
  readonly protocol?: 'udp';
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
  want: {
    readonly appPorts: readonly number[];
    readonly routePorts: readonly number[];
    readonly udpAppPorts?: readonly number[];
    readonly udpRoutePorts?: readonly number[];
  },
  ours: ReadonlySet<number>,
  oursUdp: ReadonlySet<number> = new Set(),
): PortConflict[] {
  const out: PortConflict[] = [];
  const check = (port: number, use: PortConflict['use'], udp: boolean): void => {
    if ((udp ? oursUdp : ours).has(port)) return;
    const addresses = listeners
      .filter((l) => l.port === port && (l.protocol === 'udp') === udp)
      .filter((l) => use === 'app' || !isLoopback(l.address))
      .map((l) => l.address);
    if (addresses.length) out.push({ port, addresses, use, ...(udp ? { protocol: 'udp' as const } : {}) });
  };
  const each = (ports: readonly number[] | undefined, use: PortConflict['use'], udp: boolean): void => {
    for (const p of [...new Set(ports ?? [])].sort((a, b) => a - b)) check(p, use, udp);
  };
  each(want.appPorts, 'app', false);
  each(want.routePorts, 'route', false);
  each(want.udpAppPorts, 'app', true);
  each(want.udpRoutePorts, 'route', true);
  return out;
}
