// Pure: IPv4 CIDR parsing, address allocation and overlap checks.

export interface Cidr {
  /** network address as an unsigned 32-bit number */
  readonly network: number;
  readonly prefix: number;
}

export const DEFAULT_SUBNET = '198.51.100.0/24';
/** the machine's own network: never put a lab there */
export const FORBIDDEN_SUBNETS: readonly string[] = ['192.0.2.0/24'];

export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0;
}

/** Parse "a.b.c.d/p"; a bare address is /32. Returns an error message on bad input. */
export function parseCidr(s: string): Cidr | string {
  const [addr, pfx, ...rest] = s.split('/');
  if (addr === undefined || rest.length > 0) return `not a CIDR: ${s}`;
  const ip = parseIpv4(addr);
  if (ip === undefined) return `not an IPv4 address: ${addr}`;
  const prefix = pfx === undefined ? 32 : /^[0-9]{1,2}$/.test(pfx) ? Number(pfx) : NaN;
  if (!(prefix >= 0 && prefix <= 32)) return `bad prefix length in ${s}`;
  const network = (ip & maskOf(prefix)) >>> 0;
  if (network !== ip) return `${s} is not a network address (did you mean ${formatIpv4(network)}/${prefix}?)`;
  return { network, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.network + cidrSize(a) - 1;
  const bEnd = b.network + cidrSize(b) - 1;
  return a.network <= bEnd && b.network <= aEnd;
}

export interface LabAddresses {
  readonly bridge: string;
  readonly nodes: readonly string[];
  readonly prefix: number;
}

/** bridge = .1, nodes = .2, .3, ... within the subnet (no network/broadcast addresses). */
export function allocateAddresses(subnet: Cidr, count: number): LabAddresses | string {
  const usable = cidrSize(subnet) - 2;
  if (subnet.prefix > 30 || usable < count + 1)
    return `subnet ${formatCidr(subnet)} has room for ${Math.max(usable - 1, 0)} nodes, ${count} asked`;
  const nodes: string[] = [];
  for (let i = 1; i <= count; i++) nodes.push(formatIpv4(subnet.network + 1 + i));
  return { bridge: formatIpv4(subnet.network + 1), nodes, prefix: subnet.prefix };
}

export interface RouteConflict {
  readonly dst: string;
  readonly dev: string;
}

/**
 * Routes of `ip -j route` (IPv4 main table) that overlap `subnet`, except the default route
 * and routes through `ownBridge`.
 */
export function routeConflicts(ipJson: string, subnet: Cidr, ownBridge: string): RouteConflict[] {
  let routes: unknown;
  try {
    routes = JSON.parse(ipJson === '' ? '[]' : ipJson);
  } catch {
    return [];
  }
  if (!Array.isArray(routes)) return [];
  const out: RouteConflict[] = [];
  for (const r of routes as { dst?: unknown; dev?: unknown }[]) {
    if (typeof r.dst !== 'string' || r.dst === 'default') continue;
    const dev = typeof r.dev === 'string' ? r.dev : '';
    if (dev === ownBridge) continue;
    const c = parseCidrLoose(r.dst);
    if (c !== undefined && overlaps(c, subnet)) out.push({ dst: r.dst, dev });
  }
  return out;
}

/** like parseCidr but masks host bits (route dsts are already networks; be lenient) */
function parseCidrLoose(s: string): Cidr | undefined {
  const [addr, pfx] = s.split('/');
  const ip = addr === undefined ? undefined : parseIpv4(addr);
  const prefix = pfx === undefined ? 32 : Number(pfx);
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) return undefined;
  return { network: (ip & maskOf(prefix)) >>> 0, prefix };
}
