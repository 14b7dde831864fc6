// Views of a StatusReport: one plain table per section, or the JSON document (docs/status.md).
import { formatBytes } from '../plan/describe.js';
import type { StatusReport } from '../model/status.js';
import { table } from './table.js';

export function statusJson(r: StatusReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export function statusText(r: StatusReport): string {
  const out: string[] = [];
  out.push(
    'NODES\n' +
      table(
        ['NODE', 'ADDRESS', 'STATE', 'DEPLOY LOCK'],
        r.nodes.map((n) => [
          n.name,
          n.address ?? '-',
          n.reachable ? 'reachable' : `unreachable: ${n.error?.code ?? ''} ${firstLine(n.error?.message)}`,
          !n.lock
            ? '-'
            : !n.lock.held
              ? 'free'
              : n.lock.holder
                ? `held by ${n.lock.holder.user} on ${n.lock.holder.from} (pid ${n.lock.holder.deploy_pid}) since ${n.lock.holder.since}`
                : 'held (holder unknown)',
        ]),
      ),
  );
  out.push(
    'APPLICATIONS\n' +
      (r.applications.length === 0
        ? '(none)\n'
        : table(
            ['APP', 'NODE', 'STATE', 'IMAGE', 'SINCE', 'PORTS', 'VOLUME'],
            r.applications.map((a) => [
              a.name,
              a.node,
              a.state,
              a.image ?? '-',
              a.since ?? '-',
              a.ports.map((p) => `${p.external}->${p.internal}`).join(',') || '-',
              a.volume ? 'yes' : '-',
            ]),
          )),
  );
  out.push(
    'VOLUMES\n' +
      (r.volumes.length === 0
        ? '(none)\n'
        : table(
            ['VOLUME', 'OWNER', 'COPIES', 'SIZE', 'NEWEST SNAPSHOT', 'EPOCH'],
            r.volumes.map((v) => [
              v.name,
              v.handing_off
                ? `handing off ${v.handing_off.from} -> ${v.handing_off.to}`
                : v.owners.length === 0
                  ? '(none reachable)'
                  : v.owners.length > 1
                    ? `CONFLICT: ${v.owners.join(', ')}`
                    : v.owners[0]!,
              v.copies.join(',') || '-',
              v.bytes !== undefined ? formatBytes(v.bytes) : '-',
              v.newest_snapshot ?? '-',
              String(v.epoch),
            ]),
          )),
  );
  out.push(
    'ROUTES\n' +
      (r.routes.length === 0
        ? '(none)\n'
        : table(
            ['NODE', 'PORT', 'TO'],
            r.routes.map((x) => [
              x.node,
              `${x.port}${x.protocol === 'udp' ? '/udp' : ''}`,
              `${x.target_node ? `${x.target_node} ` : ''}${x.target_address}:${x.target_port}`,
            ]),
          )),
  );
  if (!r.complete) out.push('Some nodes did not answer: what they hold is not shown.\n');
  return out.join('\n');
}

const firstLine = (s: string | undefined) => (s ?? '').split('\n')[0] ?? '';
