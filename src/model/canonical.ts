// Canonical form of applications so that equality is structural and total.
import type {
  Application,
  ApplicationConfigEntry,
  BuildSpec,
  HealthCheck,
  Link,
  PortMapping,
} from './application.js';
import { dict } from '../util/own.js';

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
  // environment names are the user's: a plain {} would turn `__proto__` into a prototype
  const out = dict<string>();
  for (const k of Object.keys(r).sort()) out[k] = r[k] as string;
  return out;
}

function canonicalHealthCheck(h: HealthCheck): HealthCheck {
  return {
    test: [...h.test],
    ...(h.interval_seconds !== undefined ? { interval_seconds: h.interval_seconds } : {}),
    ...(h.timeout_seconds !== undefined ? { timeout_seconds: h.timeout_seconds } : {}),
    ...(h.retries !== undefined ? { retries: h.retries } : {}),
    ...(h.start_period_seconds !== undefined ? { start_period_seconds: h.start_period_seconds } : {}),
  };
}

// issue 13 item 1
function canonicalBuild(b: BuildSpec): BuildSpec {
  return {
    context: b.context,
    ...(b.dockerfile !== undefined ? { dockerfile: b.dockerfile } : {}),
    ...(b.args !== undefined ? { args: sortedRecord(b.args) } : {}),
    ...(b.target !== undefined ? { target: b.target } : {}),
  };
}

/** Build the canonical Application from a config-file entry (already schema-valid). */
export function toApplication(name: string, e: ApplicationConfigEntry): Application {
  const app: Application = {
    name,
    image: canonicalImage(e.image),
    ports: [...(e.ports ?? [])]
      .map((p) => ({
        internal: p.internal,
        external: p.external,
        // 0.0.0.0 is every address, as if absent: one canonical form, no restart for it
        ...(p.host_ip !== undefined && p.host_ip !== '0.0.0.0' ? { host_ip: p.host_ip } : {}),
      }))
      .sort(byPort),
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
    ...(e.command !== undefined ? { command: [...e.command] } : {}),
    ...(e.entrypoint !== undefined ? { entrypoint: [...e.entrypoint] } : {}),
    ...(e.healthcheck !== undefined ? { healthcheck: canonicalHealthCheck(e.healthcheck) } : {}),
    ...(e.depends_on !== undefined && e.depends_on.length > 0
      ? { depends_on: [...new Set(e.depends_on)].sort() }
      : {}),
    // issue 13 item 1
    ...(e.build !== undefined ? { build: canonicalBuild(e.build) } : {}),
    ...(e.image_id !== undefined ? { image_id: e.image_id } : {}),
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
  if (app.command !== undefined) e.command = [...app.command];
  if (app.entrypoint !== undefined) e.entrypoint = [...app.entrypoint];
  if (app.healthcheck !== undefined) e.healthcheck = canonicalHealthCheck(app.healthcheck);
  if (app.depends_on !== undefined) e.depends_on = [...app.depends_on];
  if (app.build !== undefined) e.build = canonicalBuild(app.build);
  if (app.image_id !== undefined) e.image_id = app.image_id;
  return e;
}

/** Deep structural equality of two applications over every user-changeable field. */
export function sameApplication(a: Application, b: Application): boolean {
  // toApplication fixes key order and list order, so the JSON texts compare structurally.
  // depends_on only orders starts: it is not part of what a restart would change
  const norm = (x: Application): string => {
    const e = toConfigEntry(x);
    delete e.depends_on;
    delete e.build; // the built image's ID (image_id) is what restarts

    return JSON.stringify(toApplication(x.name, e));
  };
  return norm(a) === norm(b);
}
