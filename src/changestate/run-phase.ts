// One invocation of flocker-changestate for one phase: re-read this node's own state, put it
// in place of what the deploy side saw, recompute this node's part of the phase, execute it.
import { FlockerError } from '../errors.js';
import { planNodePhase } from '../plan/planner.js';
import type { ChangestateInput } from '../model/changestate-input.js';
import type { Change } from '../model/changes.js';
import type { Emit, NodeEvent } from '../model/events.js';
import type { NodeState } from '../model/state.js';
import type { NodeAdapters } from './adapters.js';
import { interpret } from './interpret.js';
import { parseChangestateInput } from '../validation/changestate-input.js';
import { dictFrom, own as ownKey } from '../util/own.js';

export class ProtocolError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_PROTOCOL', 'system');
  }
}

/** Parse and check what flocker-deploy sent on stdin (validation/changestate-input.ts). */
export { parseChangestateInput };

/** This node's change for the phase, planned from its fresh state. */
export function ownChange(input: ChangestateInput, own: NodeState): Change | undefined {
  const me = ownKey(input.cluster.nodes, input.self);
  if (!me) throw new Error(`no state for node ${input.self}`);
  const cluster = {
    nodes: dictFrom([
      ...Object.entries(input.cluster.nodes),
      [input.self, { address: me.address, state: own }],
    ]),
  };
  // this node's state is fresher than the others' (reported before the deploy's phases ran)
  return planNodePhase(input.desired, cluster, input.self, input.phase, {
    fresh: input.self,
    ...(input.forget ? { forget: input.forget } : {}),
  });
}

export async function runPhase(
  input: ChangestateInput,
  gatherOwnState: () => Promise<NodeState>,
  adapters: NodeAdapters,
  emit: Emit<NodeEvent>,
): Promise<Change | undefined> {
  const change = ownChange(input, await gatherOwnState());
  if (change)
    await interpret(change, {
      phase: input.phase,
      adapters,
      peers: input.peers,
      self: input.self,
      emit,
      ...(input.payloads ? { payloads: input.payloads } : {}),
    });
  return change;
}
