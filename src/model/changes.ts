// State changes as tagged data (Flocker's StartApplication / Sequentially / InParallel).
// The planner produces them, --dry-run prints them, flocker-changestate interprets them.
import type { Application } from './application.js';
import type { ReportedRoute, RouteGuard } from './state.js';

export interface Sequentially {
  readonly kind: 'sequentially';
  readonly changes: readonly Change[];
}
export interface InParallel {
  readonly kind: 'in-parallel';
  readonly changes: readonly Change[];
}
export interface StartApplication {
  readonly kind: 'start-application';
  readonly application: Application;
  /** Docker link variables resolved for this node: name -> value */
  readonly link_environment: Readonly<Record<string, string>>;
}
/** A JSON value: what a config entry's field holds. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

/**
 * One difference between the running and the desired config of an app, in the config entry
 * form (src/plan/config-diff.ts). A mapping field (environment) differs key by key. Fields
 * whose values are secret (SECRET_VALUE_FIELDS: environment) never carry before/after.
 */
export interface FieldChange {
  /** the config entry key: image, ports, environment, ... */
  readonly field: string;
  /** the key within a mapping field (an environment variable name) */
  readonly key?: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** entry-form value before (absent when added, or secret) */
  readonly before?: JsonValue;
  /** entry-form value after (absent when removed, or secret) */
  readonly after?: JsonValue;
}

export interface StopApplication {
  readonly kind: 'stop-application';
  readonly name: string;
  /** why: gone from the config, moving to another node, or its spec changed (restart) */
  readonly reason: 'removed' | 'moved' | 'changed';
  /** removed: this node keeps the app's volume (absent when the app had none here) */
  readonly volume_kept?: boolean;
  /** changed (or moved with a new config): what differs, field by field; absent when nothing */
  readonly config_diff?: readonly FieldChange[];
}
export interface CreateVolume {
  readonly kind: 'create-volume';
  readonly name: string;
}
/** Copy the volume to another node while the app keeps running (incremental when possible). */
export interface PushVolume {
  readonly kind: 'push-volume';
  readonly name: string;
  readonly to: string;
  readonly to_address: string;
}
/** Final incremental push after the app stopped, then ownership moves to the receiver. */
export interface HandoffVolume {
  readonly kind: 'handoff-volume';
  readonly name: string;
  readonly to: string;
  readonly to_address: string;
}
/**
 * A handoff this node began (it is handing-off) is carried on to the receiver it recorded:
 * from its final snapshot, push and ownership change, or only its last step if the receiver
 * owns already.
 */
export interface ResumeHandoff {
  readonly kind: 'resume-handoff';
  readonly name: string;
  readonly to: string;
  readonly to_address: string;
}
/** The app stays on this node after all: own the volume again, unless `to` owns it already. */
export interface CancelHandoff {
  readonly kind: 'cancel-handoff';
  readonly name: string;
  readonly to: string;
  readonly to_address: string;
}
/**
 * Only with --forget-node: the newest copy becomes owner at `epoch` (above every epoch seen),
 * its last owner having been forgotten.
 */
export interface PromoteVolume {
  readonly kind: 'promote-volume';
  readonly name: string;
  readonly epoch: number;
  /** the forgotten node that owned it last */
  readonly forgotten: string;
}
/** Check that this node owns the volume (handed off in an earlier phase) before starting. */
export interface WaitForVolume {
  readonly kind: 'wait-for-volume';
  readonly name: string;
  readonly from: string;
}
/**
 * Before anything changes anywhere: verify this node can do its part of the deploy. Computed by
 * the planner from the desired config and the reported state; run first, while every app still
 * runs where it was, so a failure leaves the cluster as it was.
 */
export interface CheckStart {
  readonly kind: 'check-start';
  /** images of the apps this node will start: present here, or pulled now (dockerd must answer) */
  readonly images: readonly string[];
  /** external ports apps will publish here: no listener of anything but our own apps on them */
  readonly app_ports: readonly number[];
  /** ports this node will newly route (DNAT) to other nodes: no non-loopback listener but ours */
  readonly route_ports: readonly number[];
  /** the same for UDP ports (absent when none) */
  readonly udp_app_ports?: readonly number[];
  readonly udp_route_ports?: readonly number[];
  /** volumes that will be created or arrive here, with the bytes each needs in the pool */
  readonly volumes: readonly { readonly name: string; readonly bytes: number }[];
}
/**
 * Issue 13: set (bytes) or remove (absent) a volume's ZFS quota, Flocker's maximum_size. A
 * dataset property: the app keeps running. The node refuses one below what the volume uses.
 */
export interface SetVolumeQuota {
  readonly kind: 'set-volume-quota';
  readonly name: string;
  readonly bytes?: number;
}
/** Make this node's routes exactly these (diffed against what is installed). */
export interface SetProxies {
  readonly kind: 'set-proxies';
  readonly routes: readonly ReportedRoute[];
  /** networks (issue 13 item 4): the guard of cluster-only ports (absent: none) */
  readonly guard?: RouteGuard;
}

export type Change =
  | Sequentially
  | InParallel
  | CheckStart
  | SetVolumeQuota
  | StartApplication
  | StopApplication
  | CreateVolume
  | PushVolume
  | HandoffVolume
  | WaitForVolume
  | ResumeHandoff
  | CancelHandoff
  | PromoteVolume
  | SetProxies;

export const PHASES = ['check', 'push', 'stop', 'start', 'routes'] as const;
export type PhaseName = (typeof PHASES)[number];

/** The whole plan: phases run one after another; within a phase, nodes run in parallel. */
export interface ClusterPlan {
  readonly phases: readonly {
    readonly phase: PhaseName;
    /** node name -> its change for this phase; nodes with nothing to do are absent */
    readonly nodes: Readonly<Record<string, Change>>;
  }[];
}

export const sequentially = (changes: readonly Change[]): Sequentially => ({ kind: 'sequentially', changes });
export const inParallel = (changes: readonly Change[]): InParallel => ({ kind: 'in-parallel', changes });
