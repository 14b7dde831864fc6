// Views of a prune: what would go (or went), how big, the total, and what was kept and why.
import { formatBytes } from '../plan/describe.js';
import type { PruneReport } from './prune.js';
import { table } from './table.js';

export function pruneText(r: PruneReport): string {
  const rows: string[][] = [];
  for (const v of r.plan.volumes) {
    const m = r.nodes[v.node]?.volumes.find((x) => x.name === v.name);
    rows.push([
      v.node,
      v.name,
      v.why === 'stale copy' ? 'stale copy' : `volume of removed app (${v.role})`,
      m ? formatBytes(m.bytes) : v.bytes !== undefined ? formatBytes(v.bytes) : '-',
    ]);
  }
  for (const x of r.plan.snapshots) {
    const m = r.nodes[x.node]?.snapshots.filter((s) => s.name === x.name) ?? [];
    rows.push([
      x.node,
      x.name,
      `${x.snapshots.length} old snapshot${x.snapshots.length === 1 ? '' : 's'}`,
      formatBytes(m.reduce((a, s) => a + s.bytes, 0)),
    ]);
  }
  for (const i of r.plan.images ?? []) {
    // issue 13 item 1: images we sent that no app uses (their size is not measured)
    const gone = r.nodes[i.node]?.images?.includes(i.image_id);
    rows.push([
      i.node,
      i.tags[0] ?? i.image_id.slice(7, 19),
      `unused image we sent${gone === false ? ' (kept: in use)' : ''}`,
      '-',
    ]);
  }
  let out =
    rows.length === 0
      ? 'Nothing to prune.\n'
      : table(
          [
            'NODE',
            // a column of volumes, unless images are listed too
            (r.plan.images ?? []).length ? 'VOLUME/IMAGE' : 'VOLUME',
            'WHAT',
            'SIZE',
          ],
          rows,
        ) + `${r.applied ? 'Deleted' : 'Total'}: ${formatBytes(r.bytes)}\n`;
  for (const k of r.plan.kept) out += `kept ${k.name}: ${k.why}\n`;
  if (rows.length && !r.applied) out += 'Nothing was deleted: run again with --yes to delete these.\n';
  return out;
}

export const pruneJson = (r: PruneReport): string =>
  `${JSON.stringify({ format: 'flocker-prune', version: 1, ...r }, null, 2)}\n`;
