// Parsing `flocker-changestate prune` input, as every input we read.
import type { PruneInput } from '../model/prune-input.js';
import { parseDocument } from './problems.js';
import { validatePruneInputSchema } from './validators.js';

export function parsePruneInput(text: string): PruneInput {
  return parseDocument<PruneInput>(text, 'prune input', validatePruneInputSchema);
}
