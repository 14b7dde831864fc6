// NAME.json, the spec recorded next to an application's unit, read back exactly.
import { FlockerError } from '../errors.js';
import { applicationProblems } from './application.js';
import { summarize, validate } from './problems.js';
import type { RecordedSpec } from './recorded-spec-schema.js';
import { validateRecordedSpecSchema } from './validators.js';

export { SPEC_FORMAT } from './recorded-spec-schema.js';
export type { RecordedSpec } from './recorded-spec-schema.js';

/** Parse NAME.json back into the exact Application it recorded; throws E_SPEC naming the file. */
export function parseRecordedSpec(text: string, file: string): RecordedSpec {
  const damaged = (why: string): FlockerError =>
    new FlockerError(`${file}: damaged application spec: ${why}`, 'E_SPEC', 'system');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw damaged(`not JSON: ${(e as Error).message}`);
  }
  const problems = validate(validateRecordedSpecSchema, v);
  if (problems.length === 0)
    problems.push(...applicationProblems((v as RecordedSpec).application, ['application']));
  if (problems.length) throw damaged(summarize(problems));
  return v as RecordedSpec;
}
