// `flocker-changestate prune`: destroy the volumes and snapshots the deploy side listed, after
// checking each again here (nothing is destroyed unless every check passes):
// - only datasets under the volume parent (the VolumeStore's), only flocker snapshots;
// - never a volume in handing-off state, never one whose role or epoch changed since listed;
// - never an owned volume of an app in the application config;
// - never a dataset's newest snapshot (the base of its next incremental).
// Holds (flocker-base) are released by the VolumeStore before it destroys. Under the work lock,
// for the deploy holding this node's deploy lock (like apply), unless it only measures.
import { FlockerError, errorData } from '../errors.js';
import type { PruneInput, PruneResult } from '../model/prune-input.js';
import type { VolumeStore } from '../zfs/volume-store.js';
import { pruneLine } from './audit.js';
import type { NodeLock } from './deploy-lock.js';
import { holdWork } from './deploy-lock.js';
import type { NodeImages } from '../docker/images.js';

const refuse = (why: string) =>
  new FlockerError(`prune refused: ${why}; nothing was deleted here`, 'E_PRUNE_REFUSED');

export async function runPrune(
  input: PruneInput,
  volumes: VolumeStore,
  lock: NodeLock,
  appendAudit: (line: string) => Promise<void>,
  images?: NodeImages,
): Promise<PruneResult> {
  const work = input.dry_run ? undefined : await holdWork(lock, input.audit.deploy_id);
  const summary: string[] = [];
  try {
    const apps = new Set(input.applications);
    const result = {
      volumes: [] as PruneResult['volumes'][number][],
      snapshots: [] as PruneResult['snapshots'][number][],
      absent: [] as string[],
    };
    const toDestroy: string[] = [];
    const toPrune: { name: string; keep: string[] }[] = [];
    for (const t of input.volumes) {
      const v = await volumes.get(t.name);
      if (!v) {
        result.absent.push(t.name);
        continue;
      }
      if (v.role === 'handing-off') throw refuse(`volume ${t.name} is handing off`);
      if (v.role !== t.role || v.epoch !== t.epoch)
        throw refuse(
          `volume ${t.name} is now ${v.role} at epoch ${v.epoch} (listed as ${t.role} at epoch ${t.epoch})`,
        );
      if (v.role === 'owner' && apps.has(t.name))
        throw refuse(`volume ${t.name} is owned here and its app is in the application config`);
      result.volumes.push({ name: t.name, bytes: (await volumes.usage(t.name))?.used ?? 0 });
      toDestroy.push(t.name);
    }
    for (const t of input.snapshots) {
      const v = await volumes.get(t.name);
      if (!v) {
        result.absent.push(t.name);
        continue;
      }
      if (v.role === 'handing-off') throw refuse(`volume ${t.name} is handing off`);
      const newest = v.snapshots.at(-1);
      if (newest !== undefined && t.destroy.includes(newest))
        throw refuse(`${t.name}@${newest} is the newest snapshot of the volume`);
      const sizes = (await volumes.usage(t.name))?.snapshots ?? {};
      const destroy = t.destroy.filter((s) => v.snapshots.includes(s));
      for (const s of destroy) result.snapshots.push({ name: t.name, snapshot: s, bytes: sizes[s] ?? 0 });
      toPrune.push({ name: t.name, keep: v.snapshots.filter((s) => !destroy.includes(s)) });
    }
    // issue 13 item 1: only images recorded as sent here, and docker refuses one a container uses
    const shipped = new Set(images && input.images?.length ? await images.shipped() : []);
    const imageIds = (input.images ?? []).filter((id) => shipped.has(id));
    const removedImages: string[] = [];
    const bytes =
      result.volumes.reduce((a, x) => a + x.bytes, 0) + result.snapshots.reduce((a, x) => a + x.bytes, 0);
    if (!input.dry_run) {
      for (const name of toDestroy) {
        await volumes.destroy(name);
        summary.push(`destroy volume ${name}`);
      }
      for (const p of toPrune) {
        const n = result.snapshots.filter((s) => s.name === p.name).length;
        if (n === 0) continue;
        await volumes.pruneSnapshots(p.name, p.keep);
        summary.push(`destroy ${n} snapshot(s) of ${p.name}`);
      }
      for (const id of imageIds) {
        if (await images!.removeShipped(id)) {
          removedImages.push(id);
          summary.push(`remove image ${id}`);
        }
      }
      await appendAudit(pruneLine(input.audit, input.self, new Date(), summary));
    } else removedImages.push(...imageIds);
    return { ...result, bytes, ...(removedImages.length ? { images: removedImages } : {}) };
  } catch (e) {
    if (!input.dry_run)
      await appendAudit(pruneLine(input.audit, input.self, new Date(), summary, errorData(e))).catch(
        () => undefined,
      );
    throw e;
  } finally {
    await work?.release();
  }
}
