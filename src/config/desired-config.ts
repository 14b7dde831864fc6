// The one DesiredConfig builder: both user files (their text, or why they could not be read)
// parsed and cross-checked; every problem of both files in one InputError. Pure: load.ts reads.
import { InputError } from '../errors.js';
import type { InputProblem } from '../errors.js';
import type { DesiredConfig } from '../model/deployment.js';
import { crossFileChecks, parseApplications, parseDeployment, sortProblems } from './parse.js';
import { sameMachineProblems } from './same-machine.js';

/** One input file: its text, or the problem saying why it could not be read. */
export type ConfigFile =
  | { readonly file: string; readonly text: string }
  | { readonly file: string; readonly problem: InputProblem };

export function buildDesiredConfig(applications: ConfigFile, deployment: ConfigFile): DesiredConfig {
  const problems: InputProblem[] = [];
  if ('problem' in applications) problems.push(applications.problem);
  if ('problem' in deployment) problems.push(deployment.problem);
  const apps = 'text' in applications ? parseApplications(applications.text, applications.file) : null;
  const dep = 'text' in deployment ? parseDeployment(deployment.text, deployment.file) : null;
  if (apps) problems.push(...apps.problems);
  if (dep) problems.push(...dep.problems, ...sameMachineProblems(dep));
  if (apps && dep) problems.push(...crossFileChecks(apps, dep));
  if (problems.length || !apps || !dep)
    throw new InputError(sortProblems(problems, [applications.file, deployment.file]));
  return { applications: apps.applications, nodes: dep.nodes };
}
