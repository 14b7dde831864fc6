// Compose networks (issue 13 item 4) -> links by name. Flocker creates no docker network: a
// compose network is a scope of names. Every service on a network reaches every other service
// on it by service name (and its `aliases` there), from any node, on each port the target
// listens on, through the name-based links of src/plan/link-hosts.ts. Services that share no
// network get no link, so they cannot resolve each other's names (name isolation, not a
// firewall: a container can still connect to any routed port of the cluster by address).
//
// The ports a target listens on are those of its `ports:` and `expose:`; an image's own EXPOSE
// is unknown when the plan is made, so a service with neither is not reachable by name (write
// `expose:`). A port that is published (`ports:`, on every address) is linked to its external
// port. Any other one gets a cluster-internal port (`cluster_only`: routed like an external port,
// accepted only from cluster nodes), allocated here: deterministic from the service name and
// port in CLUSTER_PORT_RANGE, outside Linux's default ephemeral range (32768-60999), so it is the
// same on every deploy of the same file and apps do not restart for it.
import { LINK_ALIAS_PATTERN } from '../model/application-schema.js';
import type { Link, PortMapping } from '../model/application.js';
import { isLinkHostName } from '../plan/link-hosts.js';
import { keyText, quoteText } from '../validation/echo.js';
import { isRecord } from './compose-keys.js';
import type { PathProblem } from './schema.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';

/** Cluster-internal ports are allocated from [first, first + size). */
export const CLUSTER_PORT_RANGE = { first: 61000, size: 1000 } as const;

export const DEFAULT_NETWORK = 'default';

/** Top-level network keys taken (their effect, or why it needs none). */
const NETWORK_KEYS = ['driver', 'internal', 'name', 'attachable', 'labels'];
const NETWORK_DRIVERS = ['bridge', 'overlay'];
const NETWORK_REFUSED: Readonly<Record<string, string>> = {
  external:
    'an external network joins containers that are not in this file; Flocker reaches only the applications it runs',
  ipam: 'fixed subnets and addresses belong to one host; Flocker gives each name an address of its own in every container and routes it to wherever the application runs',
  driver_opts:
    'driver options configure one host’s network; Flocker’s networks are names routed across the nodes',
  enable_ipv6: 'the routing between nodes is IPv4',
};
const SERVICE_NETWORK_REFUSED: Readonly<Record<string, string>> = {
  ipv4_address: 'a fixed address belongs to one host; the service is reached by its name from every node',
  ipv6_address: 'a fixed address belongs to one host; the service is reached by its name from every node',
  link_local_ips: 'a fixed address belongs to one host; the service is reached by its name from every node',
  mac_address: 'a MAC address belongs to one host network',
  driver_opts: 'driver options configure one host’s network',
};

/** Declared networks: name -> declared `internal: true`. `default` is always there. */
export type NetworkDeclarations = ReadonlyMap<string, { readonly internal: boolean }>;

/** Top-level `networks:` -> the declared networks (each bad key reported where it is). */
export function convertNetworkDeclarations(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
): NetworkDeclarations {
  const out = new Map<string, { internal: boolean }>([[DEFAULT_NETWORK, { internal: false }]]);
  if (value === null || value === undefined) return out;
  if (!isRecord(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a mapping of network names to declarations, found ${describeValue(value)}`,
    });
    return out;
  }
  for (const [name, decl] of Object.entries(value)) {
    const np = [...kp, name];
    out.set(name, { internal: false });
    if (decl === null) continue;
    if (!isRecord(decl)) {
      problems.push({
        path: np,
        target: 'value',
        message: `expected an empty declaration or a mapping, found ${describeValue(decl)}`,
      });
      continue;
    }
    for (const [k, v] of Object.entries(decl)) {
      const vp = [...np, k];
      if (k === 'driver') {
        if (typeof v !== 'string' || !NETWORK_DRIVERS.includes(v))
          problems.push({
            path: vp,
            target: 'value',
            message: `expected "bridge" or "overlay", found ${describeValue(v)}: ${typeof v === 'string' && ['host', 'none'].includes(v) ? 'applications get their own network namespace on every node' : 'that driver attaches containers to one host’s network; Flocker’s networks are names routed to wherever each application runs'}`,
          });
      } else if (k === 'internal' || k === 'attachable') {
        if (typeof v !== 'boolean')
          problems.push({
            path: vp,
            target: 'value',
            message: `expected true or false, found ${describeValue(v)}`,
          });
        else if (k === 'internal') out.set(name, { internal: v });
      } else if (k === 'name') {
        if (typeof v !== 'string')
          problems.push({
            path: vp,
            target: 'value',
            message: `expected a string, found ${describeValue(v)}`,
          });
      } else if (k === 'labels') {
        continue; // no docker network is created: nothing to label
      } else if (k === 'enable_ipv6' && v === false) {
        continue;
      } else {
        const why = NETWORK_REFUSED[k];
        problems.push({
          path: vp,
          target: 'key',
          message: why
            ? `unsupported network key ${keyText(k)}: ${why}`
            : `unsupported network key ${keyText(k)}; supported keys are: ${NETWORK_KEYS.join(', ')}`,
        });
      }
    }
  }
  return out;
}

/** A service's membership: network name -> its aliases there. */
export type ServiceNetworks = ReadonlyMap<string, readonly string[]>;

/** Service `networks:` (a list of names, or a mapping of names to null or {aliases}). */
export function convertServiceNetworks(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  declared: NetworkDeclarations,
): ServiceNetworks {
  const out = new Map<string, string[]>();
  const known = (name: unknown, path: KeyPath, target: 'key' | 'value'): name is string => {
    if (typeof name === 'string' && declared.has(name)) return true;
    problems.push({
      path,
      target,
      message: `expected a network declared under the top-level networks key (${[...declared.keys()].map((n) => quoteText(n)).join(', ')}), found ${describeValue(name)}`,
    });
    return false;
  };
  if (Array.isArray(value)) {
    value.forEach((n: unknown, i) => {
      if (known(n, [...kp, i], 'value')) out.set(n, []);
    });
    return out;
  }
  if (!isRecord(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a list of network names or a mapping of network names to {aliases}, found ${describeValue(value)}`,
    });
    return out;
  }
  for (const [name, m] of Object.entries(value)) {
    const np = [...kp, name];
    if (!known(name, np, 'key')) continue;
    const aliases: string[] = [];
    out.set(name, aliases);
    if (m === null) continue;
    if (!isRecord(m)) {
      problems.push({
        path: np,
        target: 'value',
        message: `expected null or a mapping, found ${describeValue(m)}`,
      });
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      const vp = [...np, k];
      if (k === 'aliases') {
        if (!Array.isArray(v)) {
          problems.push({
            path: vp,
            target: 'value',
            message: `expected a list of names, found ${describeValue(v)}`,
          });
          continue;
        }
        v.forEach((a: unknown, i) => {
          if (typeof a === 'string' && ALIAS.test(a) && isLinkHostName(a)) aliases.push(a);
          else
            problems.push({
              path: [...vp, i],
              target: 'value',
              message: `expected a host name of 1 to 63 letters, digits, "_" and "-" (not starting with a digit or "-", not ending with "-"), found ${describeValue(a)}`,
            });
        });
      } else if (k === 'priority' || k === 'gw_priority') {
        continue; // order of interfaces: a container here has one
      } else {
        const why = SERVICE_NETWORK_REFUSED[k];
        problems.push({
          path: vp,
          target: 'key',
          message: why
            ? `unsupported service network key ${keyText(k)}: ${why}`
            : `unsupported service network key ${keyText(k)}; supported keys are: aliases`,
        });
      }
    }
  }
  return out;
}

/** The TCP ports of `expose:` that parse (the others are reported by checkExpose). */
export function exposedPorts(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((p: unknown) => {
    const s = typeof p === 'number' ? String(p) : typeof p === 'string' ? p.replace(/\/tcp$/, '') : '';
    const n = /^\d{1,5}$/.test(s) ? Number(s) : NaN;
    return n >= 1 && n <= 65535 ? [n] : [];
  });
}

/** A converted service as network links need it. */
export interface NetworkedService {
  readonly name: string;
  readonly entry: Record<string, unknown>;
  readonly networks: ServiceNetworks;
  /** `expose:` ports */
  readonly expose: readonly number[];
  /** services it links to (pushed here: depends_on then adds no implicit link of its own) */
  readonly linkTargets: string[];
}

const ALIAS = new RegExp(LINK_ALIAS_PATTERN);

/** FNV-1a, 32 bits: a stable hash (no dependency on the runtime's). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The cluster port of (service, port): its hash slot in the range, or the next free one.
 * `used` holds every external port of the file and the ports allocated so far.
 */
export function allocateClusterPort(service: string, port: number, used: Set<number>): number | undefined {
  const { first, size } = CLUSTER_PORT_RANGE;
  const start = fnv1a(`${service}/${port}`) % size;
  for (let k = 0; k < size; k++) {
    const p = first + ((start + k) % size);
    if (!used.has(p)) {
      used.add(p);
      return p;
    }
  }
  return undefined;
}

const portsOf = (entry: Record<string, unknown>): PortMapping[] =>
  Array.isArray(entry['ports']) ? (entry['ports'] as PortMapping[]) : [];
const routed = (p: PortMapping): boolean => p.host_ip === undefined || p.host_ip === '0.0.0.0';
/** links are TCP: a UDP port (`53:53/udp`) gives no name */
const tcpPortsOf = (entry: Record<string, unknown>): PortMapping[] =>
  portsOf(entry).filter((p) => p.protocol !== 'udp');

/**
 * Adds the links of every network and the cluster-only ports they need. Services are visited
 * in name order and so are their peers: same file, same links and ports. Runs after the
 * explicit links are resolved. Returns problems (only when the port range is full).
 */
export function addNetworkLinks(services: readonly NetworkedService[], problems: PathProblem[]): void {
  linkNetworks(allocateNetworkPorts(services, problems));
}

/** What step 2 (the links) needs from step 1 (the ports). */
export interface NetworkPorts {
  readonly sorted: readonly NetworkedService[];
  readonly members: ReadonlyMap<string, readonly NetworkedService[]>;
  /** reachable target -> its listening port -> the port every node routes to it */
  readonly target: ReadonlyMap<NetworkedService, ReadonlyMap<number, number>>;
}

/**
 * Step 1: the cluster-only ports of every service another one reaches over a network. Runs
 * before the explicit `links:` are resolved, so `links: [db]` to a service with only
 * `expose: [5432]` finds its one port.
 */
export function allocateNetworkPorts(
  services: readonly NetworkedService[],
  problems: PathProblem[],
): NetworkPorts {
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // network -> its members in name order (linear: a file may have thousands of services)
  const members = new Map<string, NetworkedService[]>();
  for (const s of sorted)
    for (const n of s.networks.keys()) {
      const m = members.get(n);
      if (m) m.push(s);
      else members.set(n, [s]);
    }
  const hasPeer = (s: NetworkedService): boolean =>
    [...s.networks.keys()].some((n) => (members.get(n)?.length ?? 0) > 1);
  // 1. every port a reachable target listens on -> the port its links go to
  const used = new Set<number>(sorted.flatMap((s) => portsOf(s.entry).map((p) => p.external)));
  const target = new Map<NetworkedService, Map<number, number>>();
  for (const t of sorted) {
    if (!hasPeer(t)) continue;
    const ports = new Map<number, number>();
    for (const p of tcpPortsOf(t.entry))
      if (routed(p) && !p.cluster_only && !ports.has(p.internal)) ports.set(p.internal, p.external);
    const listening = [...new Set([...tcpPortsOf(t.entry).map((p) => p.internal), ...t.expose])].sort(
      (a, b) => a - b,
    );
    const added: PortMapping[] = [];
    for (const port of listening) {
      if (ports.has(port)) continue;
      const cp = allocateClusterPort(t.name, port, used);
      if (cp === undefined) {
        problems.push({
          path: ['services', t.name],
          target: 'key',
          message: `expected at most ${CLUSTER_PORT_RANGE.size} ports reached over networks and not published, found more (cluster ports ${CLUSTER_PORT_RANGE.first}-${CLUSTER_PORT_RANGE.first + CLUSTER_PORT_RANGE.size - 1} are all taken)`,
        });
        break;
      }
      ports.set(port, cp);
      added.push({ internal: port, external: cp, cluster_only: true });
    }
    if (added.length) t.entry['ports'] = [...portsOf(t.entry), ...added];
    if (ports.size) target.set(t, ports);
  }
  return { sorted, members, target };
}

/** Step 2: the links of every network (after the explicit links: theirs are kept). */
export function linkNetworks({ sorted, members, target }: NetworkPorts): void {
  // network -> its members that listen on some port (the only ones a link can reach)
  const reachable = new Map<string, NetworkedService[]>();
  for (const [n, m] of members)
    reachable.set(
      n,
      m.filter((t) => target.has(t)),
    );
  // 2. links: one per (name, port) of every peer; names: the service's, then its aliases on the
  //    networks shared (sorted), so a name is the same target on every deploy
  const key = (alias: string, port: number): string =>
    `${alias.toUpperCase().replace(/[^A-Z0-9]/g, '_')} ${port}`;
  for (const s of sorted) {
    const peers = new Map<NetworkedService, string[]>();
    for (const n of [...s.networks.keys()].sort())
      for (const t of reachable.get(n) ?? []) {
        if (t === s) continue;
        const names = peers.get(t) ?? [t.name];
        names.push(...(t.networks.get(n) ?? []));
        peers.set(t, names);
      }
    if (!peers.size) continue;
    const links = Array.isArray(s.entry['links']) ? (s.entry['links'] as Link[]) : [];
    const taken = new Set(links.map((l) => key(l.alias, l.local_port)));
    const added: Link[] = [];
    for (const t of [...peers.keys()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const ports = target.get(t) as ReadonlyMap<number, number>;
      if (!s.linkTargets.includes(t.name)) s.linkTargets.push(t.name);
      for (const alias of new Set(peers.get(t))) {
        if (!ALIAS.test(alias) || !isLinkHostName(alias)) continue; // a name no resolver takes
        for (const [local, remote] of ports) {
          if (taken.has(key(alias, local))) continue;
          taken.add(key(alias, local));
          added.push({ local_port: local, remote_port: remote, alias });
        }
      }
    }
    if (added.length) s.entry['links'] = [...links, ...added];
  }
}
