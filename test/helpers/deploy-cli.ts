// Running the real flocker-deploy bin against a lab, and small lab conveniences for e2e tests.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandRunner } from '../../src/exec/runner.js';
import { ensureExampleImages } from '../../src/lab/access.js';

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
