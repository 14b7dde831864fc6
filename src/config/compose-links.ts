// Compose `links:` -> Flocker links. A compose link names a service; Flocker needs ports, so a
// link resolves to the target's one port mapping. Runs after every service is converted.
// A `depends_on` target with exactly one port is an implicit link too (alias = service name), so
// `db:3306` reaches it by name as compose users expect (see src/plan/link-hosts.ts).
import { LINK_ALIAS_PATTERN } from '../model/application-schema.js';
import { quoteText } from '../validation/echo.js';
import type { Link, PortMapping } from '../model/application.js';
import type { PathProblem } from './schema.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';

/** A converted service as far as links need it. */
export interface LinkingService {
  readonly name: string;
  readonly entry: Record<string, unknown>;
  /** index in the Flocker links list -> index in the compose links list */
  readonly linkOrigin: number[];
  /** services named by its explicit `links:` entries */
  readonly linkTargets: string[];
}

/** One service's `links:` value, kept until every service's ports are known. */
export interface PendingLinks {
  readonly svc: LinkingService;
  readonly links: unknown;
  /** file path of the `links` key */
  readonly path: KeyPath;
}

export function resolveLinks(
  pending: readonly PendingLinks[],
  byName: ReadonlyMap<string, LinkingService>,
  problems: PathProblem[],
): void {
  for (const { svc, links, path } of pending) {
    if (!Array.isArray(links)) {
      problems.push({
        path,
        target: 'value',
        message: `expected a list of "service" or "service:alias" strings, found ${describeValue(links)}`,
      });
      continue;
    }
    const out: Link[] = [];
    links.forEach((l: unknown, i) => {
      const r = resolveLink(l, [...path, i], byName, problems);
      if (r === undefined) return;
      svc.linkOrigin.push(i);
      svc.linkTargets.push(r.target);
      out.push(r.link);
    });
    svc.entry['links'] = out;
  }
}

function resolveLink(
  l: unknown,
  ip: KeyPath,
  byName: ReadonlyMap<string, LinkingService>,
  problems: PathProblem[],
): { link: Link; target: string } | undefined {
  if (typeof l !== 'string' || l.split(':').length > 2 || l.startsWith(':') || l.endsWith(':')) {
    problems.push({
      path: ip,
      target: 'value',
      message: `expected "service" or "service:alias", found ${describeValue(l)}`,
    });
    return undefined;
  }
  const [target, alias] = l.split(':') as [string, string | undefined];
  const other = byName.get(target);
  if (!other) {
    problems.push({
      path: ip,
      target: 'value',
      message: `expected the name of another service in this file, found ${quoteText(target as string)}`,
    });
    return undefined;
  }
  const ports = other.entry['ports'];
  const n = Array.isArray(ports) ? ports.length : 0;
  const p = Array.isArray(ports) ? (ports[0] as PortMapping | undefined) : undefined;
  if (n !== 1 || !p) {
    problems.push({
      path: ip,
      target: 'value',
      message: `expected a link to a service with exactly one port, found ${quoteText(target as string)} with ${n} ports (write the link in a Flocker-format file instead)`,
    });
    return undefined;
  }
  return {
    link: { local_port: p.internal, remote_port: p.external, alias: alias ?? defaultAlias(target) },
    target,
  };
}

const defaultAlias = (service: string): string => service.replace(/[-.]/g, '_');
const ALIAS = new RegExp(LINK_ALIAS_PATTERN);

/**
 * Implicit links: each `depends_on` target with exactly one port, unless an explicit `links:`
 * entry names it, becomes a link {alias: the service name ("-" as "_"), local: its internal
 * port, remote: its external port}. Never a problem of its own: a target whose name is no alias
 * (one starting with a digit), or whose alias or internal port another link of the service has already,
 * is left out (write an explicit link for it), as is one published on a single host address
 * (not routed). Runs after resolveLinks.
 */
export function addImplicitLinks(
  svc: LinkingService,
  dependsOn: readonly string[],
  byName: ReadonlyMap<string, LinkingService>,
): void {
  const links = Array.isArray(svc.entry['links']) ? (svc.entry['links'] as Link[]) : [];
  const added: Link[] = [];
  for (const target of dependsOn) {
    if (svc.linkTargets.includes(target)) continue;
    const ports = byName.get(target)?.entry['ports'];
    const p = Array.isArray(ports) && ports.length === 1 ? (ports[0] as PortMapping | undefined) : undefined;
    if (!p || typeof p.internal !== 'number' || typeof p.external !== 'number') continue;
    if (p.host_ip !== undefined && p.host_ip !== '0.0.0.0') continue; // not routed to other nodes
    const alias = defaultAlias(target);
    const all = [...links, ...added];
    if (!ALIAS.test(alias)) continue;
    if (all.some((l) => l.alias.toUpperCase() === alias.toUpperCase() || l.local_port === p.internal))
      continue;
    added.push({ local_port: p.internal, remote_port: p.external, alias });
  }
  if (added.length) svc.entry['links'] = [...links, ...added];
}
