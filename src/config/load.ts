// The thin effectful edge of the config layer: read the two files, hand the text to the core.
import { readFile } from 'node:fs/promises';
import type { DesiredConfig } from '../model/deployment.js';
import { buildDesiredConfig } from './desired-config.js';
import type { ConfigFile } from './desired-config.js';

/** Read a file as UTF-8 text, or the problem saying why not (line 1 col 1, the OS message). */
async function readConfigFile(file: string): Promise<ConfigFile> {
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { file, problem: { file, line: 1, column: 1, path: '', message: `cannot read the file: ${msg}` } };
  }
}

/** Read and check both files; every problem of both (unreadable files included) in one InputError. */
export async function loadDesiredConfig(
  deploymentPath: string,
  applicationPath: string,
): Promise<DesiredConfig> {
  const [a, d] = await Promise.all([readConfigFile(applicationPath), readConfigFile(deploymentPath)]);
  return buildDesiredConfig(a, d);
}
