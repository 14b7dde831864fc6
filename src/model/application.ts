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
}

export interface Link {
  /** port the app inside the container believes it talks to (names the env vars) */
  readonly local_port: number;
  /** external port of the linked application */
  readonly remote_port: number;
  /** prefix of the Docker-style link variables (ALIAS_PORT_<local>_TCP...) */
  readonly alias: string;
}

export interface VolumeSpec {
  /** absolute path inside the container where the app's dataset is mounted */
  readonly mountpoint: string;
}

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

/** The application config file shape (version 1) for one app, without its name. */
export interface ApplicationConfigEntry {
  image: string;
  ports?: PortMapping[];
  volume?: VolumeSpec;
  links?: Link[];
  environment?: Record<string, string>;
  mem_limit?: number;
  cpu_shares?: number;
  restart_policy?: RestartPolicy;
  command?: string[];
  entrypoint?: string[];
  healthcheck?: HealthCheck;
  depends_on?: string[];
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
]);
