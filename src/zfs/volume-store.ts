// The node-local volume adapter: ZFS datasets under one parent that this tool owns.
// Real implementation speaks the standard zfs CLI (zfs-fuse in the lab, OpenZFS in production).
//
// Ownership records (ZFS user properties of each volume dataset; the fake keeps the same):
//   flocker:role     owner | copy | handing-off (read-only, a handoff is under way)
//   flocker:epoch    ownership generation: 1 at creation, +1 per handoff
//   flocker:owner    the node that owns the volume at that epoch, as this copy knows it
//   flocker:lineage  random id made at creation, inherited by every copy (same name, other
//                    lineage = a different volume: never received into)
//   flocker:handoff  on a handing-off sender: the intent {to, epoch, snapshot, guid} (JSON)
import type { Readable } from 'node:stream';

export type VolumeRole = 'owner' | 'copy' | 'handing-off';

/** A handoff under way, recorded on the sender before its final snapshot. */
export interface HandoffIntent {
  /** the receiving node */
  readonly to: string;
  /** the epoch the receiver will own at (sender's epoch + 1) */
  readonly epoch: number;
  /** the final snapshot and its GUID, once taken */
  readonly snapshot?: string;
  readonly guid?: string;
}

export interface OwnershipRecord {
  readonly role: VolumeRole;
  /** 0: no record (a volume made before epochs existed) */
  readonly epoch: number;
  readonly owner?: string;
  readonly lineage?: string;
  readonly handoff?: HandoffIntent;
}

/** What a copy is told when it receives a stream: whose, which lineage, at which epoch. */
export interface ReceivedRecord {
  readonly lineage: string;
  readonly epoch: number;
  readonly owner: string;
}

/** A change of a volume's record; `handoff: null` clears the intent. */
export interface RecordUpdate {
  readonly role?: VolumeRole;
  readonly epoch?: number;
  readonly owner?: string;
  readonly lineage?: string;
  readonly handoff?: HandoffIntent | null;
}

export interface LocalVolume extends OwnershipRecord {
  /** volume name = application name */
  readonly name: string;
  /** writable owner (role owner) or not (copy, handing-off) */
  readonly owned: boolean;
  /** flocker snapshot names (after '@'), oldest first */
  readonly snapshots: readonly string[];
  /** snapshot name -> ZFS GUID (kept by send/recv: the same snapshot has the same GUID everywhere) */
  readonly guids: Readonly<Record<string, string>>;
  /** where it is mounted on the node (bind-mounted into the container) */
  readonly mountpoint: string;
}

/** A replication stream being produced; `done` settles when the producer has finished. */
export interface SendStream {
  readonly stream: Readable;
  /** resolves on success; rejects with a NodeCommandError naming the command and its stderr */
  readonly done: Promise<void>;
}

/** The pool volumes live in, as the check before a deploy needs it. */
export interface PoolStatus {
  /** pool name (first component of the parent dataset) */
  readonly pool: string;
  /** zpool health: ONLINE when usable (DEGRADED, FAULTED, ... otherwise); MISSING: no such pool */
  readonly health: string;
  /** bytes new volumes can still take under the parent dataset */
  readonly available: number;
}

export interface VolumeUsage {
  readonly used: number;
  /** snapshot name (after '@') -> bytes only it holds (what destroying it frees) */
  readonly snapshots: Readonly<Record<string, number>>;
}

/** The hold tag that protects the newest common snapshot of a volume. */
export const HOLD_TAG = 'flocker-base';

export interface VolumeStore {
  /** every volume under the parent dataset, sorted by name */
  list(): Promise<LocalVolume[]>;
  /**
   * create an owned (writable), mounted, empty volume: epoch 1, owner `owner`, a new lineage;
   * idempotent if it already exists owned; refuses (E_VOLUME_IS_COPY) when a copy exists
   */
  create(name: string, owner?: string): Promise<LocalVolume>;
  /** take a flocker snapshot; returns its name (after '@') */
  snapshot(name: string): Promise<string>;
  /** destroy flocker snapshots of the volume except those named in keep (releasing their holds) */
  pruneSnapshots(name: string, keep: readonly string[]): Promise<void>;
  /** make this node the writable owner (true) or hold a read-only copy (false); role only */
  setOwned(name: string, owned: boolean): Promise<void>;
  /** change the ownership record; readonly follows the role (writable only as owner) */
  setRecord(name: string, update: RecordUpdate): Promise<void>;
  /** put the flocker-base hold on a snapshot (idempotent) */
  protect(name: string, snap: string): Promise<void>;
  /** number of holds on a snapshot (zfs get userrefs: listing holds fails on zfs-fuse) */
  holds(name: string, snap: string): Promise<number>;

  /** one volume, or undefined if absent */
  get(name: string): Promise<LocalVolume | undefined>;
  /** destroy a volume and its snapshots (no-op if absent) */
  destroy(name: string): Promise<void>;
  /**
   * replication stream of snapshot `snap`: full, or incremental from snapshot `from`. `direct`:
   * the producer's own stdout, to be handed at once to another process as its stdin
   */
  send(name: string, snap: string, from?: string, opts?: { readonly direct?: boolean }): SendStream;
  /**
   * Receive a stream made by send() into a read-only copy, never destroying data the sender
   * lacks. Refuses (stream drained, nothing changed):
   * - E_VOLUME_OWNED: this node owns the volume or is handing it off;
   * - E_VOLUME_CONFLICT: the copy here is of another lineage (a different volume);
   * - E_NO_BASE: incremental, and the copy lacks the base snapshot `from`;
   * - E_VOLUME_DIVERGED: incremental, and the copy holds snapshots after `from`; or full, and
   *   a copy exists that is not known older (its epoch is above the stream's, or none is given).
   * A full stream replaces a copy known older. With `record` the copy records that lineage,
   * epoch and owner. Leaves the copy read-only, mounted, its newest snapshot held. Resolves
   * with the number of stream bytes received, or undefined when the stream did not pass here.
   */
  receive(name: string, input: Readable, from?: string, record?: ReceivedRecord): Promise<number | undefined>;

  // --- additions (issue #8: check before you stop) ---
  /** volume name -> bytes its data takes (zfs `referenced`); every volume listed */
  sizes(): Promise<Record<string, number>>;
  /**
   * bytes one volume takes (zfs `used`: its data and snapshots, what destroying it frees) and
   * each of its flocker snapshots' own bytes; undefined when absent
   */
  usage(name: string): Promise<VolumeUsage | undefined>;
  // ---- issue 13: quotas (Flocker's maximum_size) ----
  /** volume name -> its quota in bytes; volumes without one are not listed */
  quotas(): Promise<Record<string, number>>;
  /**
   * set (bytes) or remove (undefined) the volume's quota; a dataset property: the app keeps
   * running. Refuses (E_VOLUME_QUOTA, with both figures) a quota below what the volume uses.
   */
  setQuota(name: string, bytes: number | undefined): Promise<void>;
  /** the pool's health and free space (health MISSING, available 0 when there is no such pool) */
  pool(): Promise<PoolStatus>;
}
