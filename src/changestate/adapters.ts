// What flocker-changestate needs from its node, as small interfaces. Real implementations
// (systemd+docker units, ZFS, ssh pushes, iptables) are wired in bin/; tests use fakes.
import type { Application } from '../model/application.js';
import type { ReportedRoute } from '../model/state.js';
import type { VolumeStore } from '../zfs/volume-store.js';

export interface AppUnits {
  start(
    app: Application,
    opts: { linkEnvironment: Record<string, string>; volumePath?: string },
  ): Promise<void>;
  stop(name: string): Promise<void>;
}

export interface Routes {
  set(routes: readonly ReportedRoute[]): Promise<unknown>;
}

/** Where a volume goes: the peer's verified address, port and name. */
export interface PeerTarget {
  readonly node: string;
  readonly address: string;
  readonly port: number;
}

export type TransferFigures = Readonly<Record<string, string | number | boolean>>;

export interface VolumeTransfer {
  push(name: string, to: PeerTarget): Promise<TransferFigures>;
  handoff(name: string, to: PeerTarget): Promise<TransferFigures>;
}

export interface NodeAdapters {
  readonly apps: AppUnits;
  readonly volumes: VolumeStore;
  readonly transfer: VolumeTransfer;
  readonly routes: Routes;
  /** pause between ownership checks of wait-for-volume */
  sleep(ms: number): Promise<void>;
}
