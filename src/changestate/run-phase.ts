// One invocation of flocker-changestate for one phase: re-read this node's own state, put it
// in place of what the deploy side saw, recompute this node's part of the phase, execute it.
import { FlockerError } from '../errors.js';
import { planNodePhase } from '../plan/planner.js';
import type { ChangestateInput } from '../model/changestate-input.js';
import { PHASES } from '../model/changes.js';
import type { Change } from '../model/changes.js';
import type { Emit, NodeEvent } from '../model/events.js';
import { PROTOCOL_VERSION } from '../model/state.js';
import type { NodeState } from '../model/state.js';
import type { NodeAdapters } from './adapters.js';
import { interpret } from './interpret.js';

export class ProtocolError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_PROTOCOL', 'system');
  }
}

/** Parse and check what flocker-deploy sent on stdin. */
export function parseChangestateInput(text: string): ChangestateInput {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`input is not JSON: ${(e as Error).message}`);
  }
  const o = v as Partial<ChangestateInput> | null;
  if (!o || typeof o !== 'object') throw new ProtocolError('input is not a JSON object');
  if (o.protocol !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      `protocol ${String(o.protocol)} sent by flocker-deploy, this node speaks ${PROTOCOL_VERSION}: install the same flocker version on both sides`,
    );
  }
  if (!PHASES.includes(o.phase as never)) throw new ProtocolError(`unknown phase ${String(o.phase)}`);
  if (typeof o.self !== 'string' || !o.cluster?.nodes?.[o.self] || !o.desired?.nodes) {
    throw new ProtocolError('input lacks self, cluster state or desired configuration');
  }
  return o as ChangestateInput;
}

/** This node's change for the phase, planned from its fresh state. */
export function ownChange(input: ChangestateInput, own: NodeState): Change | undefined {
  const me = input.cluster.nodes[input.self]!;
  const cluster = { nodes: { ...input.cluster.nodes, [input.self]: { address: me.address, state: own } } };
  return planNodePhase(input.desired, cluster, input.self, input.phase);
}

export async function runPhase(
  input: ChangestateInput,
  gatherOwnState: () => Promise<NodeState>,
  adapters: NodeAdapters,
  emit: Emit<NodeEvent>,
): Promise<Change | undefined> {
  const change = ownChange(input, await gatherOwnState());
  if (change) await interpret(change, { phase: input.phase, adapters, peers: input.peers, emit });
  return change;
}
