// Every JSON-schema validator, compiled once. `npm run build` generates standalone validator
// code (scripts/gen-validators.mjs -> validators.generated.js beside this file) so a deploy does
// not spend ~0.2 s compiling schemas at start; without it they are compiled here at load.
import type { ValidateFunction } from 'ajv';
import {
  AJV_OPTIONS,
  applicationConfigSchema,
  applicationEntrySchema,
  deploymentConfigSchema,
} from '../config/schema.js';
import { nodeStateSchema } from '../model/node-state-schema.js';

export const SCHEMAS = {
  entry: applicationEntrySchema,
  applicationConfig: applicationConfigSchema,
  deploymentConfig: deploymentConfigSchema,
  nodeState: nodeStateSchema,
} as const;
type Validators = Record<keyof typeof SCHEMAS, ValidateFunction>;

async function load(): Promise<[Validators, 'generated' | 'compiled']> {
  try {
    const url = new URL('./validators.generated.js', import.meta.url).href;
    return [(await import(url)) as Validators, 'generated'];
  } catch {
    const { Ajv } = await import('ajv');
    const ajv = new Ajv(AJV_OPTIONS);
    const out = {} as Record<string, ValidateFunction>;
    for (const [k, schema] of Object.entries(SCHEMAS)) out[k] = ajv.compile(schema);
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
