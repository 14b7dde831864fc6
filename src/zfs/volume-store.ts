// The node-local volume adapter: ZFS datasets under one parent that this tool owns.
// Real implementation speaks the standard zfs CLI (zfs-fuse in the lab, OpenZFS in production).
import type { Readable } from 'node:stream';

export interface LocalVolume {
  /** volume name = application name */
  readonly name: string;
  /** writable owner (true) or read-only copy (false) */
  readonly owned: boolean;
  /** flocker snapshot names (after '@'), oldest first */
  readonly snapshots: readonly string[];
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

export interface VolumeStore {
  /** every volume under the parent dataset, sorted by name */
  list(): Promise<LocalVolume[]>;
  /** create an owned (writable), mounted, empty volume; idempotent if it already exists owned */
  create(name: string): Promise<LocalVolume>;
  /** take a flocker snapshot; returns its name (after '@') */
  snapshot(name: string): Promise<string>;
  /** destroy flocker snapshots of the volume except those named in keep */
  pruneSnapshots(name: string, keep: readonly string[]): Promise<void>;
  /** make this node the writable owner (true) or hold a read-only copy (false) */
  setOwned(name: string, owned: boolean): Promise<void>;

  // --- additions (issue #4 volumes) ---
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
   * Receive a stream made by send() into a read-only copy. Without `from` (full stream) an
   * existing copy is replaced; with `from` the copy must hold that snapshot. Refuses to receive
   * into a volume this node owns. Leaves the copy read-only and mounted. Resolves with the
   * number of stream bytes received, or undefined when the stream did not pass through here.
   */
  receive(name: string, input: Readable, from?: string): Promise<number | undefined>;

  // --- additions (issue #8: check before you stop) ---
  /** volume name -> bytes its data takes (zfs `referenced`); every volume listed */
  sizes(): Promise<Record<string, number>>;
  /** the pool's health and free space (health MISSING, available 0 when there is no such pool) */
  pool(): Promise<PoolStatus>;
}
