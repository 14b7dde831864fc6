// Compose `links:` -> Flocker links. A compose link names a service; Flocker needs ports, so a
// link resolves to the target's one port mapping. Runs after every service is converted.
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
      const link = resolveLink(l, [...path, i], byName, problems);
      if (link === undefined) return;
      svc.linkOrigin.push(i);
      out.push(link);
    });
    svc.entry['links'] = out;
  }
}

function resolveLink(
  l: unknown,
  ip: KeyPath,
  byName: ReadonlyMap<string, LinkingService>,
  problems: PathProblem[],
): Link | undefined {
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
  return { local_port: p.internal, remote_port: p.external, alias: alias ?? target.replace(/-/g, '_') };
}
