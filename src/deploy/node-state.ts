// Reading a node's reportstate output on the deploy side: JSON, protocol version, schema.
import { NodeError } from '../errors.js';
import { PROTOCOL_VERSION } from '../model/state.js';
import type { NodeState } from '../model/state.js';
import { validateNodeState } from '../validation/node-state.js';

export function parseNodeState(node: string, text: string): NodeState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new NodeError(
      node,
      `flocker-reportstate printed something that is not JSON: ${text.slice(0, 200)}`,
      'E_PROTOCOL',
    );
  }
  const protocol = (v as { protocol?: unknown } | null)?.protocol;
  if (protocol !== PROTOCOL_VERSION) {
    throw new NodeError(
      node,
      `flocker-reportstate speaks protocol ${String(protocol)}, this flocker-deploy speaks ${PROTOCOL_VERSION}: ` +
        'install the same flocker version on the node and where you deploy from',
      'E_PROTOCOL',
    );
  }
  const problems = validateNodeState(v);
  if (problems.length) {
    throw new NodeError(
      node,
      `flocker-reportstate output does not match the schema:\n${problems.join('\n')}`,
      'E_PROTOCOL',
    );
  }
  return v as NodeState;
}
