// Every JSON schema with a validator: the build generates standalone code for each
// (scripts/gen-validators.mjs); validators.ts compiles them only when that code is missing.
import { applicationConfigSchema, applicationEntrySchema, deploymentConfigSchema } from '../config/schema.js';
import { membershipSchema, nodeStateSchema } from '../model/node-state-schema.js';
import { changestateInputSchema, trustInputSchema } from './changestate-input-schema.js';
import { recordedSpecSchema } from './recorded-spec-schema.js';
import { routesFileSchema } from './routes-file-schema.js';
import { lockHolderSchema } from './lock-holder-schema.js';
import { auditLineSchema } from '../model/audit-schema.js';
import { statusReportSchema } from '../model/status-schema.js';
import { pruneInputSchema } from './prune-input-schema.js';

export const SCHEMAS = {
  entry: applicationEntrySchema,
  applicationConfig: applicationConfigSchema,
  deploymentConfig: deploymentConfigSchema,
  nodeState: nodeStateSchema,
  changestateInput: changestateInputSchema,
  trustInput: trustInputSchema,
  recordedSpec: recordedSpecSchema,
  routesFile: routesFileSchema,
  lockHolder: lockHolderSchema,
  membership: membershipSchema,
  auditLine: auditLineSchema,
  statusReport: statusReportSchema,
  pruneInput: pruneInputSchema,
} as const;
