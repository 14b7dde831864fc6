// Canonical form of applications so that equality is structural and total.
import type { Application, ApplicationConfigEntry, Link, PortMapping } from './application.js';

export function canonicalImage(image: string): string {
  // "repo" and "repo:latest" are the same image; a digest or a tag is kept as written.
  const lastSlash = image.lastIndexOf('/');
  const tail = image.slice(lastSlash + 1);
  return tail.includes(':') || tail.includes('@') ? image : `${image}:latest`;
}

const byPort = (a: PortMapping, b: PortMapping): number => a.external - b.external || a.internal - b.internal;
const byLink = (a: Link, b: Link): number =>
  a.alias < b.alias
    ? -1
    : a.alias > b.alias
      ? 1
      : a.local_port - b.local_port || a.remote_port - b.remote_port;

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  // fromEntries defines own properties: a variable named __proto__ is kept like any other
  return Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k] as string]),
  );
}

/** Build the canonical Application from a config-file entry (already schema-valid). */
export function toApplication(name: string, e: ApplicationConfigEntry): Application {
  const app: Application = {
    name,
    image: canonicalImage(e.image),
    ports: [...(e.ports ?? [])].map((p) => ({ internal: p.internal, external: p.external })).sort(byPort),
    ...(e.volume ? { volume: { mountpoint: e.volume.mountpoint } } : {}),
    links: [...(e.links ?? [])]
      .map((l) => ({ local_port: l.local_port, remote_port: l.remote_port, alias: l.alias }))
      .sort(byLink),
    environment: sortedRecord(e.environment ?? {}),
    ...(e.mem_limit !== undefined ? { mem_limit: e.mem_limit } : {}),
    ...(e.cpu_shares !== undefined ? { cpu_shares: e.cpu_shares } : {}),
    restart_policy:
      e.restart_policy === undefined
        ? { name: 'never' }
        : e.restart_policy.maximum_retry_count !== undefined
          ? { name: e.restart_policy.name, maximum_retry_count: e.restart_policy.maximum_retry_count }
          : { name: e.restart_policy.name },
  };
  return app;
}

/** The application-config shape of a canonical app (what reportstate emits; lossless). */
export function toConfigEntry(app: Application): ApplicationConfigEntry {
  const e: ApplicationConfigEntry = { image: app.image };
  if (app.ports.length) e.ports = app.ports.map((p) => ({ ...p }));
  if (app.volume) e.volume = { ...app.volume };
  if (app.links.length) e.links = app.links.map((l) => ({ ...l }));
  if (Object.keys(app.environment).length) e.environment = { ...app.environment };
  if (app.mem_limit !== undefined) e.mem_limit = app.mem_limit;
  if (app.cpu_shares !== undefined) e.cpu_shares = app.cpu_shares;
  e.restart_policy = { ...app.restart_policy };
  return e;
}

/** Deep structural equality of two applications over every user-changeable field. */
export function sameApplication(a: Application, b: Application): boolean {
  // toApplication fixes key order and list order, so the JSON texts compare structurally.
  const norm = (x: Application): string => JSON.stringify(toApplication(x.name, toConfigEntry(x)));
  return norm(a) === norm(b);
}
