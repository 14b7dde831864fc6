// Reaching into a running lab from the host: a CommandRunner over the lab's ssh config, and
// long-running example images made offline in a node from the lab's busybox:latest.
import { runChecked } from '../exec/check.js';
import { LocalRunner } from '../exec/local-runner.js';
import type { CommandResult, CommandRunner, RunOptions } from '../exec/runner.js';
import { shellQuote } from '../exec/quote.js';

/** CommandRunner over the system ssh client with the lab's config (strict host keys). */
export class LabSshRunner implements CommandRunner {
  private readonly local = new LocalRunner();
  constructor(
    readonly host: string,
    private readonly sshConfig: string,
  ) {}

  run(argv: readonly string[], opts?: RunOptions): Promise<CommandResult> {
    return this.local.run(
      ['ssh', '-F', this.sshConfig, '-o', 'BatchMode=yes', this.host, '--', shellQuote(argv)],
      opts,
    );
  }
}

/**
 * `<prefix>/httpd:latest` (busybox httpd serving /www on port 80) and `<prefix>/sleep:latest`,
 * committed from busybox:latest with another CMD: no registry is reachable from a lab node.
 */
export async function ensureExampleImages(runner: CommandRunner, prefix: string): Promise<void> {
  const mk = `${prefix.replace(/[^a-z0-9]/g, '-')}-mk`;
  const script = [
    'set -e',
    `docker image inspect ${prefix}/httpd:latest ${prefix}/sleep:latest >/dev/null 2>&1 && exit 0`,
    `docker rm -f ${mk} >/dev/null 2>&1 || true`,
    `docker create --name ${mk} busybox:latest >/dev/null`,
    `docker commit -c 'CMD ["httpd","-f","-p","80","-h","/www"]' ${mk} ${prefix}/httpd:latest >/dev/null`,
    `docker commit -c 'CMD ["sleep","1000000"]' ${mk} ${prefix}/sleep:latest >/dev/null`,
    `docker rm ${mk} >/dev/null`,
  ].join('\n');
  await runChecked(runner, ['sh', '-c', script]);
}
