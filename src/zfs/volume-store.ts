// The node-local volume adapter: ZFS datasets under one parent that this tool owns.
// Real implementation speaks the standard zfs CLI (zfs-fuse in the lab, OpenZFS in production).

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
}
