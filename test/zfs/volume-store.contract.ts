// One behavioural contract for every VolumeStore: run against FakeVolumeStore in unit tests and
// against ZfsVolumeStore inside a lab node in volume-store.functional.test.ts.
import { expect } from 'chai';
import type { VolumeStore } from '../../src/zfs/volume-store.js';
import { isFlockerSnapshot } from '../../src/zfs/names.js';
import { rejects } from '../helpers/rejects.js';

export interface ContractSubject {
  /** two independent stores (different parents or nodes), both empty */
  readonly a: VolumeStore;
  readonly b: VolumeStore;
  /** write a file's content into the volume (rejects with a message saying read-only when it is) */
  write(store: VolumeStore, name: string, text: string): Promise<void>;
  read(store: VolumeStore, name: string): Promise<string>;
  cleanup(): Promise<void>;
}

async function drain(s: { done: Promise<void> }): Promise<void> {
  await s.done;
}

export function volumeStoreContract(label: string, factory: () => Promise<ContractSubject>): void {
  describe(`VolumeStore contract: ${label}`, function () {
    let s: ContractSubject;
    beforeEach(async function () {
      s = await factory();
    });
    afterEach(async function () {
      await s?.cleanup();
    });

    it('creates several volumes at once on an empty store (as one deploy starts several apps)', async function () {
      await Promise.all(['web', 'db', 'cache', 'queue'].map((n) => s.a.create(n)));
      expect((await s.a.list()).map((x) => x.name)).to.deep.equal(['cache', 'db', 'queue', 'web']);
    });

    it('starts empty, creates an owned mounted volume, idempotently', async function () {
      expect(await s.a.list()).to.deep.equal([]);
      const v = await s.a.create('web');
      expect(v).to.include({ name: 'web', owned: true });
      expect(v.snapshots).to.deep.equal([]);
      expect(v.mountpoint).to.match(/\/web$/);
      expect(await s.a.create('web')).to.deep.equal(v);
      await s.a.create('db');
      expect((await s.a.list()).map((x) => x.name)).to.deep.equal(['db', 'web']);
      expect(await s.a.get('web')).to.deep.equal(v);
      expect(await s.a.get('nope')).to.equal(undefined);
      await s.write(s.a, 'web', 'hello');
      expect(await s.read(s.a, 'web')).to.equal('hello');
    });

    it('sets, grows and removes a quota; refuses one below what the volume uses (issue 13)', async function () {
      await s.a.create('web');
      await s.a.create('db');
      await s.write(s.a, 'web', 'hello');
      expect(await s.a.quotas()).to.deep.equal({});
      await s.a.setQuota('web', 64 * 1024 * 1024);
      expect(await s.a.quotas()).to.deep.equal({ web: 64 * 1024 * 1024 });
      await s.a.setQuota('web', 128 * 1024 * 1024);
      expect(await s.a.quotas()).to.deep.equal({ web: 128 * 1024 * 1024 });
      const used = (await s.a.usage('web'))!.used;
      const err = await rejects(s.a.setQuota('web', 1), 'E_VOLUME_QUOTA');
      expect(err.message).to.include('(1 bytes)').and.include(`(${used} bytes)`);
      expect(await s.a.quotas()).to.deep.equal({ web: 128 * 1024 * 1024 });
      await s.a.setQuota('web', undefined);
      expect(await s.a.quotas()).to.deep.equal({});
      expect(await s.read(s.a, 'web')).to.equal('hello');
    });

    it('refuses invalid names', async function () {
      for (const bad of ['', '../x', 'a/b', 'a b', '-x', 'x@y', 'a;rm', '.hidden']) {
        await rejects(s.a.create(bad), /invalid volume name/);
      }
      expect(await s.a.list()).to.deep.equal([]);
    });

    it('takes flocker snapshots, lists them oldest first, prunes all but kept', async function () {
      await s.a.create('web');
      const s1 = await s.a.snapshot('web');
      const s2 = await s.a.snapshot('web');
      const s3 = await s.a.snapshot('web');
      for (const x of [s1, s2, s3]) expect(isFlockerSnapshot(x)).to.equal(true);
      expect((await s.a.get('web'))?.snapshots).to.deep.equal([s1, s2, s3]);
      await s.a.pruneSnapshots('web', [s2]);
      expect((await s.a.get('web'))?.snapshots).to.deep.equal([s2]);
      await s.a.pruneSnapshots('absent', []); // no-op
    });

    it('switches between owner and read-only copy', async function () {
      await s.a.create('web');
      await s.write(s.a, 'web', 'v1');
      await s.a.setOwned('web', false);
      expect((await s.a.get('web'))?.owned).to.equal(false);
      await rejects(s.write(s.a, 'web', 'v2'), /read-only/i);
      expect(await s.read(s.a, 'web')).to.equal('v1');
      await rejects(s.a.create('web'), 'E_VOLUME_IS_COPY');
      await s.a.setOwned('web', true);
      expect((await s.a.get('web'))?.owned).to.equal(true);
      await s.write(s.a, 'web', 'v2');
      await rejects(s.a.setOwned('absent', true), 'E_NO_VOLUME');
      await rejects(s.a.snapshot('absent'), 'E_NO_VOLUME');
      expect(await s.a.get('absent')).to.equal(undefined);
    });

    it('replicates full then incremental into a read-only copy', async function () {
      await s.a.create('web');
      await s.write(s.a, 'web', 'one');
      const s1 = await s.a.snapshot('web');
      const full = s.a.send('web', s1);
      await Promise.all([s.b.receive('web', full.stream), drain(full)]);
      let copy = await s.b.get('web');
      expect(copy).to.include({ owned: false });
      expect(copy?.snapshots).to.deep.equal([s1]);
      expect(await s.read(s.b, 'web')).to.equal('one');
      await rejects(s.write(s.b, 'web', 'nope'), /read-only/i);
      expect(await s.read(s.b, 'web')).to.equal('one');

      await s.write(s.a, 'web', 'two');
      const s2 = await s.a.snapshot('web');
      const inc = s.a.send('web', s2, s1);
      await Promise.all([s.b.receive('web', inc.stream, s1), drain(inc)]);
      copy = await s.b.get('web');
      expect(copy?.snapshots).to.deep.equal([s1, s2]);
      expect(copy?.owned).to.equal(false);
      expect(await s.read(s.b, 'web')).to.equal('two');

      // a full stream replaces an existing copy known older (its epoch is not above the stream's)
      await s.write(s.a, 'web', 'three');
      const s3 = await s.a.snapshot('web');
      const again = s.a.send('web', s3);
      const rec = { lineage: (await s.a.get('web'))!.lineage!, epoch: 1, owner: 'na' };
      await Promise.all([s.b.receive('web', again.stream, undefined, rec), drain(again)]);
      expect((await s.b.get('web'))?.snapshots).to.deep.equal([s3]);
      expect(await s.read(s.b, 'web')).to.equal('three');
    });

    it('refuses to receive into an owned volume or without the base snapshot', async function () {
      await s.a.create('web');
      const s1 = await s.a.snapshot('web');
      const s2 = await s.a.snapshot('web');
      await s.b.create('web');
      await s.write(s.b, 'web', 'mine');
      const st = s.a.send('web', s1);
      await rejects(s.b.receive('web', st.stream), 'E_VOLUME_OWNED');
      await st.done.catch(() => undefined);
      expect(await s.read(s.b, 'web')).to.equal('mine');
      expect((await s.b.get('web'))?.owned).to.equal(true);

      const inc = s.a.send('web', s2, s1);
      await rejects(s.b.receive('other', inc.stream, s1), 'E_NO_BASE');
      await inc.done.catch(() => undefined);
      expect(await s.b.get('other')).to.equal(undefined);
    });

    it('records ownership: epoch 1, owner and a lineage at creation; setRecord changes it, readonly follows the role', async function () {
      const v = await s.a.create('web', 'n1');
      expect(v).to.include({ role: 'owner', epoch: 1, owner: 'n1', owned: true });
      expect(v.lineage).to.match(/^[0-9a-f]{16}$/);
      expect(v).not.to.have.property('handoff');
      expect((await s.a.create('db', 'n1')).lineage).not.to.equal(v.lineage);
      const intent = { to: 'n2', epoch: 2 };
      await s.a.setRecord('web', { role: 'handing-off', handoff: intent });
      let r = await s.a.get('web');
      expect(r).to.deep.include({ role: 'handing-off', owned: false, epoch: 1, handoff: intent });
      await rejects(s.write(s.a, 'web', 'no'), /read-only/i);
      const snap = await s.a.snapshot('web');
      const guid = (await s.a.get('web'))!.guids[snap]!;
      expect(guid).to.match(/^[0-9]+$/);
      await s.a.setRecord('web', { handoff: { ...intent, snapshot: snap, guid } });
      expect((await s.a.get('web'))?.handoff).to.deep.equal({ ...intent, snapshot: snap, guid });
      await s.a.setRecord('web', { role: 'copy', epoch: 2, owner: 'n2', handoff: null });
      r = await s.a.get('web');
      expect(r).to.include({ role: 'copy', epoch: 2, owner: 'n2', lineage: v.lineage });
      expect(r).not.to.have.property('handoff');
      await s.a.setRecord('web', { role: 'owner', epoch: 3, owner: 'n1' });
      await s.write(s.a, 'web', 'writable again');
      await rejects(s.a.setRecord('absent', { role: 'owner' }), 'E_NO_VOLUME');
    });

    it('a received copy records the lineage, epoch and owner it was sent with, same GUIDs, newest held', async function () {
      const v = await s.a.create('web', 'n1');
      const s1 = await s.a.snapshot('web');
      const rec = { lineage: v.lineage!, epoch: 1, owner: 'n1' };
      const full = s.a.send('web', s1);
      await Promise.all([s.b.receive('web', full.stream, undefined, rec), drain(full)]);
      const copy = await s.b.get('web');
      expect(copy).to.include({ role: 'copy', epoch: 1, owner: 'n1', lineage: v.lineage });
      expect(copy?.guids[s1]).to.equal((await s.a.get('web'))?.guids[s1]);
      expect(await s.b.holds('web', s1)).to.equal(1);
      // holds: protect is idempotent; pruning releases the hold and destroys
      await s.a.protect('web', s1);
      await s.a.protect('web', s1);
      expect(await s.a.holds('web', s1)).to.equal(1);
      const s2 = await s.a.snapshot('web');
      expect(await s.a.holds('web', s2)).to.equal(0);
      await s.a.pruneSnapshots('web', [s2]);
      expect((await s.a.get('web'))?.snapshots).to.deep.equal([s2]);
    });

    it('never receives over data the sender lacks: diverged (E_VOLUME_DIVERGED), other lineage (E_VOLUME_CONFLICT), handing-off (E_VOLUME_OWNED)', async function () {
      const v = await s.a.create('web', 'n1');
      await s.write(s.a, 'web', 'one');
      const s1 = await s.a.snapshot('web');
      const rec = { lineage: v.lineage!, epoch: 1, owner: 'n1' };
      const full = s.a.send('web', s1);
      await Promise.all([s.b.receive('web', full.stream, undefined, rec), drain(full)]);
      // b gains a snapshot a lacks (as after an owner that was forgotten wrote and handed back)
      await s.b.setRecord('web', { role: 'owner' });
      await s.write(s.b, 'web', 'b only');
      const bOnly = await s.b.snapshot('web');
      await s.b.setRecord('web', { role: 'copy' });
      await s.write(s.a, 'web', 'two');
      const s2 = await s.a.snapshot('web');
      const inc = s.a.send('web', s2, s1);
      const e1 = await rejects(s.b.receive('web', inc.stream, s1, rec), 'E_VOLUME_DIVERGED');
      expect(e1.message).to.contain(bOnly);
      await inc.done.catch(() => undefined);
      expect((await s.b.get('web'))?.snapshots).to.deep.equal([s1, bOnly]);
      expect(await s.read(s.b, 'web')).to.equal('b only');
      // a full stream over a copy not known older: refused, the copy kept
      const f2 = s.a.send('web', s2);
      await rejects(s.b.receive('web', f2.stream), 'E_VOLUME_DIVERGED');
      await f2.done.catch(() => undefined);
      await s.b.setRecord('web', { epoch: 5 });
      const f3 = s.a.send('web', s2);
      await rejects(s.b.receive('web', f3.stream, undefined, rec), 'E_VOLUME_DIVERGED');
      await f3.done.catch(() => undefined);
      expect(await s.read(s.b, 'web')).to.equal('b only');
      // another lineage of the same name is another volume
      const f4 = s.a.send('web', s2);
      await rejects(
        s.b.receive('web', f4.stream, undefined, { ...rec, lineage: 'ffffffffffffffff', epoch: 9 }),
        'E_VOLUME_CONFLICT',
      );
      await f4.done.catch(() => undefined);
      // a handing-off copy is not received into
      await s.b.setRecord('web', { role: 'handing-off', handoff: { to: 'n1', epoch: 6 } });
      const f5 = s.a.send('web', s2, s1);
      await rejects(s.b.receive('web', f5.stream, s1, rec), 'E_VOLUME_OWNED');
      await f5.done.catch(() => undefined);
      expect((await s.b.get('web'))?.snapshots).to.deep.equal([s1, bOnly]);
    });

    it("reports a volume's used bytes and each snapshot's; absent: undefined", async function () {
      expect(await s.a.usage('web')).to.equal(undefined);
      await s.a.create('web');
      const s1 = await s.a.snapshot('web');
      const s2 = await s.a.snapshot('web');
      const u = (await s.a.usage('web'))!;
      expect(Number.isInteger(u.used) && u.used >= 0).to.equal(true);
      expect(Object.keys(u.snapshots).sort()).to.deep.equal([s1, s2].sort());
      for (const n of Object.values(u.snapshots)) expect(Number.isInteger(n) && n >= 0).to.equal(true);
    });

    it('destroys a volume, and destroying an absent one is a no-op', async function () {
      await s.a.create('web');
      await s.a.snapshot('web');
      await s.a.destroy('web');
      expect(await s.a.list()).to.deep.equal([]);
      await s.a.destroy('web');
    });

    it("reports its pool healthy with room, and every volume's bytes", async function () {
      const pool = await s.a.pool();
      expect(pool.health).to.equal('ONLINE');
      expect(pool.pool).to.be.a('string').and.not.equal('');
      expect(pool.available)
        .to.be.a('number')
        .and.greaterThan(1 << 20);
      expect(await s.a.sizes()).to.deep.equal({});
      await s.a.create('web');
      await s.a.create('db');
      const empty = await s.a.sizes();
      expect(Object.keys(empty)).to.deep.equal(['db', 'web']);
      for (const n of Object.values(empty)) expect(Number.isInteger(n) && n >= 0).to.equal(true);
      // the data counts once zfs committed it: at its next transaction group (up to 30 s on
      // zfs-fuse), at the latest with a snapshot, which every move takes before it copies
      const text = 'x'.repeat(200_000);
      await s.write(s.a, 'web', text);
      await s.a.snapshot('web');
      const deadline = Date.now() + 10_000;
      const webBytes = async (): Promise<number> => (await s.a.sizes()).web ?? 0;
      while ((await webBytes()) < text.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 500));
      expect(await webBytes()).to.be.at.least(text.length);
    });
  });
}
