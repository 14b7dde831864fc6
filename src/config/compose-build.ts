// compose `build:` (issue 13 item 1): a folder of the project built into an image on the
// deploying machine and sent to the nodes. A string is the context; a mapping may say context,
// dockerfile, args and target. Paths are relative to the compose file's folder. A service
// without `image:` gets a name of ours (buildImageName); with one, the build is tagged with it.
import { resolve } from 'node:path';
import type { BuildSpec } from '../model/application.js';
import type { PathProblem } from './schema.js';
import type { ComposeInputs } from './compose-inputs.js';
import { isRecord } from './compose-keys.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';
import { keyText } from '../validation/echo.js';

export const BUILD_KEYS = ['context', 'dockerfile', 'args', 'target'];
const BUILD_REFUSED: Readonly<Record<string, string>> = {
  dockerfile_inline: 'write the Dockerfile beside the context',
  ssh: 'the build runs without the deploying user’s ssh agent',
  secrets: 'the build runs without secrets',
  platforms: 'the image is built for the deploying machine’s platform',
};

/** repository of the image a build without `image:` is tagged with */
export const BUILD_REPOSITORY = 'flocker-build';

/** `flocker-build/<project>-<service>:latest`, the project being the compose file's folder */
export function buildImageName(dir: string, service: string): string {
  const project = resolve(dir).split('/').pop() ?? '';
  const name = `${project}-${service}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${BUILD_REPOSITORY}/${name || 'app'}:latest`;
}

const isRemote = (c: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(c) || /^git@/.test(c);

/** The build of a service, or undefined after reporting its problems. */
export function convertBuild(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  inputs: ComposeInputs,
): BuildSpec | undefined {
  const before = problems.length;
  const bad = (path: KeyPath, message: string, target: 'value' | 'key' = 'value'): void => {
    problems.push({ path, target, message });
  };
  const b: Record<string, unknown> =
    typeof value === 'string' ? { context: value } : isRecord(value) ? value : {};
  if (typeof value !== 'string' && !isRecord(value)) {
    bad(
      kp,
      `expected a build context folder or a mapping with the keys ${BUILD_KEYS.join(', ')}, found ${describeValue(value)}`,
    );
    return undefined;
  }
  const at = (k: string): KeyPath => (typeof value === 'string' ? kp : [...kp, k]);
  for (const k of Object.keys(b)) {
    if (BUILD_KEYS.includes(k) || k.startsWith('x-')) continue;
    const why = BUILD_REFUSED[k];
    bad(
      [...kp, k],
      `unsupported build key ${keyText(k)}${why ? ` (${why})` : ''}; supported keys are: ${BUILD_KEYS.join(', ')}`,
      'key',
    );
  }
  const ctx = b['context'] ?? '.';
  let context = '';
  if (typeof ctx !== 'string' || ctx === '')
    bad(at('context'), `expected a folder path, found ${describeValue(ctx)}`);
  else if (isRemote(ctx))
    bad(
      at('context'),
      `expected a folder of the project, found the URL ${JSON.stringify(ctx)} (remote build contexts are not supported)`,
    );
  else if (ctx.includes('\0')) bad(at('context'), 'expected a folder path, found a NUL character');
  else context = resolve(inputs.dir, ctx);
  const str = (k: string): string | undefined => {
    const v = b[k];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v !== '' && !v.includes('\0')) return v;
    bad([...kp, k], `expected a non-empty string, found ${describeValue(v)}`);
    return undefined;
  };
  const dockerfile = str('dockerfile');
  const target = str('target');
  const args = convertArgs(b['args'], [...kp, 'args'], problems);
  if (problems.length > before) return undefined;
  return {
    context,
    ...(dockerfile !== undefined ? { dockerfile } : {}),
    ...(args !== undefined ? { args } : {}),
    ...(target !== undefined ? { target } : {}),
  };
}

/** build args: a mapping, or a list of NAME=value (a NAME alone takes nothing: refused) */
function convertArgs(v: unknown, kp: KeyPath, problems: PathProblem[]): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const out = Object.create(null) as Record<string, string>;
  const scalar = (x: unknown): string | undefined =>
    typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
  if (Array.isArray(v)) {
    v.forEach((item: unknown, i) => {
      const eq = typeof item === 'string' ? item.indexOf('=') : -1;
      if (typeof item !== 'string' || eq <= 0)
        problems.push({
          path: [...kp, i],
          target: 'value',
          message: `expected NAME=value, found ${describeValue(item)}`,
        });
      else out[item.slice(0, eq)] = item.slice(eq + 1);
    });
    return out;
  }
  if (!isRecord(v)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a mapping of build argument names to values, found ${describeValue(v)}`,
    });
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const s = scalar(x);
    if (s === undefined)
      problems.push({
        path: [...kp, k],
        target: 'value',
        message: `expected a string, number or boolean, found ${describeValue(x)}`,
      });
    else out[k] = s;
  }
  return out;
}
