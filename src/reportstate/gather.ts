// flocker-reportstate's core (pure over adapters): one versioned NodeState document.
import { PROTOCOL_VERSION } from '../model/state.js';
import type {
  Membership,
  NodeState,
  ReportedApplication,
  ReportedImage,
  ReportedVolume,
} from '../model/state.js';
import { parseMembership } from '../validation/membership.js';
import { toConfigEntry } from '../model/canonical.js';
import type { ApplicationUnits } from '../systemd/application-units.js';
import type { LocalVolume, VolumeStore } from '../zfs/volume-store.js';
import type { RouteTable } from '../routing/route-table.js';
import type { NodeFiles } from '../exec/node-files.js';
import { FlockerError } from '../errors.js';
import { dict, own } from '../util/own.js';

export interface NodeIdentity {
  readonly hostname: string;
  readonly machine_id: string;
  readonly peer_public_key?: string;
}

export interface StateAdapters {
  identity(): Promise<NodeIdentity>;
  readonly units: ApplicationUnits;
  readonly volumes: VolumeStore;
  readonly routes: RouteTable;
  /** the cluster this node remembers (absent: none recorded) */
  membership?(): Promise<Membership | undefined>;
  /** issue 13 item 1: the node's images and those the deploy sent (absent: not reported) */
  images?(): Promise<{ images: ReportedImage[]; shipped: string[] }>;
}

export async function gatherState(a: StateAdapters): Promise<NodeState> {
  const [node, apps, unitStates, volumes, routes, sizes, quotas, guard] = await Promise.all([
    a.identity(),
    a.units.list(),
    a.units.unitStates(),
    a.volumes.list(),
    a.routes.list(),
    a.volumes.sizes(),
    a.volumes.quotas(),
    a.routes.guard(),
  ]);
  const membership = await a.membership?.();
  const imgs = await a.images?.();
  const applications = dict<ReportedApplication>();
  for (const x of [...apps].sort((p, q) => (p.application.name < q.application.name ? -1 : 1))) {
    const u = own(unitStates, x.application.name);
    applications[x.application.name] = {
      spec: toConfigEntry(x.application),
      running: x.running,
      ...(u ? { unit_state: u.state, ...(u.since !== undefined ? { since: u.since } : {}) } : {}),
    };
  }
  const vol = (v: LocalVolume): ReportedVolume => {
    const newest = v.snapshots[v.snapshots.length - 1];
    const guid = newest !== undefined ? v.guids[newest] : undefined;
    return {
      name: v.name,
      snapshots: [...v.snapshots],
      role: v.role,
      epoch: v.epoch,
      ...(v.owner !== undefined ? { owner: v.owner } : {}),
      ...(v.lineage !== undefined ? { lineage: v.lineage } : {}),
      ...(v.handoff !== undefined ? { handoff: { ...v.handoff } } : {}),
      ...(guid !== undefined ? { newest_guid: guid } : {}),
      ...(own(sizes, v.name) !== undefined ? { bytes: own(sizes, v.name) } : {}),
      ...(own(quotas, v.name) !== undefined ? { quota: own(quotas, v.name) } : {}),
    };
  };
  return {
    protocol: PROTOCOL_VERSION,
    node: {
      hostname: node.hostname,
      machine_id: node.machine_id,
      ...(node.peer_public_key !== undefined ? { peer_public_key: node.peer_public_key } : {}),
    },
    applications,
    owned_volumes: volumes.filter((v) => v.owned).map(vol),
    volume_copies: volumes.filter((v) => !v.owned).map(vol),
    ...(membership !== undefined ? { membership } : {}),
    ...(imgs !== undefined ? { images: imgs.images, shipped_images: imgs.shipped } : {}),
    routes: routes.map((r) => ({
      port: r.port,
      target_address: r.target_address,
      target_port: r.target_port,
      ...(r.protocol === 'udp' ? { protocol: r.protocol } : {}),
    })),
    ...(guard ? { route_guard: { ports: [...guard.ports], sources: [...guard.sources] } } : {}),
  };
}

export const MACHINE_ID_FILE = '/etc/machine-id';
export const PEER_PUBLIC_KEY_FILE = '/var/lib/flocker/peer/id_ed25519.pub';

/** Node identity from files: /etc/machine-id (required) and the peer public key (optional). */
export async function readIdentity(files: NodeFiles, hostname: string): Promise<NodeIdentity> {
  const machineId = (await files.read(MACHINE_ID_FILE))?.trim();
  if (!machineId) throw new FlockerError(`${MACHINE_ID_FILE} is missing or empty`, 'E_IDENTITY', 'system');
  const key = (await files.read(PEER_PUBLIC_KEY_FILE))?.trim();
  return { hostname, machine_id: machineId, ...(key ? { peer_public_key: key } : {}) };
}

export const MEMBERSHIP_FILE = '/var/lib/flocker/cluster.json';

/** The membership record this node keeps (validated; a damaged file is an error, not a guess). */
export async function readMembership(files: NodeFiles): Promise<Membership | undefined> {
  const text = await files.read(MEMBERSHIP_FILE);
  return text === undefined ? undefined : parseMembership(text, MEMBERSHIP_FILE);
}
