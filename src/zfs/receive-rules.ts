// When a receive must be refused so that no data is destroyed: one rule set, used by
// ZfsVolumeStore and FakeVolumeStore alike (the contract suite holds both to it). Pure.
import { NodeError } from '../errors.js';
import type { LocalVolume, ReceivedRecord } from './volume-store.js';

/** The error to refuse with, or undefined when receiving `from` (or a full stream) is safe. */
export function receiveRefusal(
  host: string,
  name: string,
  vol: LocalVolume | undefined,
  from: string | undefined,
  record: ReceivedRecord | undefined,
): NodeError | undefined {
  if (!vol) {
    return from === undefined
      ? undefined
      : new NodeError(
          host,
          `cannot receive incremental stream for ${name}: base snapshot ${from} not held here`,
          'E_NO_BASE',
        );
  }
  if (vol.role !== 'copy') {
    return new NodeError(
      host,
      `refusing to receive into volume ${name}: this node ${vol.role === 'owner' ? 'owns it' : 'is handing it off'}`,
      'E_VOLUME_OWNED',
    );
  }
  if (record && vol.lineage !== undefined && vol.lineage !== record.lineage) {
    return new NodeError(
      host,
      `refusing to receive into volume ${name}: the copy here is another volume of the same name (lineage ${vol.lineage}, stream ${record.lineage}); it is kept`,
      'E_VOLUME_CONFLICT',
    );
  }
  if (from !== undefined) {
    const i = vol.snapshots.indexOf(from);
    if (i < 0)
      return new NodeError(
        host,
        `cannot receive incremental stream for ${name}: base snapshot ${from} not held here`,
        'E_NO_BASE',
      );
    const later = vol.snapshots.slice(i + 1);
    if (later.length)
      return new NodeError(
        host,
        `refusing to receive into volume ${name}: the copy here holds snapshots the sender lacks (${later.join(', ')}); it is kept as it is`,
        'E_VOLUME_DIVERGED',
      );
    return undefined;
  }
  // a full stream replaces the copy only if the copy is known older: same lineage (checked
  // above), an epoch not above the stream's, or no snapshot at all
  if (vol.snapshots.length === 0) return undefined;
  if (record && vol.epoch <= record.epoch) return undefined;
  return new NodeError(
    host,
    `refusing to replace volume ${name} with a full stream: the copy here (epoch ${vol.epoch}, newest ${vol.snapshots[vol.snapshots.length - 1] ?? '-'}) is not known to be older${record ? ` than the stream (epoch ${record.epoch})` : ''}; it is kept as it is`,
    'E_VOLUME_DIVERGED',
  );
}
