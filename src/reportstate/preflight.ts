// Checks that the tools reportstate needs are there, naming what is missing.
import type { CommandRunner } from '../exec/runner.js';
import { FlockerError } from '../errors.js';

const TOOLS: readonly { what: string; argv: readonly string[]; hint: string }[] = [
  {
    what: 'docker',
    argv: ['docker', 'version', '--format', '{{.Server.Version}}'],
    hint: 'is docker installed and dockerd running?',
  },
  { what: 'zfs', argv: ['zfs', 'list', '-H', '-o', 'name'], hint: 'is ZFS installed and a pool imported?' },
  { what: 'systemctl', argv: ['systemctl', '--version'], hint: 'flocker needs systemd' },
  { what: 'iptables-save', argv: ['iptables-save', '-t', 'nat'], hint: 'is iptables installed?' },
];

/** All problems at once: ['docker: not installed (...)', ...]; [] when everything answers. */
export async function preflightProblems(runner: CommandRunner): Promise<string[]> {
  const results = await Promise.all(TOOLS.map((t) => runner.run(t.argv)));
  const problems: string[] = [];
  TOOLS.forEach((t, i) => {
    const r = results[i];
    if (!r || r.code === 0) return;
    const detail = r.stderr.trim().split('\n')[0] ?? '';
    problems.push(
      r.code === 127
        ? `${t.what}: not installed (${t.argv[0]} not found; ${t.hint})`
        : `${t.what}: not usable: ${t.argv.join(' ')} exited ${r.code ?? 'on a signal'}${detail ? `: ${detail}` : ''} (${t.hint})`,
    );
  });
  return problems;
}

export async function preflight(runner: CommandRunner): Promise<void> {
  const problems = await preflightProblems(runner);
  if (problems.length)
    throw new FlockerError(
      `${runner.host}: cannot report state:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      'E_MISSING_TOOL',
      'system',
    );
}
