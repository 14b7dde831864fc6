// What flocker-deploy sends to flocker-changestate on stdin (never argv).
import type { DesiredConfig } from './deployment.js';
import type { ClusterState } from './state.js';
import type { PhaseName } from './changes.js';
import type { Payload } from './payload.js';

export interface PeerInfo {
  /** address the deploy side resolved and connected to */
  readonly address: string;
  readonly port: number;
  /** host key the deploy side verified, "ssh-ed25519 AAAA..." */
  readonly host_key: string;
  /** the peer's volume-push public key, if it reported one */
  readonly peer_public_key?: string;
}

export interface ChangestateInput {
  readonly protocol: number;
  readonly phase: PhaseName;
  /** the node name this input is for (a key of desired.nodes / cluster.nodes) */
  readonly self: string;
  readonly desired: DesiredConfig;
  readonly cluster: ClusterState;
  readonly peers: Readonly<Record<string, PeerInfo>>;
  /** nodes the user told flocker-deploy to forget (--forget-node) */
  readonly forget?: readonly string[];
  /**
   * issue 13: the contents of the project files and secrets of the apps placed on `self` (hash ->
   * payload); sent only to that node, never logged
   */
  readonly payloads?: Readonly<Record<string, Payload>>;
  readonly audit: {
    /** the deploy that holds the nodes' deploy lock (absent: a caller that takes no lock) */
    readonly deploy_id?: string;
    /** the deploying person (OS user; SUDO_USER under sudo) */
    readonly user: string;
    /** the deploying machine's host name */
    readonly host?: string;
    readonly config_hash: string;
    readonly started_at: string;
  };
}
