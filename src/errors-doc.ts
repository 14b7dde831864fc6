// The error catalogue as a page for users (docs/errors.md): every code, its exit status, meaning.
import { ERROR_CODES } from './errors.js';

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, [source, meaning]]) => `| \`${code}\` | ${source === 'user' ? 2 : 1} | ${meaning} |`,
  );
  return [
    '# Error codes',
    '',
    'Every error flocker reports carries one of these codes (in `--json` output as `code`, and in',
    'progress events as `error.code`). Exit status 2: the input or the command line must be fixed;',
    'nothing changed on any node (and, except for `E_SSH_PORT_ROUTED`, no node was contacted).',
    "1: a node, a command on a node or the network failed, or a node's host key or authentication",
    'was refused (found after contacting it). 130: interrupted by Ctrl-C (SIGINT), 143: by SIGTERM.',
    'Generated from `src/errors.ts` by `node scripts/errors-doc.mjs`.',
    '',
    '| code | exit | meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
