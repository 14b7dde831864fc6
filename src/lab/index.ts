// Programmatic API of flocker-lab (used by bin/flocker-lab.ts and test/helpers/lab.ts).
import { labDown as down } from './down.js';
import { stderrLog, type Log } from './host.js';
import { validateUpOptions, type RawUpOptions } from './options.js';
import { restartNode as restart } from './restart.js';
import { labUp as up, type UpResult } from './up.js';

export { labStatus, formatStatus } from './status.js';
export {
  cutNetwork,
  healNetwork,
  powerOff,
  powerOn,
  slowLink,
  unslowLink,
  fillPool,
  unfillPool,
} from './faults.js';
export { readLabState } from './state.js';
export { labIsUp } from './down.js';
export { usageText } from './up.js';
export { LabError, type Log } from './host.js';
export { labNames, nodeNames } from './names.js';
export type { LabState, LabNodeState, LabStatus, NodeStatus } from './types.js';
export type { UpResult } from './up.js';

/** Bring a lab up (raw options are validated; bad ones throw OptionError). */
export function labUp(opts: RawUpOptions, log: Log = stderrLog): Promise<UpResult> {
  return up(validateUpOptions(opts), log);
}

export function labDown(name: string, log: Log = stderrLog): Promise<{ seconds: number }> {
  return down(name, log);
}

export function restartNode(name: string, node: string, log: Log = stderrLog): Promise<{ seconds: number }> {
  return restart(name, node, log);
}
