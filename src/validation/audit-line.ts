// One audit log line, validated like every file we read and write.
import type { AuditLine } from '../model/audit.js';
import { parseDocument } from './problems.js';
import { validateAuditLineSchema } from './validators.js';

/** Parse one line; throws E_PROTOCOL naming `what` and the JSON path of each problem. */
export function parseAuditLine(text: string, what: string): AuditLine {
  return parseDocument<AuditLine>(text, what, validateAuditLineSchema);
}

/** Whether a value is a valid audit line (what the writer checks before appending). */
export function isAuditLine(v: unknown): v is AuditLine {
  return validateAuditLineSchema(v) === true;
}
