// Parsing the deploy lock's holder record, as every file and input we read.
import { parseDocument } from './problems.js';
import { validateLockHolderSchema } from './validators.js';

export interface LockHolder {
  readonly deploy_id: string;
  readonly user: string;
  /** the deploying machine's host name */
  readonly from: string;
  /** pid of flocker-deploy on the deploying machine */
  readonly deploy_pid: number;
  /** the node name this deploy gave the machine */
  readonly node?: string;
  readonly started_at: string;
  readonly config_hash: string;
  /** pid of the node-side holder process */
  readonly pid?: number;
}

/** Parse a holder record; throws E_PROTOCOL naming `what` and the JSON path of each problem. */
export function parseLockHolder(text: string, what: string): LockHolder {
  return parseDocument<LockHolder>(text, what, validateLockHolderSchema);
}
