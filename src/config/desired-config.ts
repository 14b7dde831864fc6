// The one DesiredConfig builder: both user files (their text, or why they could not be read)
// parsed and cross-checked; every problem of both files in one InputError. Pure: load.ts reads.
// Guarantees: `applications` and `nodes` are null-prototype objects (a name like `constructor`
// or `__proto__` is only ever an own key); names are the text written in the file.
import { InputError } from '../errors.js';
import type { InputProblem } from '../errors.js';
import type { DesiredConfig } from '../model/deployment.js';
import { append, crossFileChecks, parseApplications, parseDeployment, sortProblems } from './parse.js';
import { sameMachineProblems } from './same-machine.js';
import { NO_INPUTS } from './compose-inputs.js';
import type { ComposeInputs } from './compose-inputs.js';

/** Problems listed in full; the rest are counted ("… and 149,900 more problems"). */
export const MAX_LISTED_PROBLEMS = 100;

/** All problems, sorted, as one InputError listing at most MAX_LISTED_PROBLEMS. */
export function inputError(problems: readonly InputProblem[], fileOrder: readonly string[]): InputError {
  const sorted = sortProblems(problems, fileOrder);
  if (sorted.length <= MAX_LISTED_PROBLEMS) return new InputError(sorted);
  return new InputError(sorted.slice(0, MAX_LISTED_PROBLEMS), sorted.length - MAX_LISTED_PROBLEMS);
}

/** One input file: its text, or the problem saying why it could not be read. */
export type ConfigFile =
  | { readonly file: string; readonly text: string }
  | { readonly file: string; readonly problem: InputProblem };

/**
 * `inputs`: what a compose-style application file may read besides its text (the deploying
 * environment, .env, env_file); none when not given.
 */
export function buildDesiredConfig(
  applications: ConfigFile,
  deployment: ConfigFile,
  inputs: ComposeInputs = NO_INPUTS,
): DesiredConfig {
  const problems: InputProblem[] = [];
  if ('problem' in applications) problems.push(applications.problem);
  if ('problem' in deployment) problems.push(deployment.problem);
  const apps =
    'text' in applications ? parseApplications(applications.text, applications.file, inputs) : null;
  const dep = 'text' in deployment ? parseDeployment(deployment.text, deployment.file) : null;
  if (apps) append(problems, apps.problems);
  if (dep) append(problems, dep.problems);
  if (dep) append(problems, sameMachineProblems(dep));
  if (apps && dep) append(problems, crossFileChecks(apps, dep));
  if (problems.length || !apps || !dep) throw inputError(problems, [applications.file, deployment.file]);
  return { applications: apps.applications, nodes: dep.nodes };
}
