// The application model: what a user can say about one application.
// Every field here is part of equality: changing any of them restarts the app.

export interface PortMapping {
  /** port the process listens on inside the container */
  readonly internal: number;
  /** port on which every node of the cluster answers for this app */
  readonly external: number;
  /**
   * host address the port is published on (compose `127.0.0.1:8081:8080`); absent = every
   * address. Only the node running the app answers on it: a loopback binding is not routed.
   */
  readonly host_ip?: string;
  /** issue 13: "udp" for a UDP port; absent = TCP (the canonical form of a TCP port has none) */
  readonly protocol?: 'udp';
  // ---- issue 13 item 4 (networks) ----
  /**
   * A cluster-internal port (compose `expose` or a port reached over a network but not
   * published): routed to the app from every node like any external port, but every node drops
   * new connections to it unless they come from a cluster node's address or a container of the
   * node itself (src/routing/iptables.ts guard rules). Absent = published to anyone.
   */
  readonly cluster_only?: true;
  // ---- end networks ----
}

export interface Link {
  /** port the app inside the container believes it talks to (names the env vars) */
  readonly local_port: number;
  /** external port of the linked application */
  readonly remote_port: number;
  /**
   * prefix of the Docker-style link variables (ALIAS_PORT_<local>_TCP...) and the host name
   * the container resolves; several links may share an alias (one per local port: one name,
   * several ports of the linked app)
   */
  readonly alias: string;
}

// --- issue 13 item 2: several volumes per application -------------------------------------
// An app keeps ONE dataset (one owner, one handoff, one snapshot stream: the ownership protocol
// is unchanged). With one volume the dataset itself is mounted at `mountpoint` (the Flocker 0.1
// form); with two or more, `mounts` lists them and each is the dataset's sub-folder NAME,
// mounted at its own path (src/docker/volume-layout.ts). Exactly one of the two keys is set.
export type VolumeSpec = SingleVolume | SeveralVolumes;

interface VolumeQuota {
  /**
   * issue 13: the dataset's ZFS quota in bytes (Flocker's `maximum_size`); absent = none. With
   * several volumes it bounds them together (one dataset). Not part of restart equality: a
   * change sets the quota without restarting the app.
   */
  readonly maximum_size?: number;
}

export interface SingleVolume extends VolumeQuota {
  /** absolute path inside the container where the app's dataset is mounted */
  readonly mountpoint: string;
  readonly mounts?: undefined;
}

export interface SeveralVolumes extends VolumeQuota {
  /** two or more, each a sub-folder of the dataset; canonical: sorted by name */
  readonly mounts: readonly NamedMount[];
  readonly mountpoint?: undefined;
}

export interface NamedMount {
  /** the sub-folder of the dataset (compose volume name, or derived from the path) */
  readonly name: string;
  /** absolute path inside the container */
  readonly mountpoint: string;
}
// --- end issue 13 item 2 ----------------------------------------------------------------------

/**
 * A docker health check. `test` is docker's form: ['CMD', argv...], ['CMD-SHELL', 'text'] or
 * ['NONE'] (the image's own check disabled). A started app with a check is up once healthy:
 * routes switch to it only then.
 */
export interface HealthCheck {
  readonly test: readonly string[];
  readonly interval_seconds?: number;
  readonly timeout_seconds?: number;
  readonly retries?: number;
  readonly start_period_seconds?: number;
}

export type RestartPolicyName = 'never' | 'always' | 'on-failure';

export interface RestartPolicy {
  readonly name: RestartPolicyName;
  /** only with on-failure; absent = unlimited */
  readonly maximum_retry_count?: number;
}

// --- issue 13 item 1 (images without a registry) ---
/**
 * compose `build:`: the image is built once on the deploying machine. Only the deploy side
 * reads it; not part of restart equality (the built image's ID is: image_id).
 */
export interface BuildSpec {
  /** absolute path of the build context on the deploying machine */
  readonly context: string;
  /** Dockerfile path relative to the context (absent: docker's Dockerfile) */
  readonly dockerfile?: string;
  readonly args?: Readonly<Record<string, string>>;
  readonly target?: string;
}
// --- end issue 13 item 1 ---

/** An application in canonical form: defaults filled, lists sorted, so deep equality is meaningful. */
export interface Application {
  readonly name: string;
  /** repo[:tag]; canonical form always carries a tag (":latest" added) */
  readonly image: string;
  readonly ports: readonly PortMapping[];
  readonly volume?: VolumeSpec;
  readonly links: readonly Link[];
  readonly environment: Readonly<Record<string, string>>;
  /** bytes */
  readonly mem_limit?: number;
  readonly cpu_shares?: number;
  readonly restart_policy: RestartPolicy;
  /** replaces the image's CMD (exec form, argv); absent = the image's */
  readonly command?: readonly string[];
  /** replaces the image's ENTRYPOINT (exec form); [] = none; absent = the image's */
  readonly entrypoint?: readonly string[];
  readonly healthcheck?: HealthCheck;
  /**
   * names of apps started before this one (sorted, absent when none). Not part of restart
   * equality: changing the order alone restarts nothing.
   */
  readonly depends_on?: readonly string[];

  // --- issue 13, project files and secrets (branch wt-files) ---
  /** project files mounted into the container: target path -> what (absent when none) */
  readonly files?: Readonly<Record<string, ProjectFileMount>>;
  /** secrets mounted into the container: target path -> which (absent when none); never shown */
  readonly secrets?: Readonly<Record<string, SecretMount>>;
  // ---- issue 13, runtime keys (compose hostname, user, cap_add, ...): all optional, absent =
  // docker's default; canonical lists sorted, names as docker takes them ----
  readonly hostname?: string;
  /** docker --user: "name", "uid", "name:group" or "uid:gid" */
  readonly user?: string;
  /** capability names as docker takes them ("NET_ADMIN", "ALL"), sorted, unique */
  readonly cap_add?: readonly string[];
  readonly cap_drop?: readonly string[];
  /** container labels; never a "flocker." key (flocker's own tags) */
  readonly labels?: Readonly<Record<string, string>>;
  /** docker --workdir: an absolute path in the container (absent: the image's) */
  readonly working_dir?: string;
  /** signal docker stop sends ("SIGQUIT", "9") */
  readonly stop_signal?: string;
  /** seconds docker stop waits before SIGKILL (docker's and Flocker's default: 10) */
  readonly stop_grace_period_seconds?: number;
  /** tmpfs mounts: "/path" or "/path:options" (docker --tmpfs), sorted */
  readonly tmpfs?: readonly string[];
  /** ulimit name ("nofile") -> limits; -1 is unlimited */
  readonly ulimits?: Readonly<Record<string, Ulimit>>;
  /** namespaced sysctls docker accepts per container (net.*, kernel.shm*, ...) */
  readonly sysctls?: Readonly<Record<string, string>>;
  /** docker -t: the process gets a pseudo-terminal (its output still goes to the journal) */
  readonly tty?: boolean;
  // --- issue 13 item 1 (images without a registry) ---
  /** how the image is built (compose `build:`); deploy side only, not part of restart equality */
  readonly build?: BuildSpec;
  /**
   * the image's ID (sha256:...) when the deploy sends the image (built, or --ship-images): the
   * node runs exactly this image, and a changed ID restarts the app
   */
  readonly image_id?: string;
  // --- end issue 13 item 1 ---
}

/** issue 13: one docker ulimit. */
export interface Ulimit {
  readonly soft: number;
  readonly hard: number;
}

/** issue 13: in a config file maximum_size may be written "1G", "500M" (Flocker's form) or in bytes */
export type ConfigVolume =
  | (Omit<SingleVolume, 'maximum_size'> & { maximum_size?: number | string })
  | (Omit<SeveralVolumes, 'maximum_size'> & { maximum_size?: number | string });

/** The application config file shape (version 1) for one app, without its name. */
export interface ApplicationConfigEntry {
  image: string;
  ports?: PortMapping[];
  /** issue 13: maximum_size may be written "1G", "500M" (Flocker's form) or in bytes */
  volume?: ConfigVolume;
  links?: Link[];
  environment?: Record<string, string>;
  mem_limit?: number;
  cpu_shares?: number;
  restart_policy?: RestartPolicy;
  command?: string[];
  entrypoint?: string[];
  healthcheck?: HealthCheck;
  depends_on?: string[];

  // --- issue 13, project files and secrets (branch wt-files) ---
  files?: Record<string, ProjectFileMount>;
  secrets?: Record<string, SecretMount>;
  // ---- issue 13, runtime keys (see Application) ----
  hostname?: string;
  user?: string;
  cap_add?: string[];
  cap_drop?: string[];
  labels?: Record<string, string>;
  working_dir?: string;
  stop_signal?: string;
  stop_grace_period_seconds?: number;
  tmpfs?: string[];
  ulimits?: Record<string, Ulimit>;
  sysctls?: Record<string, string>;
  tty?: boolean;
  // issue 13 item 1
  build?: BuildSpec;
  image_id?: string;
}

/**
 * Config entry fields whose values are secret: never printed (plan text, --dry-run --json,
 * progress events, status), only their keys and whether each was added, removed or changed.
 */
export const SECRET_VALUE_FIELDS: ReadonlySet<string> = new Set<keyof ApplicationConfigEntry>([
  'environment',
  'secrets',
]);

// --- issue 13, project files and secrets (branch wt-files) ---
// The model keeps only a content hash (src/model/payload.ts): plans compare by hash, so a
// changed file or secret restarts the app and an unchanged one does not. The contents travel
// separately, in the changestate input's `payloads`, only to the node that runs the app.

/** A file or folder of the compose project, mounted at its target (the mapping's key). */
export interface ProjectFileMount {
  /** the path as written in the compose file, relative to it (shown in plans) */
  readonly source: string;
  /** payloadHash of its content (src/model/payload.ts) */
  readonly hash: string;
  /** mounted read-only (`:ro`); a writable one is a copy on its node, not data that follows the app */
  readonly read_only: boolean;
}

/** A secret mounted at its target (the mapping's key), as a file of mode `mode` owned by uid:gid. */
export interface SecretMount {
  /** the name under the compose file's top-level secrets: */
  readonly source: string;
  /** payloadHash of its value: identity only, never printed (the whole field is secret) */
  readonly hash: string;
  /** file mode, default 0o400 */
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
}
