// One behavioural contract for the volume transfer (pushVolume/handoffVolume over a PeerTransport
// to the peer endpoint): run on two FakeVolumeStores + InProcessPeerTransport in unit tests and
// on two real lab nodes (ZfsVolumeStore + SshPeerTransport, the code running ON the sending node)
// in volume-transfer.functional.test.ts. It pins the handoff order that ships: the sender is
// read-only before the final push's recv request is made, the receiver owns only after it.
import { expect } from 'chai';
import type { PeerRequest } from '../../src/changestate/peer.js';
import type { VolumeStore } from '../../src/zfs/volume-store.js';
import { rejects } from '../helpers/rejects.js';
import type { SeenRequest } from './observed-transport.js';

export type Side = 'a' | 'b';

/** PushResult/HandoffResult as data (it may have crossed a process boundary as JSON). */
export interface TransferResult {
  readonly snapshot: string;
  readonly base?: string;
  readonly incremental: boolean;
  readonly bytes?: number;
  readonly seconds: number;
  readonly alreadyHandedOff?: boolean;
  /** cancel: 'cancelled' | 'finished' | 'nothing' */
  readonly outcome?: string;
}

export interface TransferOutcome {
  readonly result?: TransferResult;
  readonly error?: { readonly code?: string; readonly message: string };
  /** the requests made, each with the sender's ownership at that moment (ObservedTransport) */
  readonly seen: readonly SeenRequest[];
}

export interface TransferSubject {
  /** the volume name the suite uses (absent on both nodes at the start) */
  readonly volume: string;
  /** node a's and node b's stores, for setting up and inspecting */
  readonly stores: Readonly<Record<Side, VolumeStore>>;
  /** write a file's content into the volume on that node (rejects when read-only) */
  write(side: Side, name: string, text: string): Promise<void>;
  read(side: Side, name: string): Promise<string>;
  /**
   * Run pushVolume/handoffVolume ON node `from` toward the other node, through an
   * ObservedTransport around the subject's real transport (failing `failOn` requests).
   */
  run(
    from: Side,
    op: 'push' | 'handoff' | 'cancel',
    name: string,
    opts?: {
      readonly failOn?: PeerRequest['kind'];
      /** make the request, then fail as if its reply was lost */
      readonly failAfter?: PeerRequest['kind'];
      readonly retain?: readonly string[];
    },
  ): Promise<TransferOutcome>;
  cleanup(): Promise<void>;
}

function ok(o: TransferOutcome): TransferResult {
  if (o.error || !o.result) throw new Error(`expected success, got ${o.error?.code}: ${o.error?.message}`);
  return o.result;
}

function failed(o: TransferOutcome): { code?: string; message: string } {
  if (!o.error) throw new Error(`expected a failure, got ${JSON.stringify(o.result)}`);
  return o.error;
}

export function volumeTransferContract(label: string, factory: () => Promise<TransferSubject>): void {
  describe(`volume transfer contract: ${label}`, function () {
    let s: TransferSubject;
    let v: string;
    const owned = async (side: Side): Promise<boolean | undefined> => (await s.stores[side].get(v))?.owned;
    const snapshots = async (side: Side): Promise<readonly string[] | undefined> =>
      (await s.stores[side].get(v))?.snapshots;
    beforeEach(async function () {
      s = await factory();
      v = s.volume;
    });
    afterEach(async function () {
      await s?.cleanup();
    });

    it('pushes full, then incremental into a read-only copy; the sender stays the owner; old snapshots pruned', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'one');
      const o1 = await s.run('a', 'push', v);
      const r1 = ok(o1);
      expect(r1.incremental).to.equal(false);
      expect(r1).not.to.have.property('base');
      const a0 = (await s.stores.a.get(v))!;
      expect(o1.seen).to.deep.equal([
        { request: `snapshots ${v}`, senderOwned: true },
        { request: `recv ${v} ${a0.lineage!} 1 ${a0.owner!}`, senderOwned: true },
      ]);
      // the copy records lineage, epoch and owner; the common snapshot is held on both sides
      expect(await s.stores.b.get(v)).to.deep.include({
        role: 'copy',
        epoch: 1,
        owner: a0.owner,
        lineage: a0.lineage,
      });
      expect(await s.stores.a.holds(v, r1.snapshot)).to.equal(1);
      expect(await s.stores.b.holds(v, r1.snapshot)).to.equal(1);
      expect(await owned('a')).to.equal(true);
      expect(await owned('b')).to.equal(false);
      expect(await snapshots('b')).to.deep.equal([r1.snapshot]);
      expect(await s.read('b', v)).to.equal('one');
      await rejects(s.write('b', v, 'not here'), /read-only/i);

      await s.write('a', v, 'two');
      const o2 = await s.run('a', 'push', v);
      const r2 = ok(o2);
      expect(r2).to.include({ incremental: true, base: r1.snapshot });
      expect(o2.seen.map((x) => x.request)).to.deep.equal([
        `snapshots ${v}`,
        `recv ${v} ${a0.lineage!} 1 ${a0.owner!} ${r1.snapshot}`,
      ]);
      expect(await s.read('b', v)).to.equal('two');
      expect(await snapshots('a')).to.deep.equal([r2.snapshot]);
      expect(await snapshots('b')).to.deep.equal([r2.snapshot]);
      expect(await owned('a')).to.equal(true);
    });

    it('keeps retained snapshots on the sender', async function () {
      await s.stores.a.create(v);
      const r1 = ok(await s.run('a', 'push', v));
      const r2 = ok(await s.run('a', 'push', v, { retain: [r1.snapshot] }));
      expect(await snapshots('a')).to.deep.equal([r1.snapshot, r2.snapshot]);
      expect(await snapshots('b')).to.deep.equal([r2.snapshot]);
    });

    it('refuses to push a volume it does not have (E_NO_VOLUME) or holds only as a copy (E_NOT_OWNER)', async function () {
      const absent = await s.run('a', 'push', v);
      expect(failed(absent).code).to.equal('E_NO_VOLUME');
      expect(absent.seen).to.deep.equal([]);
      await s.stores.a.create(v);
      ok(await s.run('a', 'push', v));
      const copy = await s.run('b', 'push', v);
      expect(failed(copy).code).to.equal('E_NOT_OWNER');
      expect(copy.seen).to.deep.equal([]);
      expect(await owned('a')).to.equal(true);
    });

    /** request verbs with the sender's ownership when each was made */
    const verbs = (o: TransferOutcome) => o.seen.map((x) => [x.request.split(' ')[0], x.senderOwned]);
    /** the invariant: never two writable owners */
    const notBothOwners = async () => {
      expect((await owned('a')) === true && (await owned('b')) === true, 'two owners').to.equal(false);
    };

    it('hands off in order: intent + read-only here, final snapshot, push, the receiver verifies and owns at epoch+1, then this node records it', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'one');
      const pre = ok(await s.run('a', 'push', v));
      await s.write('a', v, 'final');
      const before = (await s.stores.a.get(v))!;
      const h = await s.run('a', 'handoff', v);
      const r = ok(h);
      expect(r).to.include({ incremental: true, base: pre.snapshot, alreadyHandedOff: false });
      // the sender was read-only BEFORE the final push's recv request was made
      expect(verbs(h)).to.deep.equal([
        ['status', false],
        ['snapshots', false],
        ['recv', false],
        ['own', false],
      ]);
      const guid = (await s.stores.b.get(v))!.guids[r.snapshot]!;
      expect(h.seen[3]!.request).to.equal(
        `own ${v} ${r.snapshot} ${guid} 2 ${before.owner!} ${(await s.stores.b.get(v))!.owner!}`,
      );
      expect(await s.stores.b.get(v)).to.deep.include({ role: 'owner', epoch: 2, lineage: before.lineage });
      const a = (await s.stores.a.get(v))!;
      expect(a).to.deep.include({ role: 'copy', epoch: 2, owner: (await s.stores.b.get(v))!.owner });
      expect(a).not.to.have.property('handoff');
      expect(await s.stores.a.holds(v, r.snapshot)).to.equal(1);
      expect(await s.read('b', v)).to.equal('final');
      expect(await s.read('a', v)).to.equal('final');
      await s.write('b', v, 'mine now');
      await rejects(s.write('a', v, 'not any more'), /read-only/i);
      expect(await s.read('a', v)).to.equal('final');

      // and back again, incrementally, from the new owner
      const back = ok(await s.run('b', 'push', v));
      expect(back.incremental).to.equal(true);
      expect(await s.read('a', v)).to.equal('mine now');
      expect(await owned('a')).to.equal(false);
      const home = ok(await s.run('b', 'handoff', v));
      expect(home.incremental).to.equal(true);
      expect(await s.stores.a.get(v)).to.deep.include({ role: 'owner', epoch: 3 });
      expect(await s.read('a', v)).to.equal('mine now');
    });

    it('hands off without a pre-copy: a full final push, then the receiver owns', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'only');
      const h = await s.run('a', 'handoff', v);
      expect(ok(h)).to.include({ incremental: false, alreadyHandedOff: false });
      expect(verbs(h).map((x) => x[0])).to.deep.equal(['status', 'snapshots', 'recv', 'own']);
      expect(h.seen.every((x) => x.senderOwned === false)).to.equal(true);
      expect(await owned('b')).to.equal(true);
      expect(await s.read('b', v)).to.equal('only');
    });

    it('crash in the final push (step 3): the sender stays handing-off (read-only, intent kept), the receiver a copy; a retry resumes with the same final snapshot', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'one');
      ok(await s.run('a', 'push', v));
      await s.write('a', v, 'final');
      const h = await s.run('a', 'handoff', v, { failOn: 'recv' });
      expect(failed(h).code).to.equal('E_NODE_COMMAND');
      expect(failed(h).message).to.match(/injected: connection lost/);
      const a = (await s.stores.a.get(v))!;
      expect(a.role).to.equal('handing-off');
      expect(a.handoff).to.deep.include({ epoch: 2 });
      expect(a.handoff?.snapshot).to.be.a('string');
      expect(await owned('b')).to.equal(false);
      expect(await s.read('b', v)).to.equal('one');
      await rejects(s.write('a', v, 'lost write'), /read-only/i);
      await notBothOwners();

      const retry = await s.run('a', 'handoff', v);
      expect(ok(retry)).to.include({
        incremental: true,
        alreadyHandedOff: false,
        snapshot: a.handoff!.snapshot,
      });
      expect(await owned('a')).to.equal(false);
      expect(await s.stores.b.get(v)).to.deep.include({ role: 'owner', epoch: 2 });
      expect(await s.read('b', v)).to.equal('final');
    });

    it('crash before the receiver owns (step 4 not made): a retry skips the push it already did and completes', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'final');
      const h = await s.run('a', 'handoff', v, { failOn: 'own' });
      expect(failed(h).code).to.equal('E_NODE_COMMAND');
      await notBothOwners();
      expect(await s.stores.b.get(v)).to.deep.include({ role: 'copy', epoch: 1 });
      const retry = await s.run('a', 'handoff', v);
      expect(verbs(retry).map((x) => x[0])).to.deep.equal(['status', 'own']);
      ok(retry);
      expect(await s.stores.b.get(v)).to.deep.include({ role: 'owner', epoch: 2 });
      expect(await s.stores.a.get(v)).to.deep.include({ role: 'copy', epoch: 2 });
      expect(await s.read('b', v)).to.equal('final');
    });

    it('crash after the receiver owns (reply of step 4 lost): a retry only finishes step 5; a cancel would finish too', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'final');
      const h = await s.run('a', 'handoff', v, { failAfter: 'own' });
      expect(failed(h).code).to.equal('E_NODE_COMMAND');
      expect(await s.stores.a.get(v)).to.deep.include({ role: 'handing-off' });
      expect(await s.stores.b.get(v)).to.deep.include({ role: 'owner', epoch: 2 });
      await notBothOwners();
      // cancelling now cannot undo it: the receiver owns, so the handoff is finished instead
      const c = await s.run('a', 'cancel', v);
      expect(ok(c).outcome).to.equal('finished');
      expect(await s.stores.a.get(v)).to.deep.include({ role: 'copy', epoch: 2 });
      const again = await s.run('a', 'handoff', v);
      expect(ok(again).alreadyHandedOff).to.equal(true);
      expect(verbs(again)).to.deep.equal([['status', false]]);
      expect(await s.read('b', v)).to.equal('final');
    });

    it('a cancelled handoff: the sender owns again at the same epoch; the receiver keeps its copy', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'one');
      ok(await s.run('a', 'push', v));
      failed(await s.run('a', 'handoff', v, { failOn: 'recv' }));
      expect(await s.stores.a.get(v)).to.deep.include({ role: 'handing-off' });
      const c = await s.run('a', 'cancel', v);
      expect(ok(c).outcome).to.equal('cancelled');
      const a = (await s.stores.a.get(v))!;
      expect(a).to.deep.include({ role: 'owner', epoch: 1 });
      expect(a).not.to.have.property('handoff');
      await s.write('a', v, 'writable again');
      expect(await s.stores.b.get(v)).to.deep.include({ role: 'copy', epoch: 1 });
      // the next push is still incremental: the common snapshot survived
      expect(ok(await s.run('a', 'push', v)).incremental).to.equal(true);
      expect(await s.read('b', v)).to.equal('writable again');
      expect(ok(await s.run('a', 'cancel', v)).outcome).to.equal('nothing');
    });

    it('a receiver that owns the volume refuses the stream (E_VOLUME_OWNED there); it keeps its data, never two owners after', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'theirs');
      await s.stores.b.create(v);
      await s.write('b', v, 'mine');
      const p = await s.run('a', 'push', v);
      // the peer's refusal arrives as a failed peer request carrying the endpoint's message
      expect(failed(p).code).to.equal('E_NODE_COMMAND');
      expect(failed(p).message).to.match(/refusing to receive into volume .*: this node owns it/);
      const h = await s.run('a', 'handoff', v);
      expect(failed(h).code).to.equal('E_NODE_COMMAND');
      expect(await owned('b')).to.equal(true);
      expect(await s.read('b', v)).to.equal('mine');
      expect(await s.stores.a.get(v)).to.deep.include({ role: 'handing-off' });
      ok(await s.run('a', 'cancel', v));
      await s.write('a', v, 'still ours');
    });

    it('a diverged copy is never received into (E_VOLUME_DIVERGED) and keeps its snapshots', async function () {
      await s.stores.a.create(v);
      await s.write('a', v, 'one');
      const p1 = ok(await s.run('a', 'push', v));
      // the copy gains a snapshot the sender lacks
      await s.stores.b.setRecord(v, { role: 'owner' });
      await s.write('b', v, 'b only');
      await s.stores.b.snapshot(v);
      await s.stores.b.setRecord(v, { role: 'copy' });
      const before = await snapshots('b');
      const p = await s.run('a', 'push', v);
      expect(failed(p).message).to.match(/holds snapshots the sender lacks/);
      expect(await snapshots('b')).to.deep.equal(before);
      expect(before?.[0]).to.equal(p1.snapshot);
      expect(await s.read('b', v)).to.equal('b only');
    });

    it('a repeated handoff sees it done; a copy that nobody owns is not handed off (E_NOT_OWNER)', async function () {
      await s.stores.a.create(v);
      ok(await s.run('a', 'handoff', v));
      const again = await s.run('a', 'handoff', v);
      expect(ok(again).alreadyHandedOff).to.equal(true);
      expect(again.seen).to.deep.equal([{ request: `status ${v}`, senderOwned: false }]);
      expect(await owned('b')).to.equal(true);

      await s.stores.b.setOwned(v, false);
      const none = await s.run('a', 'handoff', v);
      expect(failed(none).code).to.equal('E_NOT_OWNER');
      expect(none.seen.map((x) => x.request)).to.deep.equal([`status ${v}`]);
      expect(await owned('a')).to.equal(false);
      expect(await owned('b')).to.equal(false);
    });
  });
}
