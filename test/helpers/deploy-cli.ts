// Running the real flocker-deploy bin against a lab, and small lab conveniences for e2e tests.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runChecked } from '../../src/exec/check.js';
import type { CommandRunner } from '../../src/exec/runner.js';
import { ensureExampleImages } from '../../src/lab/access.js';
import type { LabHandle } from './lab.js';

export const DEPLOY_BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../bin/flocker-deploy.js',
);

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runDeploy(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [DEPLOY_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** A scratch directory for config files (under /var/lib, never /tmp). */
export function scratchDir(name: string): string {
  const d = `/var/lib/flocker-test/${name}-${process.pid}`;
  mkdirSync(d, { recursive: true });
  return d;
}

export function writeFile(dir: string, name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** Long-running test images (flocker-e2e/httpd serving /www, flocker-e2e/sleep). */
export function ensureTestImages(runner: CommandRunner): Promise<void> {
  return ensureExampleImages(runner, 'flocker-e2e');
}

export const FLOCKER_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/flocker.js');

/** Run the real `flocker` bin (CI=true: plain output). */
export function runFlocker(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [FLOCKER_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** No apps, no routes, no volumes on a 2-node lab (n1, n2): what the e2e files start from. */
export async function cleanLab(lab: LabHandle, dir: string): Promise<void> {
  const r = await runDeploy([
    '--ssh-config',
    lab.sshConfigPath,
    writeFile(dir, 'deployment.yml', 'version: 1\nnodes:\n  n1: []\n  n2: []\n'),
    writeFile(dir, 'application.yml', 'version: 1\napplications: {}\n'),
  ]);
  expect(r.code, r.stderr).to.equal(0);
  for (const n of lab.nodes)
    await runChecked(lab.runner(n.name), [
      'sh',
      '-c',
      'for s in $(zfs list -H -o name -t snapshot -r flocker/volumes 2>/dev/null); do zfs release flocker-base "$s" 2>/dev/null; done; ' +
        'for i in $(seq 25); do zfs destroy -r flocker/volumes 2>/dev/null && break; sleep 0.2; done; rm -f /var/lib/flocker/cluster.json; true',
    ]);
}
