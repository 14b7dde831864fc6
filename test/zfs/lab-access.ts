// Access to real lab nodes for the zfs/transfer functional tests: the shared fixture
// (test/helpers/lab.ts, sharedLab()), or a dev lab already up and named by FLOCKER_LAB.
// Skips loudly when not root or no /dev/fuse (fails instead when CI=true): requireRootAndFuse.
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/exec/runner.js';
import { shellQuote } from '../../src/exec/quote.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { holdStdout, type ProcessExit, type Spawner } from '../../src/exec/spawn.js';

export interface LabNodeAccess {
  readonly name: string;
  readonly address: string;
  /** host key as the lab verified it ("ssh-ed25519 AAAA...") */
  readonly hostKey: string;
}

export interface LabAccess {
  readonly nodes: readonly LabNodeAccess[];
  readonly sshConfigPath: string;
  runner(node: string): CommandRunner;
  spawner(node: string): Spawner;
}

function sshArgv(configPath: string, node: string, argv: readonly string[]): string[] {
  return ['-F', configPath, '-o', 'BatchMode=yes', node, '--', shellQuote(argv)];
}

export function sshSpawner(configPath: string, node: string): Spawner {
  return (argv) => {
    const child = spawn('ssh', sshArgv(configPath, node, argv), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    const exited = new Promise<ProcessExit>((resolve) => {
      child.on('error', (e) => resolve({ code: 127, stderr: e.message }));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    return { stdin: child.stdin, stdout: holdStdout(child.stdout), exited, kill: () => void child.kill() };
  };
}

export function sshRunner(configPath: string, node: string): CommandRunner {
  const sp = sshSpawner(configPath, node);
  return {
    host: node,
    async run(argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
      const p = sp(argv);
      const out: Buffer[] = [];
      p.stdout.on('data', (b: Buffer) => out.push(b));
      p.stdin.end(opts.stdin ?? '');
      const x = await p.exited;
      return { code: x.code, stdout: Buffer.concat(out).toString('utf8'), stderr: x.stderr };
    },
  };
}

async function hostKeys(knownHostsPath: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const line of (await fsp.readFile(knownHostsPath, 'utf8')).split('\n')) {
    const [hosts, type, key] = line.trim().split(/\s+/);
    if (!hosts || !type || !key) continue;
    for (const h of hosts.split(',')) m.set(h, `${type} ${key}`);
  }
  return m;
}

/** The shared fixture's lab, or the lab named by FLOCKER_LAB (a dev lab already up). */
export async function labForTests(ctx: Mocha.Context): Promise<LabAccess> {
  requireRootAndFuse(ctx);
  const named = process.env['FLOCKER_LAB'];
  const h = named ? labHandle(named) : await sharedLab();
  const keys = await hostKeys(h.knownHostsPath);
  const cfg = h.sshConfigPath;
  return {
    nodes: h.nodes.map((n) => ({
      name: n.name,
      address: n.address,
      hostKey: keys.get(n.address) ?? keys.get(n.name) ?? '',
    })),
    sshConfigPath: cfg,
    runner: (node) => sshRunner(cfg, node),
    spawner: (node) => sshSpawner(cfg, node),
  };
}
