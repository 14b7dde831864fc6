// The real adapters of the node this program runs on, wired once for reportstate and
// changestate alike.
import { hostname } from 'node:os';
import { LocalRunner } from '../exec/local-runner.js';
import { IptablesRouteTable } from '../routing/route-table.js';
import { gatherState, readIdentity } from '../reportstate/gather.js';
import type { StateAdapters } from '../reportstate/gather.js';
import { SystemdApplicationUnits } from '../systemd/application-units.js';
import { RunnerNodeFiles } from '../exec/node-files.js';
import { ZfsVolumeStore } from '../zfs/zfs-volume-store.js';
import type { NodeState } from '../model/state.js';
import type { NodeAdapters, PeerTarget, TransferFigures, VolumeTransfer } from '../changestate/adapters.js';
import {
  handoffVolume,
  pushVolume,
  SshPeerTransport,
  transferFigures,
} from '../changestate/volume-transfer.js';
import type { VolumeStore } from '../zfs/volume-store.js';

export interface LocalNode {
  readonly runner: LocalRunner;
  readonly state: StateAdapters;
  gather(): Promise<NodeState>;
  adapters(): NodeAdapters;
}

class SshVolumeTransfer implements VolumeTransfer {
  private readonly transport = new SshPeerTransport();
  constructor(
    private readonly store: VolumeStore,
    private readonly self: string,
  ) {}
  async push(name: string, to: PeerTarget): Promise<TransferFigures> {
    return transferFigures(
      await pushVolume(this.store, name, to, { transport: this.transport, self: this.self }),
    );
  }
  async handoff(name: string, to: PeerTarget): Promise<TransferFigures> {
    return transferFigures(
      await handoffVolume(this.store, name, to, { transport: this.transport, self: this.self }),
    );
  }
}

export function localNode(): LocalNode {
  const host = hostname();
  const runner = new LocalRunner(host);
  const files = new RunnerNodeFiles(runner);
  const units = new SystemdApplicationUnits(runner, files);
  const volumes = new ZfsVolumeStore(runner);
  const routes = new IptablesRouteTable(runner, files);
  const state: StateAdapters = { identity: () => readIdentity(files, host), units, volumes, routes };
  return {
    runner,
    state,
    gather: () => gatherState(state),
    adapters: () => ({
      apps: units,
      volumes,
      routes,
      transfer: new SshVolumeTransfer(volumes, host),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    }),
  };
}
