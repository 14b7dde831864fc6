// The cluster membership record: what `flocker-changestate remember` takes and what it writes to
// /var/lib/flocker/cluster.json, validated like every file and input we read.
import type { Membership } from '../model/state.js';
import { parseDocument } from './problems.js';
import { validateMembershipSchema } from './validators.js';

export function parseMembership(text: string, what: string): Membership {
  return parseDocument<Membership>(text, what, validateMembershipSchema);
}
