// Environment values are never printed: a restart whose environment holds secrets (changed,
// added, removed), rendered by every renderer (plain, listr2 under a pseudo-terminal, NDJSON,
// the --dry-run --json document) and by the real CLI over fake nodes, never shows a value —
// only the names, and for a changed config "env NAME: changed|added|removed".
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/deploy/cli.js';
import type { CliIO } from '../../src/deploy/cli.js';
import { planDocumentRenderer, renderNdjson } from '../../src/deploy/render-ndjson.js';
import { renderPlain } from '../../src/deploy/render-plain.js';
import { shellQuote } from '../../src/exec/quote.js';
import { fakeCluster } from '../helpers/fake-cluster.js';
import { SECRETS, restarting } from './scripted-events.js';

const now = () => new Date(0);
const noSecret = (text: string, where: string) => {
  for (const s of SECRETS) expect(text, `${where} shows ${s}`).to.not.include(s);
};

describe('secrets: environment values are never printed', function () {
  this.timeout(20_000);

  it('plain: the plan says which keys changed, the progress lines name them, no value', () => {
    const { stdout, stderr } = renderPlain(restarting, now);
    noSecret(stdout + stderr, 'plain');
    expect(stdout).to.include(
      '        env DB_PASSWORD: changed\n        env NEW_KEY: added\n        env OLD_TOKEN: removed\n',
    );
    expect(stderr).to.include('env DB_PASSWORD, env NEW_KEY, env OLD_TOKEN');
    expect(stderr).to.include('env DB_PASSWORD,LOG,NEW_KEY'); // the start: names only
  });

  it('NDJSON: the plan, the changes of every event and the result show environment names only', () => {
    const lines = renderNdjson(restarting, now);
    noSecret(lines.join('\n'), 'ndjson');
    const start = lines
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            change?: { kind: string; application?: { environment: unknown } };
          },
      )
      .find((l) => l.type === 'change-start' && l.change?.kind === 'start-application');
    expect(start?.change?.application?.environment).to.deep.equal(['DB_PASSWORD', 'LOG', 'NEW_KEY']);
  });

  it('--dry-run --json: the plan document shows environment names only', () => {
    let out = '';
    const r = planDocumentRenderer({ stdout: (s) => (out += s) });
    restarting.forEach(r.emit);
    noSecret(out, 'plan document');
    expect(out).to.include('"key": "DB_PASSWORD"');
  });

  it('listr2 (under a pseudo-terminal): no value on any frame', async () => {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'listr-scripted.js');
    const cmd = `stty cols 200 rows 60; ${shellQuote([process.execPath, script, 'restarting'])}`;
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
    delete env.CI;
    const screen = await new Promise<string>((resolve, reject) => {
      const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env });
      const out: Buffer[] = [];
      p.stdout.on('data', (b: Buffer) => out.push(b));
      p.stderr.on('data', (b: Buffer) => out.push(b));
      p.on('error', reject);
      p.on('close', () => resolve(Buffer.concat(out).toString()));
    });
    expect(screen).to.include('SCRIPT END');
    expect(screen).to.include('env DB_PASSWORD: changed');
    noSecret(screen, 'listr2');
  });

  it('the CLI over fake nodes: a redeploy that changes secrets, in every output form', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flocker-secrets-'));
    try {
      const dep = path.join(dir, 'deployment.yml');
      const app = path.join(dir, 'application.yml');
      writeFileSync(dep, 'version: 1\nnodes:\n  n1: [api]\n');
      const config = (env: string) =>
        `version: 1\napplications:\n  api:\n    image: busybox:1\n    environment: {${env}}\n`;
      const c = fakeCluster(['n1']);
      const run = async (args: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const io: CliIO = {
          stdout: (s) => out.push(s),
          stderr: (s) => err.push(s),
          interactive: false,
          now,
          connect: c.connect,
        };
        expect(await main([...args, dep, app], io), err.join('')).to.equal(0);
        return out.join('') + err.join('');
      };
      writeFileSync(app, config(`DB_PASSWORD: ${SECRETS[0]}, OLD_TOKEN: ${SECRETS[3]}`));
      noSecret(await run([]), 'first deploy');
      writeFileSync(app, config(`DB_PASSWORD: ${SECRETS[1]}, NEW_KEY: ${SECRETS[2]}`));
      const text = await run(['--dry-run']);
      expect(text).to.include(
        '    - stop api (its configuration changed):\n        env DB_PASSWORD: changed\n',
      );
      const outputs = [text, await run(['--dry-run', '--json']), await run(['--json']), await run([])];
      outputs.forEach((o, i) => noSecret(o, `run ${i}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
