// What flocker-changestate needs from its node: the adapter interfaces of src/systemd,
// src/routing and src/zfs (each with a real implementation and a contract-checked fake) plus
// the volume transfer. Real adapters are wired in src/node/local-node.ts; tests use the fakes.
import type { PeerInfo } from '../model/changestate-input.js';
import type { Membership, NodeState, ReportedRoute } from '../model/state.js';
import type { RouteTable } from '../routing/route-table.js';
import type { ApplicationUnits } from '../systemd/application-units.js';
import type { LinkNatResult } from '../systemd/link-nat-apply.js';
import type { VolumeStore } from '../zfs/volume-store.js';
import type { TrustResult } from './trust.js';
import type { NodeLock } from './deploy-lock.js';
import type { NodeImages } from '../docker/images.js';

/** Where a volume goes: the peer's verified address, port and name. */
export interface PeerTarget {
  readonly node: string;
  readonly address: string;
  readonly port: number;
}

export type TransferFigures = Readonly<Record<string, string | number | boolean>>;

/** A stream's progress as it goes: bytes so far, the expected total if known, ms since start. */
export type ProgressSink = (p: {
  readonly bytes: number;
  readonly total?: number;
  readonly ms: number;
}) => void;

/**
 * `self`: this node's name in the deployment (recorded as a volume's owner); `progress`: told
 * the bytes sent while a stream runs (at most every PROGRESS_INTERVAL_MS) and once at its end.
 */
export interface VolumeTransfer {
  push(name: string, to: PeerTarget, self?: string, progress?: ProgressSink): Promise<TransferFigures>;
  /** start, resume or finish a handoff (volume-transfer.ts: handoffVolume) */
  handoff(name: string, to: PeerTarget, self?: string, progress?: ProgressSink): Promise<TransferFigures>;
  /** own again a volume this node was handing off, unless the receiver owns it already */
  cancelHandoff(name: string, to: PeerTarget, self?: string): Promise<TransferFigures>;
}

export interface NodeAdapters {
  readonly apps: ApplicationUnits;
  readonly volumes: VolumeStore;
  readonly transfer: VolumeTransfer;
  readonly routes: RouteTable;
  /** pause between ownership checks of wait-for-volume */
  sleep(ms: number): Promise<void>;
}

/**
 * The node flocker-changestate runs on, as its commands use it: localNode() in production
 * (bin/ passes it), fake nodes over the contract-checked fakes in tests.
 */
export interface ChangestateNode {
  /** issue 13 item 1: the node's docker images (absent on nodes that cannot load images) */
  images?(): NodeImages;
  /** this node's state now (what flocker-reportstate prints) */
  gather(): Promise<NodeState>;
  adapters(): NodeAdapters;
  /** create the volume-push key if missing; its public key line */
  peerKey(): Promise<string>;
  trust(self: string, peers: Readonly<Record<string, PeerInfo>>): Promise<TrustResult>;
  /** append one line (already validated, ending in '\n') to this node's audit log */
  appendAudit(line: string): Promise<void>;
  /** this node's whole audit log ('' when none) */
  readAudit(): Promise<string>;
  /** record the cluster this node is now part of (what the next deploy plans with) */
  remember(membership: Membership): Promise<void>;
  /** the deploy lock's files and locks on this node */
  readonly lock: NodeLock;
  /** end the node-side lock holder `pid` if it is ours (a `flocker-changestate lock`); true if ended */
  endLockHolder(pid: number): Promise<boolean>;
  /** re-apply the persisted routes; undefined when none were persisted */
  restoreRoutes(): Promise<{ added: ReportedRoute[]; removed: ReportedRoute[] } | undefined>;
  /** make the NAT rules of app `name`'s links by name in its running container (ExecStartPost) */
  linkNat(name: string): Promise<LinkNatResult>;
}
