// JSON schemas of the canonical Application and the DesiredConfig (as flocker-deploy sends them
// to the node side and as the recorded unit spec holds them). Composed from the config file's
// application entry, so both accept the same values. Data only.
import { applicationEntrySchema } from '../config/schema.js';
import { APP_NAME_PATTERN, APP_NAME_RULE, NODE_NAME_PATTERN, NODE_NAME_RULE } from '../model/names.js';

export const appNameSchema = {
  type: 'string',
  pattern: APP_NAME_PATTERN,
  description: APP_NAME_RULE,
} as const;
export const nodeNameSchema = {
  type: 'string',
  pattern: NODE_NAME_PATTERN,
  description: NODE_NAME_RULE,
} as const;

/** Application (model/application.ts): a config entry plus its name, every list and mapping present. */
export const canonicalApplicationSchema = {
  ...applicationEntrySchema,
  description: 'an application in canonical form',
  required: ['name', 'image', 'ports', 'links', 'environment', 'restart_policy'],
  properties: { name: appNameSchema, ...applicationEntrySchema.properties },
} as const;

/** DesiredConfig (model/deployment.ts). */
export const desiredConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['applications', 'nodes'],
  properties: {
    applications: {
      type: 'object',
      propertyNames: { pattern: APP_NAME_PATTERN, description: APP_NAME_RULE },
      additionalProperties: canonicalApplicationSchema,
    },
    nodes: {
      type: 'object',
      propertyNames: { pattern: NODE_NAME_PATTERN, description: NODE_NAME_RULE },
      additionalProperties: { type: 'array', items: appNameSchema },
    },
  },
} as const;
