// Validation of a NodeState document on the deploy side.
import { validateNodeStateSchema } from './validators.js';

export { nodeStateSchema } from '../model/node-state-schema.js';

/** Problems with a NodeState document ('' path = the document), [] when valid. */
export function validateNodeState(value: unknown): string[] {
  const compiled = validateNodeStateSchema;
  if (compiled(value)) return [];
  return (compiled.errors ?? []).map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : '';
    return `${e.instancePath || '(document)'}: ${e.message ?? 'invalid'}${extra}`;
  });
}
