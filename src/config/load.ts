// The thin effectful edge of the config layer: read the two files, hand the text to the core.
// "-" reads standard input (at most one of the two files); anything else must be a regular file.
import type { DesiredConfig } from '../model/deployment.js';
import { InputError } from '../errors.js';
import { buildDesiredConfig, inputError } from './desired-config.js';
import { parseDeployment } from './parse.js';
import type { ConfigFile } from './desired-config.js';
import { readInputFile, readInputStream } from './read-input.js';
import type { ReadResult } from './read-input.js';
import { dirname } from 'node:path';
import type { ComposeInputs } from './compose-inputs.js';
import type { Payload } from '../model/payload.js';
import { PayloadStore } from './project-payloads.js';
import { fsProjectReader } from './project-files.js';

export const STDIN_NAME = '-';

/** Where "-" reads from (tests pass a stream; default process.stdin). */
export interface LoadOptions {
  readonly stdin?: AsyncIterable<Buffer | string>;
  /** the deploying environment a compose file interpolates from (default process.env) */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What a compose file beside `applicationPath` reads: the environment and files near it. */
export function composeInputs(
  applicationPath: string,
  env: ComposeInputs['env'],
  store: PayloadStore = new PayloadStore(),
): ComposeInputs {
  // stdin: the current directory is the project directory, as for docker compose -f -
  const dir = applicationPath === STDIN_NAME ? '.' : dirname(applicationPath);
  return {
    env,
    dir,
    project: fsProjectReader(dir, store),
    readFile: (p) => {
      const r = readInputFile(p);
      return 'failure' in r && /ENOENT/.test(r.failure.message) ? 'missing' : r;
    },
  };
}

function asConfigFile(file: string, r: ReadResult): ConfigFile {
  if ('text' in r) return { file, text: r.text };
  const { message, line, column } = r.failure;
  return { file, problem: { file, line: line ?? 1, column: column ?? 1, path: '', message } };
}

async function readConfigFile(file: string, opts: LoadOptions): Promise<ConfigFile> {
  if (file === STDIN_NAME) return asConfigFile(file, await readInputStream(opts.stdin ?? process.stdin));
  return asConfigFile(file, readInputFile(file));
}

/** Read and check both files; every problem of both (unreadable files included) in one InputError. */
export async function loadDesiredConfig(
  deploymentPath: string,
  applicationPath: string,
  opts: LoadOptions = {},
): Promise<DesiredConfig> {
  return (await loadProject(deploymentPath, applicationPath, opts)).desired;
}

/** A loaded project: the desired config and the contents its project files and secrets ship. */
export interface LoadedProject {
  readonly desired: DesiredConfig;
  /** content hash -> payload (model/payload.ts): what the nodes running the apps are sent */
  readonly payloads: Readonly<Record<string, Payload>>;
}

/** loadDesiredConfig, with the contents of project files and secrets the config refers to. */
export async function loadProject(
  deploymentPath: string,
  applicationPath: string,
  opts: LoadOptions = {},
): Promise<LoadedProject> {
  if (deploymentPath === STDIN_NAME && applicationPath === STDIN_NAME) {
    throw new InputError([
      {
        file: STDIN_NAME,
        line: 1,
        column: 1,
        path: '',
        message: 'expected at most one of the two files to be "-" (standard input), found both',
      },
    ]);
  }
  const a = await readConfigFile(applicationPath, opts);
  const d = await readConfigFile(deploymentPath, opts);
  const store = new PayloadStore();
  const desired = buildDesiredConfig(a, d, composeInputs(applicationPath, opts.env ?? process.env, store));
  return { desired, payloads: store.record() };
}

/**
 * Read and check a deployment file alone (the `flocker` commands that only need its nodes):
 * the same safe read, the same checks and problems as a deploy. Node name -> app names.
 */
export async function loadDeploymentConfig(
  deploymentPath: string,
  opts: LoadOptions = {},
): Promise<Record<string, string[]>> {
  const f = await readConfigFile(deploymentPath, opts);
  if ('problem' in f) throw inputError([f.problem], [deploymentPath]);
  const r = parseDeployment(f.text, deploymentPath);
  if (r.problems.length) throw inputError(r.problems, [deploymentPath]);
  return r.nodes;
}
