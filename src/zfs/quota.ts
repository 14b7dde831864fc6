// Issue 13: the refusal of a quota below what a volume uses (one message for every store).
import { NodeError } from '../errors.js';
import { formatBytes } from '../plan/describe.js';

export function quotaRefusal(host: string, name: string, bytes: number, used: number): NodeError {
  return new NodeError(
    host,
    `volume ${name}: maximum_size ${formatBytes(bytes)} (${bytes} bytes) is below the ${formatBytes(used)} (${used} bytes) it already uses: not shrunk (free space in the application first, or keep a larger maximum_size)`,
    'E_VOLUME_QUOTA',
    'system',
  );
}
