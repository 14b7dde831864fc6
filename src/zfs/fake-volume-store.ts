// In-memory VolumeStore with the same observable behaviour as ZfsVolumeStore (checked by the
// shared contract suite). Volume content is one string; streams are JSON documents.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { NodeError } from '../errors.js';
import { assertVolumeName, compareSnapshots, flockerSnapshotName } from './names.js';
import { receiveRefusal } from './receive-rules.js';
import { quotaRefusal } from './quota.js';
import type {
  HandoffIntent,
  LocalVolume,
  PoolStatus,
  ReceivedRecord,
  RecordUpdate,
  SendStream,
  VolumeRole,
  VolumeStore,
  VolumeUsage,
} from './volume-store.js';

interface FakeSnapshot {
  name: string;
  data: string;
  guid: string;
  held: boolean;
}

interface FakeVolume {
  role: VolumeRole;
  epoch: number;
  owner?: string;
  lineage?: string;
  handoff?: HandoffIntent;
  data: string;
  snapshots: FakeSnapshot[];
  /** issue 13: ZFS quota in bytes (absent: none) */
  quota?: number;
}

interface FakeStream {
  readonly fakeStream: 1;
  readonly name: string;
  readonly snap: string;
  readonly guid: string;
  readonly from?: string;
  readonly data: string;
}

const newGuid = (): string => BigInt(`0x${randomBytes(7).toString('hex')}`).toString();

export class FakeVolumeStore implements VolumeStore {
  private readonly volumes = new Map<string, FakeVolume>();
  private counter = 0;
  /** the pool as pool() reports it (tests set health and space; health MISSING: no pool) */
  poolStatus: PoolStatus = { pool: 'flocker', health: 'ONLINE', available: 1 << 30 };
  /** every mutating call, for assertions ("create a", "setOwned a false", ...) */
  readonly calls: string[] = [];

  constructor(
    readonly host = 'fake',
    readonly mountRoot = '/flocker/volumes',
  ) {}

  private view(name: string, v: FakeVolume): LocalVolume {
    return {
      name,
      owned: v.role === 'owner',
      role: v.role,
      epoch: v.epoch,
      ...(v.owner !== undefined ? { owner: v.owner } : {}),
      ...(v.lineage !== undefined ? { lineage: v.lineage } : {}),
      ...(v.handoff !== undefined ? { handoff: { ...v.handoff } } : {}),
      snapshots: v.snapshots.map((s) => s.name),
      guids: Object.fromEntries(v.snapshots.map((s) => [s.name, s.guid])),
      mountpoint: `${this.mountRoot}/${name}`,
    };
  }

  async list(): Promise<LocalVolume[]> {
    return [...this.volumes.keys()].sort().map((n) => this.view(n, this.volumes.get(n) as FakeVolume));
  }

  async get(name: string): Promise<LocalVolume | undefined> {
    assertVolumeName(name);
    const v = this.volumes.get(name);
    return v && this.view(name, v);
  }

  async create(name: string, owner = this.host): Promise<LocalVolume> {
    assertVolumeName(name);
    const v = this.volumes.get(name);
    if (v && v.role !== 'owner')
      throw new NodeError(this.host, `volume ${name} exists here as a read-only copy`, 'E_VOLUME_IS_COPY');
    if (!v) {
      this.calls.push(`create ${name}`);
      this.volumes.set(name, {
        role: 'owner',
        epoch: 1,
        owner,
        lineage: randomBytes(8).toString('hex'),
        data: '',
        snapshots: [],
      });
    }
    return this.view(name, this.volumes.get(name) as FakeVolume);
  }

  private must(name: string): FakeVolume {
    assertVolumeName(name);
    const v = this.volumes.get(name);
    if (!v) throw new NodeError(this.host, `volume ${name} does not exist here`, 'E_NO_VOLUME');
    return v;
  }

  async snapshot(name: string): Promise<string> {
    const v = this.must(name);
    const snap = flockerSnapshotName(new Date(), this.counter++);
    this.calls.push(`snapshot ${name}`);
    v.snapshots.push({ name: snap, data: v.data, guid: newGuid(), held: false });
    v.snapshots.sort((a, b) => compareSnapshots(a.name, b.name));
    return snap;
  }

  async pruneSnapshots(name: string, keep: readonly string[]): Promise<void> {
    assertVolumeName(name);
    const v = this.volumes.get(name);
    if (!v) return;
    this.calls.push(`prune ${name} keep=${[...keep].join(',')}`);
    v.snapshots = v.snapshots.filter((s) => keep.includes(s.name));
  }

  async protect(name: string, snap: string): Promise<void> {
    const s = this.must(name).snapshots.find((x) => x.name === snap);
    if (!s) throw new NodeError(this.host, `no snapshot ${name}@${snap}`, 'E_NO_VOLUME');
    s.held = true;
  }

  async holds(name: string, snap: string): Promise<number> {
    const s = this.must(name).snapshots.find((x) => x.name === snap);
    if (!s) throw new NodeError(this.host, `no snapshot ${name}@${snap}`, 'E_NO_VOLUME');
    return s.held ? 1 : 0;
  }

  async setOwned(name: string, owned: boolean): Promise<void> {
    const v = this.must(name);
    this.calls.push(`setOwned ${name} ${owned}`);
    v.role = owned ? 'owner' : 'copy';
  }

  async setRecord(name: string, u: RecordUpdate): Promise<void> {
    const v = this.must(name);
    this.calls.push(`setRecord ${name} ${JSON.stringify(u)}`);
    if (u.role !== undefined) v.role = u.role;
    if (u.epoch !== undefined) v.epoch = u.epoch;
    if (u.owner !== undefined) v.owner = u.owner;
    if (u.lineage !== undefined) v.lineage = u.lineage;
    if (u.handoff === null) delete v.handoff;
    else if (u.handoff !== undefined) v.handoff = { ...u.handoff };
  }

  async destroy(name: string): Promise<void> {
    assertVolumeName(name);
    if (this.volumes.delete(name)) this.calls.push(`destroy ${name}`);
  }

  send(name: string, snap: string, from?: string): SendStream {
    try {
      const v = this.must(name);
      const s = v.snapshots.find((x) => x.name === snap);
      if (!s) throw new NodeError(this.host, `no snapshot ${name}@${snap}`);
      if (from !== undefined && !v.snapshots.some((x) => x.name === from)) {
        throw new NodeError(this.host, `no snapshot ${name}@${from}`);
      }
      const doc: FakeStream = {
        fakeStream: 1,
        name,
        snap,
        guid: s.guid,
        ...(from !== undefined ? { from } : {}),
        data: s.data,
      };
      return { stream: Readable.from([Buffer.from(JSON.stringify(doc))]), done: Promise.resolve() };
    } catch (e) {
      const done = Promise.reject(e);
      done.catch(() => undefined);
      return { stream: Readable.from([]), done };
    }
  }

  async receive(name: string, input: Readable, from?: string, record?: ReceivedRecord): Promise<number> {
    assertVolumeName(name);
    const refusal = receiveRefusal(this.host, name, await this.get(name), from, record);
    if (refusal) {
      input.resume();
      throw refusal;
    }
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(Buffer.from(c as Buffer));
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    let doc: FakeStream;
    try {
      doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeStream;
    } catch {
      throw new NodeError(this.host, `invalid stream for ${name}`, 'E_BAD_STREAM');
    }
    if (doc.fakeStream !== 1) throw new NodeError(this.host, `invalid stream for ${name}`, 'E_BAD_STREAM');
    if (from !== doc.from)
      throw new NodeError(
        this.host,
        `stream base ${doc.from ?? '(full)'} does not match ${from ?? '(full)'}`,
      );
    this.calls.push(`receive ${name} ${from === undefined ? 'full' : 'incremental'}`);
    const snap: FakeSnapshot = { name: doc.snap, data: doc.data, guid: doc.guid, held: true };
    const existing = this.volumes.get(name);
    if (from === undefined || !existing) {
      this.volumes.set(name, { role: 'copy', epoch: 0, data: doc.data, snapshots: [snap] });
    } else {
      existing.snapshots.push(snap);
      existing.data = doc.data;
      existing.role = 'copy';
    }
    if (record) await this.setRecord(name, { ...record, handoff: null });
    return bytes;
  }

  /** a volume's bytes are the length of its content */
  async sizes(): Promise<Record<string, number>> {
    return Object.fromEntries(
      [...this.volumes.keys()]
        .sort()
        .map((n) => [n, Buffer.byteLength((this.volumes.get(n) as FakeVolume).data)]),
    );
  }

  async usage(name: string): Promise<VolumeUsage | undefined> {
    assertVolumeName(name);
    const v = this.volumes.get(name);
    if (!v) return undefined;
    const snaps = Object.fromEntries(v.snapshots.map((x) => [x.name, Buffer.byteLength(x.data)]));
    const used = Buffer.byteLength(v.data) + Object.values(snaps).reduce((a, b) => a + b, 0);
    return { used, snapshots: snaps };
  }

  async pool(): Promise<PoolStatus> {
    return { ...this.poolStatus };
  }

  async quotas(): Promise<Record<string, number>> {
    const out = Object.create(null) as Record<string, number>;
    for (const n of [...this.volumes.keys()].sort()) {
      const q = (this.volumes.get(n) as FakeVolume).quota;
      if (q !== undefined) out[n] = q;
    }
    return out;
  }

  async setQuota(name: string, bytes: number | undefined): Promise<void> {
    const v = this.must(name);
    const used = (await this.usage(name))?.used ?? 0;
    if (bytes !== undefined && bytes < used) throw quotaRefusal(this.host, name, bytes, used);
    this.calls.push(`setQuota ${name} ${bytes ?? 'none'}`);
    if (bytes === undefined) delete v.quota;
    else v.quota = bytes;
  }

  // --- test helpers (not part of VolumeStore) ---
  write(name: string, data: string): void {
    const v = this.must(name);
    if (v.role !== 'owner') throw new NodeError(this.host, `volume ${name} is read-only here`, 'E_READONLY');
    v.data = data;
  }

  read(name: string): string {
    return this.must(name).data;
  }
}
