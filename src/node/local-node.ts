// The real adapters of the node this program runs on, wired once for reportstate and
// changestate alike.
import { hostname } from 'node:os';
import { LocalRunner } from '../exec/local-runner.js';
import { IptablesRouteTable } from '../routing/route-table.js';
import { restoreRoutesOnThisNode } from '../routing/restore.js';
import { MEMBERSHIP_FILE, gatherState, readIdentity, readMembership } from '../reportstate/gather.js';
import type { StateAdapters } from '../reportstate/gather.js';
import { SystemdApplicationUnits } from '../systemd/application-units.js';
import { applyLinkNat } from '../systemd/link-nat-apply.js';
import { RunnerNodeFiles } from '../exec/node-files.js';
import { DockerNodeImages } from '../docker/images.js';
import { localSpawner } from '../exec/spawn.js';
import { ZfsVolumeStore } from '../zfs/zfs-volume-store.js';
import type { ChangestateNode } from '../changestate/adapters.js';
import { AUDIT_LOG, appendAuditText } from '../changestate/audit.js';
import { SshPeerTransport } from '../changestate/peer-transport.js';
import { applyTrust, ensurePeerKey } from '../changestate/trust.js';
import { PeerVolumeTransfer } from '../changestate/volume-transfer.js';
import { LOCK_DIR } from '../changestate/deploy-lock.js';
import { FlockFileLocks } from '../exec/file-lock.js';
import { readFile } from 'node:fs/promises';

/**
 * `flocker-changestate lock ...`, as a bin or through the node agent
 * (`node .../flocker-agent.mjs changestate lock ...`).
 */
export function isLockHolderCommand(args: readonly string[]): boolean {
  const bin = args.findIndex(
    (a) => a.endsWith('flocker-changestate') || a.endsWith('flocker-changestate.js'),
  );
  if (bin >= 0 && args[bin + 1] === 'lock') return true;
  const agent = args.findIndex((a) => a.endsWith('/flocker-agent.mjs'));
  return agent >= 0 && args[agent + 1] === 'changestate' && args[agent + 2] === 'lock';
}

/** SIGTERM to `pid` only if it is a `flocker-changestate lock` process (never anything else). */
async function endLockHolder(pid: number): Promise<boolean> {
  let args: string[];
  try {
    args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return false;
  }
  if (!isLockHolderCommand(args)) return false;
  process.kill(pid, 'SIGTERM');
  return true;
}

export interface LocalNode extends ChangestateNode {
  readonly runner: LocalRunner;
  readonly state: StateAdapters;
}

export function localNode(): LocalNode {
  const host = hostname();
  const runner = new LocalRunner(host);
  const files = new RunnerNodeFiles(runner);
  const units = new SystemdApplicationUnits(runner, files);
  const volumes = new ZfsVolumeStore(runner);
  const routes = new IptablesRouteTable(runner, files);
  const images = new DockerNodeImages(runner, files, localSpawner); // issue 13 item 1
  const state: StateAdapters = {
    identity: () => readIdentity(files, host),
    units,
    volumes,
    routes,
    membership: () => readMembership(files),
    images: async () => ({ images: await images.list(), shipped: await images.shipped() }),
  };
  return {
    runner,
    state,
    gather: () => gatherState(state),
    adapters: () => ({
      apps: units,
      volumes,
      routes,
      transfer: new PeerVolumeTransfer(volumes, new SshPeerTransport(), host),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    }),
    peerKey: () => ensurePeerKey(),
    trust: (self, peers) => applyTrust(self, peers),
    appendAudit: (line) => appendAuditText(line),
    readAudit: async () => (await files.read(AUDIT_LOG)) ?? '',
    restoreRoutes: () => restoreRoutesOnThisNode(),
    linkNat: (name) => applyLinkNat(runner, files, name),
    remember: (m) => files.write(MEMBERSHIP_FILE, `${JSON.stringify(m, null, 2)}\n`, 0o600),
    lock: { locks: new FlockFileLocks(), files, dir: LOCK_DIR, pid: process.pid },
    endLockHolder,
    images: () => images,
  };
}
