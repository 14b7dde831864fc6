// VolumeStore over the zfs CLI. Touches only datasets that are direct children of the parent.
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { quotaRefusal } from './quota.js';
import type { Readable } from 'node:stream';
import { NodeCommandError, NodeError } from '../errors.js';
import { runChecked } from '../exec/check.js';
import type { CommandRunner } from '../exec/runner.js';
import {
  availableArgv,
  createParentArgv,
  createVolumeArgv,
  destroySnapshotArgv,
  destroyVolumeArgv,
  EPOCH_PROPERTY,
  HANDOFF_PROPERTY,
  holdArgv,
  inheritPropertyArgv,
  LINEAGE_PROPERTY,
  OWNER_PROPERTY,
  releaseArgv,
  setPropertyArgv,
  userrefsArgv,
  listFilesystemsArgv,
  listGuidsArgv,
  listSnapshotsArgv,
  mountArgv,
  poolHealthArgv,
  recvArgv,
  referencedArgv,
  quotaArgv,
  setQuotaArgv,
  sendArgv,
  setReadonlyArgv,
  setRolePropertyArgv,
  snapshotArgv,
  unmountArgv,
  usedArgv,
} from './argv.js';
import {
  DEFAULT_PARENT,
  assertParent,
  assertVolumeName,
  flockerSnapshotName,
  isFlockerSnapshot,
} from './names.js';
import {
  formatHandoffIntent,
  isBusyError,
  isMissingDatasetError,
  isMissingPoolError,
  parseBytes,
  parseFilesystems,
  parseGuids,
  parseReferenced,
  parseSnapshots,
  parseUsed,
} from './parse.js';
import { localSpawner, type Spawner } from '../exec/spawn.js';
import type {
  LocalVolume,
  PoolStatus,
  ReceivedRecord,
  RecordUpdate,
  SendStream,
  VolumeUsage,
  VolumeStore,
} from './volume-store.js';
import { receiveRefusal } from './receive-rules.js';

export interface ZfsVolumeStoreOptions {
  /** parent dataset (default flocker/volumes); created on demand */
  readonly parent?: string;
  /** how streaming commands (send/recv) are started; default: local child_process */
  readonly spawner?: Spawner;
  /** retries for zfs-fuse's transient "dataset is busy" (default 25 x 200 ms) */
  readonly busyRetries?: number;
  readonly busyDelayMs?: number;
}

let counter = 0;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ZfsVolumeStore implements VolumeStore {
  readonly parent: string;
  private readonly spawner: Spawner;
  private readonly busyRetries: number;
  private readonly busyDelayMs: number;

  constructor(
    private readonly runner: CommandRunner,
    opts: ZfsVolumeStoreOptions = {},
  ) {
    this.parent = opts.parent ?? DEFAULT_PARENT;
    assertParent(this.parent);
    this.spawner = opts.spawner ?? localSpawner;
    this.busyRetries = opts.busyRetries ?? 25;
    this.busyDelayMs = opts.busyDelayMs ?? 200;
  }

  get host(): string {
    return this.runner.host;
  }

  async list(): Promise<LocalVolume[]> {
    const fs = await this.runner.run(listFilesystemsArgv(this.parent));
    if (fs.code !== 0) {
      if (isMissingDatasetError(fs.stderr)) return [];
      throw new NodeCommandError(this.runner.host, listFilesystemsArgv(this.parent), fs.code, fs.stderr);
    }
    const parsed = parseFilesystems(this.parent, fs.stdout);
    if (parsed.volumes.length === 0) return [];
    const [snapList, guidList] = await Promise.all([
      runChecked(this.runner, listSnapshotsArgv(this.parent)),
      runChecked(this.runner, listGuidsArgv(this.parent)),
    ]);
    const snaps = parseSnapshots(this.parent, snapList.stdout);
    const guids = parseGuids(this.parent, guidList.stdout);
    return parsed.volumes.map((v) => ({
      ...v,
      snapshots: snaps.get(v.name) ?? [],
      guids: guids.get(v.name) ?? {},
    }));
  }

  async get(name: string): Promise<LocalVolume | undefined> {
    assertVolumeName(name);
    return (await this.list()).find((v) => v.name === name);
  }

  /** one check-and-create at a time: a node creating several volumes at once made the parent twice */
  private parentReady: Promise<void> | undefined;

  private ensureParent(): Promise<void> {
    const p = (this.parentReady ??= this.makeParent());
    p.catch(() => (this.parentReady = undefined)); // a failure is not remembered: the next create tries again
    return p;
  }

  private async makeParent(): Promise<void> {
    const exists = async (): Promise<boolean> => {
      const r = await this.runner.run(listFilesystemsArgv(this.parent).filter((a) => a !== '-r'));
      if (r.code === 0) return true;
      if (!isMissingDatasetError(r.stderr))
        throw new NodeCommandError(this.runner.host, ['zfs', 'list', this.parent], r.code, r.stderr);
      return false;
    };
    if (await exists()) return;
    const r = await this.runner.run(createParentArgv(this.parent));
    // another process (a second store of this node) may have made it meanwhile
    if (r.code !== 0 && !(/already exists/.test(r.stderr) && (await exists())))
      throw new NodeCommandError(this.runner.host, createParentArgv(this.parent), r.code, r.stderr);
  }

  async create(name: string, owner = this.runner.host): Promise<LocalVolume> {
    assertVolumeName(name);
    const existing = await this.get(name);
    if (existing) {
      if (existing.owned) return existing;
      throw new NodeError(
        this.runner.host,
        `volume ${name} exists here as a read-only copy; take ownership instead of creating it`,
        'E_VOLUME_IS_COPY',
      );
    }
    await this.ensureParent();
    const lineage = randomBytes(8).toString('hex');
    await runChecked(this.runner, createVolumeArgv(this.parent, name, owner, lineage));
    const created = await this.get(name);
    if (!created) throw new NodeError(this.runner.host, `volume ${name} missing right after zfs create`);
    return created;
  }

  async snapshot(name: string): Promise<string> {
    assertVolumeName(name);
    const snap = flockerSnapshotName(new Date(), counter++);
    const argv = snapshotArgv(this.parent, name, snap);
    const r = await this.runner.run(argv);
    if (r.code === 0) return snap;
    // the contract's refusal for an absent volume (as setOwned), read from zfs's own answer
    if (isMissingDatasetError(r.stderr))
      throw new NodeError(this.runner.host, `volume ${name} does not exist here`, 'E_NO_VOLUME');
    throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
  }

  /** run argv, retrying while zfs-fuse says the dataset is busy */
  private async runBusyRetry(argv: readonly string[], alsoFine?: RegExp): Promise<void> {
    for (let i = 0; ; i++) {
      const r = await this.runner.run(argv);
      if (r.code === 0 || alsoFine?.test(r.stderr)) return;
      if (i >= this.busyRetries || !isBusyError(r.stderr))
        throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
      await sleep(this.busyDelayMs);
    }
  }

  async pruneSnapshots(name: string, keep: readonly string[]): Promise<void> {
    const vol = await this.get(name);
    if (!vol) return;
    for (const snap of vol.snapshots) {
      if (keep.includes(snap) || !isFlockerSnapshot(snap)) continue;
      // our hold goes first (absent: "no such tag"); another tool's hold keeps the snapshot
      await this.runner.run(releaseArgv(this.parent, name, snap));
      await this.runBusyRetry(destroySnapshotArgv(this.parent, name, snap));
    }
  }

  async protect(name: string, snap: string): Promise<void> {
    const argv = holdArgv(this.parent, name, snap);
    const r = await this.runner.run(argv);
    if (r.code !== 0 && !/tag already exists/i.test(r.stderr))
      throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
  }

  async holds(name: string, snap: string): Promise<number> {
    const r = await runChecked(this.runner, userrefsArgv(this.parent, name, snap));
    const n = Number(r.stdout.trim());
    return Number.isInteger(n) ? n : 0;
  }

  async setOwned(name: string, owned: boolean): Promise<void> {
    await this.setRecord(name, { role: owned ? 'owner' : 'copy' });
  }

  /**
   * One property per command (zfs-fuse), in an order that is safe to stop after any command:
   * leaving ownership, readonly goes on first and the role follows; taking it, the epoch and
   * owner are recorded, then the role, then readonly goes off; an intent is written before the
   * role says handing-off and cleared last.
   */
  async setRecord(name: string, u: RecordUpdate): Promise<void> {
    const vol = await this.get(name);
    if (!vol) throw new NodeError(this.runner.host, `volume ${name} does not exist here`, 'E_NO_VOLUME');
    const set = (prop: string, value: string) =>
      runChecked(this.runner, setPropertyArgv(this.parent, name, prop, value));
    if (u.role !== undefined && u.role !== 'owner')
      await runChecked(this.runner, setReadonlyArgv(this.parent, name, false));
    if (u.handoff) await set(HANDOFF_PROPERTY, formatHandoffIntent(u.handoff));
    if (u.lineage !== undefined) await set(LINEAGE_PROPERTY, u.lineage);
    if (u.epoch !== undefined) await set(EPOCH_PROPERTY, String(u.epoch));
    if (u.owner !== undefined) await set(OWNER_PROPERTY, u.owner);
    if (u.role !== undefined) await runChecked(this.runner, setRolePropertyArgv(this.parent, name, u.role));
    if (u.role === 'owner') await runChecked(this.runner, setReadonlyArgv(this.parent, name, true));
    if (u.handoff === null && vol.handoff !== undefined)
      await runChecked(this.runner, inheritPropertyArgv(this.parent, name, HANDOFF_PROPERTY));
  }

  async destroy(name: string): Promise<void> {
    const vol = await this.get(name);
    if (!vol) return;
    // a held snapshot cannot be destroyed (zfs-fuse says "dataset is busy"): ours go first
    for (const snap of vol.snapshots) await this.runner.run(releaseArgv(this.parent, name, snap));
    await this.runBusyRetry(destroyVolumeArgv(this.parent, name));
  }

  send(name: string, snap: string, from?: string, opts: { readonly direct?: boolean } = {}): SendStream {
    const argv = sendArgv(this.parent, name, snap, from);
    const p = this.spawner(argv, { rawStdout: opts.direct === true });
    p.stdin.end();
    const done = p.exited.then((x) => {
      if (x.code !== 0) throw new NodeCommandError(this.runner.host, argv, x.code, x.stderr);
    });
    return { stream: p.stdout, done };
  }

  async receive(
    name: string,
    input: Readable,
    from?: string,
    record?: ReceivedRecord,
  ): Promise<number | undefined> {
    const vol = await this.get(name);
    const refusal = receiveRefusal(this.runner.host, name, vol, from, record);
    if (refusal) {
      input.resume();
      throw refusal;
    }
    if (from === undefined && vol) {
      await this.destroy(name); // a full stream replaces a copy known older
    }
    await this.ensureParent();
    const argv = recvArgv(this.parent, name);
    // a pipe from ssh goes straight into zfs recv (no copy through this process; on 2 cores that
    // is a third of the throughput); then only a stream that passed through here is counted
    const direct = input instanceof Socket && this.spawner === localSpawner;
    const p = this.spawner(argv, direct ? { stdinFrom: input } : {});
    let bytes: number | undefined;
    if (direct) input.destroy();
    else {
      bytes = 0;
      input.on('data', (b: Buffer) => {
        bytes = (bytes ?? 0) + b.length;
      });
      input.on('error', () => p.kill());
      input.pipe(p.stdin);
    }
    p.stdout.resume();
    const x = await p.exited;
    if (x.code !== 0) throw new NodeCommandError(this.runner.host, argv, x.code, x.stderr);
    await runChecked(this.runner, setReadonlyArgv(this.parent, name, false));
    await runChecked(this.runner, setRolePropertyArgv(this.parent, name, false));
    if (record) await this.setRecord(name, { ...record, handoff: null });
    const got = await this.get(name);
    const newest = got?.snapshots[got.snapshots.length - 1];
    if (newest !== undefined) await this.protect(name, newest);
    // zfs-fuse: the kernel keeps serving cached file contents of a copy that was mounted across
    // an incremental recv; a fresh mount shows the received data. (Unmounting BEFORE recv instead
    // makes recv fail with "I/O error" while the dataset is still busy from the unmount.)
    if (from !== undefined) await this.runBusyRetry(unmountArgv(this.parent, name), /not currently mounted/i);
    // the mount right after that unmount may be told "mountpoint or dataset is busy" (seen with
    // several handoffs at once on a loaded node): retried like the unmount
    await this.runBusyRetry(mountArgv(this.parent, name), /already mounted/i);
    return bytes;
  }

  async sizes(): Promise<Record<string, number>> {
    const argv = referencedArgv(this.parent);
    const r = await this.runner.run(argv);
    if (r.code !== 0) {
      if (isMissingDatasetError(r.stderr)) return {};
      throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
    }
    return parseReferenced(this.parent, r.stdout);
  }

  async usage(name: string): Promise<VolumeUsage | undefined> {
    const argv = usedArgv(this.parent, name);
    const r = await this.runner.run(argv);
    if (r.code !== 0) {
      if (isMissingDatasetError(r.stderr)) return undefined;
      throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
    }
    return parseUsed(`${this.parent}/${name}`, r.stdout);
  }

  async quotas(): Promise<Record<string, number>> {
    const argv = quotaArgv(this.parent);
    const r = await this.runner.run(argv);
    if (r.code !== 0) {
      if (isMissingDatasetError(r.stderr)) return {};
      throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
    }
    // `zfs get -p` prints 0 for no quota (zfs-fuse "none" without -p; both are none)
    const all = parseReferenced(this.parent, r.stdout.replace(/\t(none|-)$/gm, '\t0'));
    const out = Object.create(null) as Record<string, number>;
    for (const [n, q] of Object.entries(all)) if (q > 0) out[n] = q;
    return out;
  }

  async setQuota(name: string, bytes: number | undefined): Promise<void> {
    const argv = setQuotaArgv(this.parent, name, bytes);
    const r = await this.runner.run(argv);
    if (r.code === 0) return;
    // zfs refuses a quota below what the dataset uses ("size is less than current used or
    // reserved space"): said with both figures, as the planner says it
    const used = bytes === undefined ? undefined : (await this.usage(name))?.used;
    if (bytes !== undefined && used !== undefined && bytes < used)
      throw quotaRefusal(this.runner.host, name, bytes, used);
    throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr);
  }

  async pool(): Promise<PoolStatus> {
    const pool = this.parent.split('/')[0] as string;
    const h = await this.runner.run(poolHealthArgv(pool));
    if (h.code !== 0) {
      if (isMissingPoolError(h.stderr)) return { pool, health: 'MISSING', available: 0 };
      throw new NodeCommandError(this.runner.host, poolHealthArgv(pool), h.code, h.stderr);
    }
    // the parent when it exists (its quota, if any, counts), else the pool's root dataset
    let a = await this.runner.run(availableArgv(this.parent));
    if (a.code !== 0 && isMissingDatasetError(a.stderr)) a = await this.runner.run(availableArgv(pool));
    if (a.code !== 0) throw new NodeCommandError(this.runner.host, availableArgv(pool), a.code, a.stderr);
    return {
      pool,
      health: h.stdout.trim(),
      available: parseBytes(a.stdout, `${this.parent} available`),
    };
  }
}
