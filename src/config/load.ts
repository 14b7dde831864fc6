// The thin effectful edge of the config layer: read the two files, hand the text to the core.
import { readFile } from 'node:fs/promises';
import type { DesiredConfig } from '../model/deployment.js';
import { InputError } from '../errors.js';
import type { InputProblem } from '../errors.js';
import { crossFileChecks, parseApplications, parseDeployment, sortProblems } from './parse.js';

/** Read a file as UTF-8 text, or the problem saying why not (line 1 col 1, the OS message). */
export async function readConfigFile(path: string): Promise<{ text: string } | { problem: InputProblem }> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { problem: { file: path, line: 1, column: 1, path: '', message: `cannot read the file: ${msg}` } };
  }
}

/** Read and check both files; every problem of both (unreadable files included) in one InputError. */
export async function loadDesiredConfig(
  deploymentPath: string,
  applicationPath: string,
): Promise<DesiredConfig> {
  const [a, d] = await Promise.all([readConfigFile(applicationPath), readConfigFile(deploymentPath)]);
  const problems: InputProblem[] = [];
  if ('problem' in a) problems.push(a.problem);
  if ('problem' in d) problems.push(d.problem);
  const apps = 'text' in a ? parseApplications(a.text, applicationPath) : null;
  const dep = 'text' in d ? parseDeployment(d.text, deploymentPath) : null;
  if (apps) problems.push(...apps.problems);
  if (dep) problems.push(...dep.problems);
  if (apps && dep) problems.push(...crossFileChecks(apps, dep));
  if (problems.length || !apps || !dep)
    throw new InputError(sortProblems(problems, [applicationPath, deploymentPath]));
  return { applications: apps.applications, nodes: dep.nodes };
}
