// iptables rules for flocker routes (pure): renderer, iptables-save parser, differ.
//
// Every node answers on every application's external port. On a node that does not run the app,
// a route {port, target_address, target_port} becomes (all in our own chains, each rule tagged
// with a comment that names the route, so rules are found by table + chain + comment):
//   nat    FLOCKER-PREROUTING  -p tcp --dport PORT -m addrtype --dst-type LOCAL -j DNAT --to-destination T:TP
//   nat    FLOCKER-OUTPUT      (same with ! -d 127.0.0.0/8, for connections made on the node itself)
//   nat    FLOCKER-POSTROUTING -p tcp -d T --dport TP -m conntrack --ctstate DNAT -j MASQUERADE
//   filter FLOCKER-FORWARD     -p tcp -d T --dport TP -m conntrack --ctstate DNAT -j ACCEPT
//   filter FLOCKER-FORWARD     -p tcp -s T --sport TP -m conntrack --ctstate DNAT -j ACCEPT (replies)
// A UDP route (issue 13) has the same rules with -p udp -m udp, tagged flocker:route:udp:...;
// a TCP route's tag has no protocol (the tags of routes installed before UDP existed).
// and one jump per chain from the built-in chain (inserted first): nat PREROUTING, OUTPUT,
// POSTROUTING; filter FORWARD (docker sets its policy to DROP).
// --ctstate DNAT limits masquerading and forwarding to connections we translated.
// Connections to 127.0.0.1:PORT from the node itself are not routed (that would need
// route_localnet=1); links use the node's address, which works.
//
// Cluster-only ports (issue 13 item 4, networks; RouteGuard) are guarded on every node, before
// any NAT (docker's own for the app's node, ours for the others), in the mangle table:
//   mangle FLOCKER-GUARD   -p tcp --dport PORT -m addrtype --dst-type LOCAL -m conntrack --ctstate NEW -j FLOCKER-CLUSTER
//   mangle FLOCKER-CLUSTER -s NODE/32 -j RETURN      (each cluster node: routed from another node)
//   mangle FLOCKER-CLUSTER -i docker0 -j RETURN      (a container of this node: its links)
//   mangle FLOCKER-CLUSTER -j DROP                   (last: anyone else)
// with a jump from mangle PREROUTING. Connections made on the node itself do not pass
// PREROUTING (allowed: the node is in the cluster). Only NEW connections are checked: replies to
// the node's own outgoing connections from such a port pass.
import type { ReportedRoute, RouteGuard } from '../model/state.js';
import { byRoutePort, routePortKey } from '../model/routes.js';
export { byRoutePort, routePortKey } from '../model/routes.js';

export type Table = 'nat' | 'filter' | 'mangle';

export const CHAINS: readonly { table: Table; chain: string; from: string }[] = [
  { table: 'nat', chain: 'FLOCKER-PREROUTING', from: 'PREROUTING' },
  { table: 'nat', chain: 'FLOCKER-OUTPUT', from: 'OUTPUT' },
  { table: 'nat', chain: 'FLOCKER-POSTROUTING', from: 'POSTROUTING' },
  { table: 'filter', chain: 'FLOCKER-FORWARD', from: 'FORWARD' },
];

export const GUARD_CHAINS: readonly { table: Table; chain: string; from?: string }[] = [
  { table: 'mangle', chain: 'FLOCKER-GUARD', from: 'PREROUTING' },
  { table: 'mangle', chain: 'FLOCKER-CLUSTER' },
];
/** the bridge docker's default network uses: the node's own containers (their links) */
export const LOCAL_CONTAINERS_INTERFACE = 'docker0';

export const JUMP_COMMENT = 'flocker:jump';
/** groups: [1] udp or none, [2] port, [3] target address, [4] target port, [5] :reply */
const ROUTE_COMMENT = /^flocker:route:(?:(udp):)?(\d+):(\d{1,3}(?:\.\d{1,3}){3}):(\d+)(:reply)?$/;
const GUARD_COMMENT = /^flocker:guard:(\d+)$/;
const CLUSTER_COMMENT = /^flocker:cluster:(\d{1,3}(?:\.\d{1,3}){3}|local|drop)$/;

/** One rule: table, chain and the rule spec after the chain name (iptables argv form). */
export interface Rule {
  readonly table: Table;
  readonly chain: string;
  readonly spec: readonly string[];
  /** our tag; (table, chain, comment) identifies a rule */
  readonly comment: string;
}

export const ruleKey = (r: { table: string; chain: string; comment: string }): string =>
  `${r.table} ${r.chain} ${r.comment}`;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;

export function routeProblems(routes: readonly ReportedRoute[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of routes) {
    if (!isPort(r.port)) problems.push(`route port ${r.port} is not a port`);
    if (!isPort(r.target_port)) problems.push(`route target port ${r.target_port} is not a port`);
    if (!IPV4.test(r.target_address))
      problems.push(`route target ${JSON.stringify(r.target_address)} is not an IPv4 address`);
    if (r.protocol !== undefined && r.protocol !== 'udp')
      problems.push(`route protocol ${JSON.stringify(r.protocol)} is not udp (or absent: tcp)`);
    const k = routePortKey(r);
    if (seen.has(k)) problems.push(`two routes for port ${r.port}${r.protocol === 'udp' ? '/udp' : ''}`);
    seen.add(k);
  }
  return problems;
}

export function routeComment(r: ReportedRoute): string {
  return `flocker:route:${r.protocol === 'udp' ? 'udp:' : ''}${r.port}:${r.target_address}:${r.target_port}`;
}

const tagged = (comment: string, rest: readonly string[]): string[] => [
  ...rest.slice(0, -2),
  '-m',
  'comment',
  '--comment',
  comment,
  ...rest.slice(-2),
];

/** The rules of one route. */
export function routeRules(r: ReportedRoute): Rule[] {
  const c = routeComment(r);
  const dest = `${r.target_address}:${r.target_port}`;
  const p = r.protocol === 'udp' ? 'udp' : 'tcp';
  const dnat = ['-p', p, '-m', p, '--dport', String(r.port), '-m', 'addrtype', '--dst-type', 'LOCAL'];
  const toTarget = ['-p', p, '-d', `${r.target_address}/32`, '-m', p, '--dport', String(r.target_port)];
  const fromTarget = ['-p', p, '-s', `${r.target_address}/32`, '-m', p, '--sport', String(r.target_port)];
  const ct = ['-m', 'conntrack', '--ctstate', 'DNAT'];
  return [
    {
      table: 'nat',
      chain: 'FLOCKER-PREROUTING',
      comment: c,
      spec: tagged(c, [...dnat, '-j', 'DNAT']).concat('--to-destination', dest),
    },
    {
      table: 'nat',
      chain: 'FLOCKER-OUTPUT',
      comment: c,
      spec: tagged(c, ['!', '-d', '127.0.0.0/8', ...dnat, '-j', 'DNAT']).concat('--to-destination', dest),
    },
    {
      table: 'nat',
      chain: 'FLOCKER-POSTROUTING',
      comment: c,
      spec: tagged(c, [...toTarget, ...ct, '-j', 'MASQUERADE']),
    },
    {
      table: 'filter',
      chain: 'FLOCKER-FORWARD',
      comment: c,
      spec: tagged(c, [...toTarget, ...ct, '-j', 'ACCEPT']),
    },
    {
      table: 'filter',
      chain: 'FLOCKER-FORWARD',
      comment: `${c}:reply`,
      spec: tagged(`${c}:reply`, [...fromTarget, ...ct, '-j', 'ACCEPT']),
    },
  ];
}

export function jumpRules(): Rule[] {
  return CHAINS.map(({ table, chain, from }) => ({
    table,
    chain: from,
    comment: JUMP_COMMENT,
    spec: ['-m', 'comment', '--comment', JUMP_COMMENT, '-j', chain],
  }));
}

/** The rules of a guard (none without ports): the jump, one per port, the source checks. */
export function guardRules(guard: RouteGuard | undefined): Rule[] {
  if (!guard?.ports.length) return [];
  const rule = (chain: string, comment: string, spec: string[]): Rule => ({
    table: 'mangle',
    chain,
    comment,
    spec: tagged(comment, spec),
  });
  return [
    rule('PREROUTING', JUMP_COMMENT, ['-j', 'FLOCKER-GUARD']),
    ...guard.ports.map((p) =>
      rule('FLOCKER-GUARD', `flocker:guard:${p}`, [
        ...['-p', 'tcp', '-m', 'tcp', '--dport', String(p), '-m', 'addrtype', '--dst-type', 'LOCAL'],
        ...['-m', 'conntrack', '--ctstate', 'NEW', '-j', 'FLOCKER-CLUSTER'],
      ]),
    ),
    ...guard.sources.map((s) =>
      rule('FLOCKER-CLUSTER', `flocker:cluster:${s}`, ['-s', `${s}/32`, '-j', 'RETURN']),
    ),
    rule('FLOCKER-CLUSTER', 'flocker:cluster:local', ['-i', LOCAL_CONTAINERS_INTERFACE, '-j', 'RETURN']),
    rule('FLOCKER-CLUSTER', 'flocker:cluster:drop', ['-j', 'DROP']),
  ];
}

/** Every rule the routes need, jumps included; the guard's first (before any route exists). */
export function desiredRules(routes: readonly ReportedRoute[], guard?: RouteGuard): Rule[] {
  return [...guardRules(guard), ...jumpRules(), ...routes.flatMap(routeRules)];
}

// ---- iptables-save parsing ----

/** Split one iptables-save line into words (double quotes with \" and \\ escapes). */
export function splitSaveLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        cur += line[++i];
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

export interface SavedRule {
  readonly table: string;
  readonly chain: string;
  /** words after "-A CHAIN", as iptables-save printed them (valid for iptables -D) */
  readonly spec: readonly string[];
  readonly comment?: string;
}

export interface SavedRuleset {
  /** table -> chain names (built-in and user) */
  readonly chains: ReadonlyMap<string, ReadonlySet<string>>;
  readonly rules: readonly SavedRule[];
}

export function parseIptablesSave(text: string): SavedRuleset {
  const chains = new Map<string, Set<string>>();
  const rules: SavedRule[] = [];
  let table: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      if (!chains.has(table)) chains.set(table, new Set());
    } else if (line === 'COMMIT') table = undefined;
    else if (table !== undefined && line.startsWith(':')) {
      chains.get(table)?.add(line.slice(1).split(' ')[0] as string);
    } else if (table !== undefined && line.startsWith('-A ')) {
      const words = splitSaveLine(line);
      const chain = words[1] as string;
      const spec = words.slice(2);
      const ci = spec.indexOf('--comment');
      const comment = ci >= 0 ? spec[ci + 1] : undefined;
      rules.push({ table, chain, spec, ...(comment !== undefined ? { comment } : {}) });
    }
  }
  return { chains, rules };
}

const isOurs = (r: SavedRule): r is SavedRule & { comment: string } =>
  r.comment !== undefined &&
  (r.comment === JUMP_COMMENT ||
    ROUTE_COMMENT.test(r.comment) ||
    (r.table === 'mangle' && r.chain === 'FLOCKER-GUARD' && GUARD_COMMENT.test(r.comment)) ||
    (r.table === 'mangle' && r.chain === 'FLOCKER-CLUSTER' && CLUSTER_COMMENT.test(r.comment)));

/** The guard installed: ports and sources read from the tags (undefined: no guarded port). */
export function installedGuard(saved: SavedRuleset): RouteGuard | undefined {
  const ports = new Set<number>();
  const sources = new Set<string>();
  for (const r of saved.rules) {
    if (r.table !== 'mangle' || r.comment === undefined) continue;
    const g = r.chain === 'FLOCKER-GUARD' ? GUARD_COMMENT.exec(r.comment) : null;
    if (g) ports.add(Number(g[1]));
    const c = r.chain === 'FLOCKER-CLUSTER' ? CLUSTER_COMMENT.exec(r.comment) : null;
    if (c && c[1] !== 'local' && c[1] !== 'drop') sources.add(c[1] as string);
  }
  if (!ports.size) return undefined;
  return { ports: [...ports].sort((a, b) => a - b), sources: [...sources].sort() };
}

/** Routes installed: read from the tags of the DNAT rules in FLOCKER-PREROUTING, sorted by port. */
export function installedRoutes(saved: SavedRuleset): ReportedRoute[] {
  const out = new Map<string, ReportedRoute>();
  for (const r of saved.rules) {
    if (r.table !== 'nat' || r.chain !== 'FLOCKER-PREROUTING' || r.comment === undefined) continue;
    const m = ROUTE_COMMENT.exec(r.comment);
    if (!m || m[5]) continue;
    const route: ReportedRoute = {
      port: Number(m[2]),
      target_address: m[3] as string,
      target_port: Number(m[4]),
      ...(m[1] === 'udp' ? { protocol: 'udp' as const } : {}),
    };
    out.set(routePortKey(route), route);
  }
  return [...out.values()].sort(byRoutePort);
}

const sameRoute = (a: ReportedRoute, b: ReportedRoute): boolean =>
  a.port === b.port &&
  a.target_address === b.target_address &&
  a.target_port === b.target_port &&
  a.protocol === b.protocol;

export interface RoutePlan {
  /** iptables argv (without the executable), in order: chains, deletions, additions */
  readonly commands: readonly (readonly string[])[];
  readonly added: ReportedRoute[];
  readonly removed: ReportedRoute[];
}

/**
 * What to run so that exactly `routes` are installed: create missing chains, delete our rules
 * that are not wanted (and duplicates), add the wanted ones that are missing. Rules without our
 * tags are never touched.
 */
export function planRoutes(
  saved: SavedRuleset,
  routes: readonly ReportedRoute[],
  guard?: RouteGuard,
): RoutePlan {
  const commands: string[][] = [];
  for (const { table, chain } of [...(guard?.ports.length ? GUARD_CHAINS : []), ...CHAINS])
    if (!saved.chains.get(table)?.has(chain)) commands.push(['-t', table, '-N', chain]);
  const want = new Map(desiredRules(routes, guard).map((r) => [ruleKey(r), r]));
  const have = new Set<string>();
  for (const r of saved.rules) {
    if (!isOurs(r)) continue;
    const k = ruleKey(r);
    if (want.has(k) && !have.has(k)) have.add(k);
    else commands.push(['-t', r.table, '-D', r.chain, ...r.spec]);
  }
  for (const [k, r] of want) {
    if (have.has(k)) continue;
    // jumps and the guard's RETURNs go first (the DROP stays last)
    const first =
      r.comment === JUMP_COMMENT || (r.chain === 'FLOCKER-CLUSTER' && r.comment !== 'flocker:cluster:drop');
    commands.push(
      first ? ['-t', r.table, '-I', r.chain, '1', ...r.spec] : ['-t', r.table, '-A', r.chain, ...r.spec],
    );
  }
  const before = installedRoutes(saved);
  return {
    commands,
    added: [...routes].filter((r) => !before.some((b) => sameRoute(b, r))).sort(byRoutePort),
    removed: before.filter((b) => !routes.some((r) => sameRoute(b, r))),
  };
}
