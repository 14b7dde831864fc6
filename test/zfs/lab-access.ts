// Access to real lab nodes for the zfs/transfer functional tests: the shared fixture
// (test/helpers/lab.ts, sharedLab()) when it exists, else a lab already up and named by
// FLOCKER_LAB (state in /var/lib/flocker-lab/<name>/state.json). Skips loudly when neither can
// be had (not root, no /dev/fuse, no lab), fails instead when CI=true.
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/exec/runner.js';
import { shellQuote } from '../../src/ssh/quote.js';
import { holdStdout, type ProcessExit, type Spawner } from '../../src/zfs/spawn.js';

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

interface SharedLabShape {
  nodes: { name: string; address: string }[];
  sshConfigPath: string;
  knownHostsPath: string;
}

/** Why this machine cannot run lab tests, or undefined. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  return undefined;
}

export async function getLab(): Promise<LabAccess | string> {
  const why = labUnavailable();
  if (why) return why;
  let shape: SharedLabShape | undefined;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const helper = path.join(here, '..', 'helpers', 'lab.js');
  const named = process.env['FLOCKER_LAB'];
  if (named) {
    const st = JSON.parse(await fsp.readFile(`/var/lib/flocker-lab/${named}/state.json`, 'utf8')) as {
      nodes: { name: string; address: string }[];
      sshConfig: string;
      knownHosts: string;
    };
    shape = { nodes: st.nodes, sshConfigPath: st.sshConfig, knownHostsPath: st.knownHosts };
  } else if (existsSync(helper)) {
    const mod = (await import(helper)) as { sharedLab?: () => Promise<SharedLabShape> | SharedLabShape };
    if (mod.sharedLab) shape = await mod.sharedLab();
  }
  if (!shape) return 'no lab (no test/helpers/lab.ts fixture and FLOCKER_LAB not set)';
  const keys = await hostKeys(shape.knownHostsPath);
  const cfg = shape.sshConfigPath;
  return {
    nodes: shape.nodes.map((n) => ({
      name: n.name,
      address: n.address,
      hostKey: keys.get(n.address) ?? keys.get(n.name) ?? '',
    })),
    sshConfigPath: cfg,
    runner: (node) => sshRunner(cfg, node),
    spawner: (node) => sshSpawner(cfg, node),
  };
}

/** In a before(): get the lab or skip loudly (fail when CI=true). */
export async function labOrSkip(ctx: Mocha.Context): Promise<LabAccess> {
  const lab = await getLab();
  if (typeof lab !== 'string') return lab;
  const msg = `lab functional test cannot run: ${lab}`;
  if (process.env['CI'] === 'true') throw new Error(msg);
  console.warn(`  SKIPPED — ${msg}`);
  ctx.skip();
  throw new Error('unreachable');
}
