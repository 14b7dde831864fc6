// Canonical form of applications so that equality is structural and total.
import type {
  Application,
  ApplicationConfigEntry,
  ConfigVolume,
  HealthCheck,
  Link,
  PortMapping,
  ProjectFileMount,
  SecretMount,
  VolumeSpec,
  Ulimit,
  BuildSpec,
} from './application.js';
import { dict } from '../util/own.js';

export function canonicalImage(image: string): string {
  // "repo" and "repo:latest" are the same image; a digest or a tag is kept as written.
  const lastSlash = image.lastIndexOf('/');
  const tail = image.slice(lastSlash + 1);
  return tail.includes(':') || tail.includes('@') ? image : `${image}:latest`;
}

const byPort = (a: PortMapping, b: PortMapping): number =>
  a.external - b.external ||
  a.internal - b.internal ||
  (a.protocol ?? 'tcp').localeCompare(b.protocol ?? 'tcp');
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

/** One volume: the dataset at its mountpoint; several: sorted by name (issue 13 item 2). */
function canonicalVolume(v: ConfigVolume): VolumeSpec {
  const quota = v.maximum_size !== undefined ? { maximum_size: sizeBytes(v.maximum_size) } : {};
  if (v.mounts === undefined) return { mountpoint: v.mountpoint, ...quota };
  return {
    mounts: v.mounts
      .map((m) => ({ name: m.name, mountpoint: m.mountpoint }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    ...quota,
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
        // tcp is the default: a TCP port has no protocol, so existing apps keep their form
        ...(p.protocol === 'udp' ? { protocol: 'udp' as const } : {}),
        ...(p.cluster_only === true ? { cluster_only: true as const } : {}),
      }))
      .sort(byPort),
    ...(e.volume ? { volume: canonicalVolume(e.volume) } : {}),
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
    // --- issue 13, project files and secrets (branch wt-files) ---
    ...(e.files !== undefined && Object.keys(e.files).length > 0 ? { files: canonicalFiles(e.files) } : {}),
    ...(e.secrets !== undefined && Object.keys(e.secrets).length > 0
      ? { secrets: canonicalSecrets(e.secrets) }
      : {}),
    ...canonicalRuntimeKeys(e),
    // issue 13 item 1
    ...(e.build !== undefined ? { build: canonicalBuild(e.build) } : {}),
    ...(e.image_id !== undefined ? { image_id: e.image_id } : {}),
  };
  return app;
}

// --- issue 13, project files and secrets (branch wt-files) ---
function canonicalFiles(f: Readonly<Record<string, ProjectFileMount>>): Record<string, ProjectFileMount> {
  const out = dict<ProjectFileMount>();
  for (const k of Object.keys(f).sort()) {
    const m = f[k] as ProjectFileMount;
    out[k] = { source: m.source, hash: m.hash, read_only: m.read_only };
  }
  return out;
}

function canonicalSecrets(f: Readonly<Record<string, SecretMount>>): Record<string, SecretMount> {
  const out = dict<SecretMount>();
  for (const k of Object.keys(f).sort()) {
    const m = f[k] as SecretMount;
    out[k] = {
      source: m.source,
      hash: m.hash,
      mode: m.mode,
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.gid !== undefined ? { gid: m.gid } : {}),
    };
  }
  return out;
}

/** The application-config shape of a canonical app (what reportstate emits; lossless). */
export function toConfigEntry(app: Application): ApplicationConfigEntry {
  const e: ApplicationConfigEntry = { image: app.image };
  if (app.ports.length) e.ports = app.ports.map((p) => ({ ...p }));
  if (app.volume) e.volume = canonicalVolume(app.volume);
  if (app.links.length) e.links = app.links.map((l) => ({ ...l }));
  if (Object.keys(app.environment).length) e.environment = { ...app.environment };
  if (app.mem_limit !== undefined) e.mem_limit = app.mem_limit;
  if (app.cpu_shares !== undefined) e.cpu_shares = app.cpu_shares;
  e.restart_policy = { ...app.restart_policy };
  if (app.command !== undefined) e.command = [...app.command];
  if (app.entrypoint !== undefined) e.entrypoint = [...app.entrypoint];
  if (app.healthcheck !== undefined) e.healthcheck = canonicalHealthCheck(app.healthcheck);
  if (app.depends_on !== undefined) e.depends_on = [...app.depends_on];
  if (app.files !== undefined) e.files = canonicalFiles(app.files);
  if (app.secrets !== undefined) e.secrets = canonicalSecrets(app.secrets);
  Object.assign(e, canonicalRuntimeKeys(app));
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
    // a quota change is a dataset property change (set without a restart)
    if (e.volume) delete e.volume.maximum_size;
    delete e.build; // the built image's ID (image_id) is what restarts

    return JSON.stringify(toApplication(x.name, e));
  };
  return norm(a) === norm(b);
}

// ---- issue 13 ----

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** Flocker's maximum_size ("1G", "500M", "1.5G", bytes; schema-checked) -> bytes. */
export function sizeBytes(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^([0-9.]+)([KMGTkmgt]?)[Bb]?$/.exec(v);
  return Math.ceil(Number(m?.[1] ?? NaN) * (SIZE_UNITS[(m?.[2] ?? '').toLowerCase()] ?? NaN));
}

type RuntimeKeys = Pick<
  ApplicationConfigEntry,
  | 'hostname'
  | 'user'
  | 'cap_add'
  | 'cap_drop'
  | 'labels'
  | 'working_dir'
  | 'stop_signal'
  | 'stop_grace_period_seconds'
  | 'tmpfs'
  | 'ulimits'
  | 'sysctls'
  | 'tty'
>;

const sortedUnique = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

/** The runtime keys in canonical form (lists sorted and unique, tty only when true). */
function canonicalRuntimeKeys(e: Readonly<RuntimeKeys> | Application): RuntimeKeys {
  const out: RuntimeKeys = {};
  if (e.hostname !== undefined) out.hostname = e.hostname;
  if (e.user !== undefined) out.user = e.user;
  if (e.cap_add !== undefined && e.cap_add.length) out.cap_add = sortedUnique(e.cap_add);
  if (e.cap_drop !== undefined && e.cap_drop.length) out.cap_drop = sortedUnique(e.cap_drop);
  if (e.labels !== undefined && Object.keys(e.labels).length) out.labels = sortedRecord(e.labels);
  if (e.working_dir !== undefined) out.working_dir = e.working_dir;
  if (e.stop_signal !== undefined) out.stop_signal = e.stop_signal;
  if (e.stop_grace_period_seconds !== undefined) out.stop_grace_period_seconds = e.stop_grace_period_seconds;
  if (e.tmpfs !== undefined && e.tmpfs.length) out.tmpfs = sortedUnique(e.tmpfs);
  if (e.ulimits !== undefined && Object.keys(e.ulimits).length) {
    const u = dict<Ulimit>();
    for (const k of Object.keys(e.ulimits).sort()) {
      const l = e.ulimits[k] as Ulimit;
      u[k] = { soft: l.soft, hard: l.hard };
    }
    out.ulimits = u;
  }
  if (e.sysctls !== undefined && Object.keys(e.sysctls).length) out.sysctls = sortedRecord(e.sysctls);
  if (e.tty === true) out.tty = true;
  return out;
}
