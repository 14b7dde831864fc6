// What one node reports about itself (flocker-reportstate output, protocol-versioned).
import type { ApplicationConfigEntry } from './application.js';

/**
 * Bumped whenever the JSON exchanged between deploy and node-side programs changes shape
 * incompatibly. Optional fields added since (unit_state/since of an app) keep version 1: a new
 * deploy side reads an older node's state.
 */
export const PROTOCOL_VERSION = 1;

export interface ReportedApplication {
  /** the application-config shape, lossless (validated by the same schema as user input) */
  readonly spec: ApplicationConfigEntry;
  /** systemd says the unit is active */
  readonly running: boolean;
  /** systemd's ActiveState of the unit (active, failed, inactive, ...); absent from older nodes */
  readonly unit_state?: string;
  /** ISO time the unit entered that state */
  readonly since?: string;
}

export interface ReportedVolume {
  /** volume (= application) name */
  readonly name: string;
  /** flocker snapshots of the dataset, oldest first (names after the '@') */
  readonly snapshots: readonly string[];
  /** bytes the volume's data takes (zfs `referenced`): what a full copy of it needs elsewhere */
  readonly bytes?: number;
  /** the ownership record of this copy (zfs/volume-store.ts) */
  readonly role: 'owner' | 'copy' | 'handing-off';
  /** ownership generation this copy knows (0: no record) */
  readonly epoch: number;
  /** the owner at that epoch, as this copy knows it */
  readonly owner?: string;
  /** the volume's lineage (same name, other lineage: another volume) */
  readonly lineage?: string;
  /** on a handing-off node: where to, at which epoch, with which final snapshot */
  readonly handoff?: {
    readonly to: string;
    readonly epoch: number;
    readonly snapshot?: string;
    readonly guid?: string;
  };
  /** GUID of the newest snapshot */
  readonly newest_guid?: string;
  /** issue 13: its ZFS quota in bytes (Flocker's maximum_size); absent: none */
  readonly quota?: number;
}

export interface ReportedRoute {
  /** external port answered on this node */
  readonly port: number;
  /** address of the node that runs the app */
  readonly target_address: string;
  readonly target_port: number;
  /** issue 13: "udp" for a UDP port; absent = TCP (the form every route had before) */
  readonly protocol?: 'udp';
}

// ---- issue 13 item 4 (networks) ----
/**
 * Cluster-only ports (PortMapping.cluster_only): on every node, new TCP connections to these
 * ports of the node's own addresses are dropped unless they come from one of `sources` (the
 * cluster's node addresses) or from a container of the node (the docker0 bridge). Sorted lists.
 */
export interface RouteGuard {
  readonly ports: readonly number[];
  readonly sources: readonly string[];
}
// ---- end networks ----
// --- issue 13 item 1 (images without a registry): the images a node has ---
/** One docker image on a node: what the deploy needs to send only the layers it lacks. */
export interface ReportedImage {
  /** image ID (sha256:...) */
  readonly id: string;
  /** its layers' diff IDs, bottom first (docker image inspect .RootFS.Layers) */
  readonly layers: readonly string[];
  /** its repo:tag names */
  readonly tags?: readonly string[];
}
// --- end issue 13 item 1 ---

export interface NodeState {
  readonly protocol: number;
  readonly node: {
    readonly hostname: string;
    readonly machine_id: string;
    /** public key this node uses to push volumes to its peers (openssh format), if set up */
    readonly peer_public_key?: string;
  };
  readonly applications: Readonly<Record<string, ReportedApplication>>;
  /** volumes this node owns (writable) */
  readonly owned_volumes: readonly ReportedVolume[];
  /** read-only copies this node holds (role copy or handing-off) */
  readonly volume_copies: readonly ReportedVolume[];
  readonly routes: readonly ReportedRoute[];
  /** networks (issue 13 item 4): the guard of cluster-only ports installed (absent: none) */
  readonly route_guard?: RouteGuard;
  /** the cluster this node was last deployed as part of (absent: never, or an older version) */
  readonly membership?: Membership;
  /** issue 13 item 1: the node's docker images (absent: an older node, or docker is down) */
  readonly images?: readonly ReportedImage[];
  /** issue 13 item 1: IDs of images the deploy sent or built here (prune removes unused ones) */
  readonly shipped_images?: readonly string[];
}

/**
 * What every node remembers of the last deploy that completed (/var/lib/flocker/cluster.json):
 * the nodes of that deployment and the owner of each volume. When no reachable node holds any
 * copy of a volume, this is what says it existed, and where: a volume is never created anew in
 * place of one a missing node owns.
 */
export interface Membership {
  readonly format: 'flocker-cluster/1';
  readonly nodes: readonly string[];
  readonly volumes: Readonly<Record<string, { readonly owner: string; readonly epoch: number }>>;
  readonly written_at: string;
}

/** Every node's state plus the address the deploy side resolved it to. */
export interface ClusterState {
  readonly nodes: Readonly<Record<string, { readonly address: string; readonly state: NodeState }>>;
}
