// Refusals decided before any node is asked to change anything (pure). Every node answers on
// every placed application's external ports (the app's own node through docker, every other node
// through a DNAT route), so an external port that is a node's ssh port would take ssh away from
// that node: the deploy and every later one would lose their way in.
import { FlockerError } from '../errors.js';
import type { ErrorSource } from '../errors.js';
import type { DesiredConfig } from '../model/deployment.js';
import type { ClusterState } from '../model/state.js';
import { quotaShrinkProblems } from './planner.js';
import { own } from '../util/own.js';

export interface SshPortConflict {
  readonly application: string;
  readonly port: number;
  /** nodes whose ssh port it is, sorted */
  readonly nodes: readonly string[];
}

/** Placed applications' external ports that are the ssh port of some node of the deployment. */
export function sshPortConflicts(
  desired: DesiredConfig,
  sshPorts: Readonly<Record<string, number>>,
): SshPortConflict[] {
  const placed = new Set(Object.values(desired.nodes).flat());
  const out: SshPortConflict[] = [];
  for (const name of [...placed].sort()) {
    for (const p of own(desired.applications, name)?.ports ?? []) {
      const nodes = Object.keys(sshPorts)
        .filter((n) => own(sshPorts, n) === p.external)
        .sort();
      if (nodes.length) out.push({ application: name, port: p.external, nodes });
    }
  }
  return out;
}

/**
 * Throws E_SSH_PORT_ROUTED. The fix is in the application config. flocker-deploy checks the
 * ports from the ssh config before contacting any node (source 'user', exit 2), and again with
 * the ports as connected, after contact (source 'system', exit 1: exit 2 promises that no node
 * was contacted), in both cases before any change.
 */
export function refuseSshPorts(
  desired: DesiredConfig,
  sshPorts: Readonly<Record<string, number>>,
  source: ErrorSource = 'system',
): void {
  const conflicts = sshPortConflicts(desired, sshPorts);
  if (conflicts.length === 0) return;
  throw new FlockerError(
    conflicts
      .map(
        (c) =>
          `application ${c.application}: external port ${c.port} is the ssh port of node ${c.nodes.join(', ')}: every node answers on it, so routing it would cut off ssh access to those nodes; choose another external port`,
      )
      .join('\n'),
    'E_SSH_PORT_ROUTED',
    source,
  );
}

/**
 * Issue 13: throws E_VOLUME_QUOTA when an app's volume.maximum_size is below what its volume
 * already holds (the owner's reported bytes), before any change; each such app with both figures.
 */
export function refuseQuotaShrink(desired: DesiredConfig, cluster: ClusterState): void {
  const problems = quotaShrinkProblems(desired, cluster);
  // known only after contact (the owner's reported bytes): exit 1, like E_SSH_PORT_ROUTED
  if (problems.length) throw new FlockerError(problems.join('\n'), 'E_VOLUME_QUOTA', 'system');
}
