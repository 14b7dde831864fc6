// Every JSON-schema validator, compiled once. `npm run build` generates standalone validator
// code (scripts/gen-validators.mjs -> validators.generated.js beside this file) so a program
// does not spend ~0.2 s compiling schemas at start; without it they are compiled here at load.
// The schemas themselves (schemas.ts) are imported only then: the generated code needs none.
import type { ValidateFunction } from 'ajv';
import type { SCHEMAS } from './schemas.js';

type Validators = Record<keyof typeof SCHEMAS, ValidateFunction>;

async function load(): Promise<[Validators, 'generated' | 'compiled']> {
  try {
    // a literal specifier, so that esbuild bundles the generated code into the node agent (a
    // computed URL made the agent compile every schema at each start: 1.3 s of CPU per command)
    return [(await import('./validators.generated.js')) as unknown as Validators, 'generated'];
  } catch {
    const [{ Ajv }, { AJV_OPTIONS }, { SCHEMAS: schemas }] = await Promise.all([
      import('ajv'),
      import('../config/schema.js'),
      import('./schemas.js'),
    ]);
    const ajv = new Ajv(AJV_OPTIONS);
    const out = {} as Record<string, ValidateFunction>;
    for (const [k, schema] of Object.entries(schemas)) out[k] = ajv.compile(schema);
    return [out as Validators, 'compiled'];
  }
}

const [v, source] = await load();
/** where the validators came from: the build's generated code, or compiled at load */
export const VALIDATORS_SOURCE = source;
export const validateEntrySchema: ValidateFunction = v.entry;
export const validateApplicationConfigSchema: ValidateFunction = v.applicationConfig;
export const validateDeploymentConfigSchema: ValidateFunction = v.deploymentConfig;
export const validateNodeStateSchema: ValidateFunction = v.nodeState;
export const validateChangestateInputSchema: ValidateFunction = v.changestateInput;
export const validateTrustInputSchema: ValidateFunction = v.trustInput;
export const validateRecordedSpecSchema: ValidateFunction = v.recordedSpec;
export const validateRoutesFileSchema: ValidateFunction = v.routesFile;
export const validateLockHolderSchema: ValidateFunction = v.lockHolder;
export const validateMembershipSchema: ValidateFunction = v.membership;
export const validateAuditLineSchema: ValidateFunction = v.auditLine;
export const validateStatusReportSchema: ValidateFunction = v.statusReport;
export const validatePruneInputSchema: ValidateFunction = v.pruneInput;
