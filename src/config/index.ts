// Public API of the config layer: both user files -> DesiredConfig, every problem at once.
//
// Rules chosen where Flocker 0.1 said nothing (each message says what is allowed):
// - Application names: ^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$ (systemd unit flocker--NAME.service,
//   container flocker--NAME, ZFS dataset <parent>/NAME; never starts with "-").
// - Node names: ^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$ (ssh Host alias, hostname, IPv4, bare IPv6;
//   never starts with "-", so it can never be read as an ssh option).
// - Link aliases: ^[A-Za-z_][A-Za-z0-9_]{0,62}$, unique per app compared uppercased; link local
//   ports unique per app; a link's remote_port must be some application's external port.
// - Environment: names ^[A-Za-z_][A-Za-z0-9_]*$; values strings without \n, \r or NUL
//   (numbers and booleans are errors that say how to quote them).
// - Mountpoints: absolute, not "/", no "." or ".." components, no ":" "," newline or NUL.
// - External ports are unique across all applications of the file.
// - An application placed on no node is fine (it does not run); no warning.
// - Deployment: a node's list may be empty or null; an application may appear once in the file.
// - The keys "__proto__" and list/mapping keys are refused (plain objects cannot hold them).
// Compose-style application files: see compose.ts for detection and the supported keys.
import type { Application } from '../model/application.js';
import type { InputProblem } from '../errors.js';
import { checkEntrySemantics } from './entry-checks.js';
import { parseApplications, parseDeployment } from './parse.js';
import { inputError } from './desired-config.js';
import { ajvErrorsToProblems } from './schema.js';
import { validateEntrySchema } from '../validation/validators.js';
import { formatPath } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';

export { loadDeploymentConfig, loadDesiredConfig, loadProject } from './load.js';
export type { LoadedProject } from './load.js';
export { buildDesiredConfig } from './desired-config.js';
export type { ConfigFile } from './desired-config.js';
export type { ComposeInputs } from './compose-inputs.js';
import type { ComposeInputs } from './compose-inputs.js';

/** Parse an application file (Flocker `version: 1` or compose-style). Throws InputError. */
export function parseApplicationConfig(
  text: string,
  file: string,
  inputs?: ComposeInputs,
): Record<string, Application> {
  const r = parseApplications(text, file, inputs);
  if (r.problems.length) throw inputError(r.problems, [file]);
  return r.applications;
}

/** Parse a deployment file: node name -> application names (sorted). Throws InputError. */
export function parseDeploymentConfig(text: string, file: string): Record<string, string[]> {
  const r = parseDeployment(text, file);
  if (r.problems.length) throw inputError(r.problems, [file]);
  return r.nodes;
}

/** Where a value checked by validateApplicationEntry came from (e.g. reportstate output of a node). */
export interface EntryLocation {
  /** what to print as the file, e.g. "node1: flocker-reportstate" */
  readonly file: string;
  /** where the entry sits in that document, e.g. ['applications', 'web', 'spec'] */
  readonly path?: KeyPath;
  readonly line?: number;
  readonly column?: number;
}

/**
 * Validate one application entry (the application-config shape) against the same schema and
 * checks as user input. Returns the problems (empty = valid); positions are `where.line/column`
 * (default 1:1) since the value has no source text.
 */
export function validateApplicationEntry(value: unknown, where: EntryLocation): InputProblem[] {
  const prefix = where.path ?? [];
  const found = validateEntrySchema(value) ? [] : ajvErrorsToProblems(validateEntrySchema.errors ?? []);
  for (const p of checkEntrySemantics(value)) found.push(p);
  return found.map((p) => ({
    file: where.file,
    line: where.line ?? 1,
    column: where.column ?? 1,
    path: formatPath([...prefix, ...p.path]),
    message: p.message,
  }));
}
