// JSON schema of NAME.json, the spec recorded next to an application's systemd unit. Data only.
import type { Application } from '../model/application.js';
import { canonicalApplicationSchema } from './application-schema.js';

export const SPEC_FORMAT = 'flocker-application/1';

/** What is recorded in NAME.json. */
export interface RecordedSpec {
  readonly format: typeof SPEC_FORMAT;
  readonly application: Application;
  readonly link_environment: Readonly<Record<string, string>>;
  readonly volume_path?: string;
}

export const recordedSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'application', 'link_environment'],
  properties: {
    format: { const: SPEC_FORMAT },
    application: canonicalApplicationSchema,
    link_environment: { type: 'object', additionalProperties: { type: 'string' } },
    volume_path: { type: 'string', minLength: 1 },
  },
} as const;
