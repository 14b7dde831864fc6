// dockerd leaks a port mapping when a node loses power while one of its containers starts: after
// the boot a docker-proxy listens on the port for no container, and `docker run -p` of that port
// fails with "port is already allocated" until dockerd restarts (a docker bug, moby#25981 and
// kin; our fault tests hit it: power-off of the receiver just as it starts the app). The check
// before a start finds such ports and repairs them when that costs nothing: a dockerd restart
// stops every container, so it is done only on a node where none runs.
import type { Listener } from '../routing/listeners.js';
import type { ApplicationUnits } from '../systemd/application-units.js';

export type StaleDockerPorts =
  | { readonly ports: readonly number[]; readonly restarted: true }
  | { readonly ports: readonly number[]; readonly restarted: false; readonly running: number };

/** `needed` ports a docker-proxy listens on while no running container publishes them. */
export function staleDockerPorts(
  listeners: readonly Listener[],
  published: readonly number[],
  needed: readonly number[],
): number[] {
  const want = new Set(needed);
  const pub = new Set(published);
  const ports = listeners
    // TCP only: the power-loss leak this repairs was seen on TCP ports (docker run -p refusing)
    .filter(
      (l) => l.program === 'docker-proxy' && l.protocol === undefined && want.has(l.port) && !pub.has(l.port),
    )
    .map((l) => l.port);
  return [...new Set(ports)].sort((a, b) => a - b);
}

/**
 * Find and, when no container runs here, repair stale docker port mappings of `needed` ports.
 * Undefined: none (or dockerd does not answer: the other checks say so).
 */
export async function repairStaleDockerPorts(
  listeners: readonly Listener[],
  needed: readonly number[],
  apps: ApplicationUnits,
): Promise<StaleDockerPorts | undefined> {
  if (!listeners.some((l) => l.program === 'docker-proxy')) return undefined;
  let docker;
  try {
    docker = await apps.dockerPorts();
  } catch {
    return undefined;
  }
  const ports = staleDockerPorts(listeners, docker.published, needed);
  if (ports.length === 0) return undefined;
  if (docker.running > 0) return { ports, restarted: false, running: docker.running };
  await apps.restartDocker();
  return { ports, restarted: true };
}

export function staleDockerPortsMessage(s: StaleDockerPorts & { restarted: false }): string {
  const which = s.ports.length === 1 ? `port ${s.ports[0]} is` : `ports ${s.ports.join(', ')} are`;
  return (
    `${which} held by a docker-proxy of no running container: dockerd keeps such a stale port ` +
    `mapping after an unclean shutdown (a docker bug). Restarting dockerd clears it ` +
    `(systemctl restart docker), but it stops the ${s.running} container(s) running here, so ` +
    `flocker leaves that to you`
  );
}
