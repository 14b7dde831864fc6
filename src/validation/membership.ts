// The cluster membership record: what `flocker-changestate remember` takes and what it writes to
// /var/lib/flocker/cluster.json, validated like every file and input we read.
import { FlockerError } from '../errors.js';
import type { Membership } from '../model/state.js';
import { summarize, validate } from './problems.js';
import { validateMembershipSchema } from './validators.js';

export function parseMembership(text: string, what: string): Membership {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FlockerError(`${what}: not JSON: ${(e as Error).message}`, 'E_PROTOCOL');
  }
  const problems = validate(validateMembershipSchema, v);
  if (problems.length) throw new FlockerError(`${what}: ${summarize(problems)}`, 'E_PROTOCOL');
  return v as Membership;
}
