// VolumeStore over the zfs CLI. Touches only datasets that are direct children of the parent.
import { Socket } from 'node:net';
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
  listFilesystemsArgv,
  listSnapshotsArgv,
  mountArgv,
  poolHealthArgv,
  recvArgv,
  referencedArgv,
  sendArgv,
  setReadonlyArgv,
  setRolePropertyArgv,
  snapshotArgv,
  unmountArgv,
} from './argv.js';
import {
  DEFAULT_PARENT,
  assertParent,
  assertVolumeName,
  flockerSnapshotName,
  isFlockerSnapshot,
} from './names.js';
import {
  isBusyError,
  isMissingDatasetError,
  isMissingPoolError,
  parseBytes,
  parseFilesystems,
  parseReferenced,
  parseSnapshots,
} from './parse.js';
import { localSpawner, type Spawner } from '../exec/spawn.js';
import type { LocalVolume, PoolStatus, SendStream, VolumeStore } from './volume-store.js';

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
    const snaps = parseSnapshots(
      this.parent,
      (await runChecked(this.runner, listSnapshotsArgv(this.parent))).stdout,
    );
    return parsed.volumes.map((v) => ({
      name: v.name,
      owned: v.owned,
      snapshots: snaps.get(v.name) ?? [],
      mountpoint: v.mountpoint,
    }));
  }

  async get(name: string): Promise<LocalVolume | undefined> {
    assertVolumeName(name);
    return (await this.list()).find((v) => v.name === name);
  }

  private async ensureParent(): Promise<void> {
    const r = await this.runner.run(listFilesystemsArgv(this.parent).filter((a) => a !== '-r'));
    if (r.code === 0) return;
    if (!isMissingDatasetError(r.stderr))
      throw new NodeCommandError(this.runner.host, ['zfs', 'list', this.parent], r.code, r.stderr);
    await runChecked(this.runner, createParentArgv(this.parent));
  }

  async create(name: string): Promise<LocalVolume> {
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
    await runChecked(this.runner, createVolumeArgv(this.parent, name));
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
      await this.runBusyRetry(destroySnapshotArgv(this.parent, name, snap));
    }
  }

  async setOwned(name: string, owned: boolean): Promise<void> {
    const vol = await this.get(name);
    if (!vol) throw new NodeError(this.runner.host, `volume ${name} does not exist here`, 'E_NO_VOLUME');
    await runChecked(this.runner, setReadonlyArgv(this.parent, name, owned));
    await runChecked(this.runner, setRolePropertyArgv(this.parent, name, owned));
  }

  async destroy(name: string): Promise<void> {
    if (!(await this.get(name))) return;
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

  async receive(name: string, input: Readable, from?: string): Promise<number | undefined> {
    const vol = await this.get(name);
    if (vol?.owned) {
      input.resume();
      throw new NodeError(
        this.runner.host,
        `refusing to receive into volume ${name}: this node owns it`,
        'E_VOLUME_OWNED',
      );
    }
    if (from !== undefined) {
      if (!vol?.snapshots.includes(from)) {
        input.resume();
        throw new NodeError(
          this.runner.host,
          `cannot receive incremental stream for ${name}: base snapshot ${from} not held here`,
          'E_NO_BASE',
        );
      }
    } else if (vol) {
      await this.destroy(name); // full stream replaces the old copy
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
    // zfs-fuse: the kernel keeps serving cached file contents of a copy that was mounted across
    // an incremental recv; a fresh mount shows the received data. (Unmounting BEFORE recv instead
    // makes recv fail with "I/O error" while the dataset is still busy from the unmount.)
    if (from !== undefined) await this.runBusyRetry(unmountArgv(this.parent, name), /not currently mounted/i);
    const m = await this.runner.run(mountArgv(this.parent, name));
    if (m.code !== 0 && !/already mounted/i.test(m.stderr)) {
      throw new NodeCommandError(this.runner.host, mountArgv(this.parent, name), m.code, m.stderr);
    }
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
