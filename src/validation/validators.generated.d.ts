// Types of dist/src/validation/validators.generated.js, which `npm run build` generates
// (scripts/gen-validators.mjs): one standalone ajv validator per schema of schemas.ts.
import type { ValidateFunction } from 'ajv';

export declare const entry: ValidateFunction;
