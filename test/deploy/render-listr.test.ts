// The listr2 renderer on a real pseudo-terminal: `script` (util-linux) runs a scripted event
// sequence through it; the captured screen output, without ANSI codes, must show the plan, the
// phases and the failure.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../../src/exec/quote.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'listr-scripted.js');

function underPty(which: string): Promise<{ code: number | null; screen: string }> {
  const cmd = `stty cols 120 rows 60; ${shellQuote([process.execPath, SCRIPT, which])}`;
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
    delete env.CI;
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => out.push(b));
    p.on('error', reject);
    p.on('close', (code) =>
      resolve({
        code,
        screen: Buffer.concat(out)
          .toString()
          // eslint-disable-next-line no-control-regex
          .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r/g, ''),
      }),
    );
  });
}

/** The last frame listr2 drew (it redraws the whole list on every change). */
const lastFrame = (screen: string): string => screen.slice(screen.lastIndexOf('✔ Connect to n1, n2'));

describe('listr2 renderer (under a pseudo-terminal)', function () {
  this.timeout(20_000);

  it('shows the plan under the Plan task, then every phase done', async () => {
    const { code, screen } = await underPty('applied');
    expect(code).to.equal(0);
    expect(screen).to.include('SCRIPT END');
    const frame = lastFrame(screen);
    expect(frame).to.include(
      '✔ Plan: 3 changes\n  › Plan: 3 changes on 2 nodes\n    Phase 1/2: start — start apps',
    );
    expect(frame).to.include('- start web (image busybox:latest; ports 8080->80; volume at /data)');
    expect(frame).to.include('✔ Apply\n  ✔ Phase start on n1\n  ✔ Phase routes on n2\n');
    expect(screen).to.not.include('Node-to-node trust');
  });

  it('shows the failed phase with its error, and the later phase not run', async () => {
    const { code, screen } = await underPty('failed');
    expect(code).to.equal(0);
    expect(screen).to.include('Phase start on n1'); // while it ran
    const frame = lastFrame(screen);
    expect(frame).to.include('  › Plan: 3 changes on 2 nodes\n');
    expect(frame).to.include(
      '  ✖ n1: changestate failed in phase start: flocker-changestate apply (exit 1)\n' +
        '    start web (image busybox:latest; ports 8080->80; volume at /data): docker: pull access denied for busybox\n' +
        '  ◼ Phase routes on n2\n',
    );
  });

  it('the trust step, when the driver runs one, is a task before the phases', async () => {
    const { screen } = await underPty('trust');
    expect(lastFrame(screen)).to.include(
      '✔ Apply\n  ✔ Node-to-node trust for volume transfers\n  ✔ Phase start on n1\n',
    );
  });

  it('a volume copy shows its bytes, total, rate and ETA while it runs, and the plan its size', async () => {
    const { code, screen } = await underPty('moving');
    expect(code).to.equal(0);
    expect(screen).to.include('copy web n1→n2: 312 MiB / 500 MiB, 62 MiB/s, ETA 3 s');
    expect(screen).to.include('- copy volume web (500 MiB) to n2 (198.51.100.3) while it runs');
    expect(lastFrame(screen)).to.include('✔ Plan: 1 change\n');
  });

  it('a node agent installed or updated is shown under the lock task', async () => {
    const { screen } = await underPty('agent');
    const frame = lastFrame(screen);
    // between the lock task and the next one (listr2 marks each output entry with ›)
    const lock = frame.slice(frame.indexOf('✔ Take the deploy lock'), frame.indexOf('✔ Gather state'));
    expect(lock, frame).to.match(/ n1: node agent 0\.1\.0-1a2b3c4d5e6f installed in 0\.21s\n/);
    expect(lock, frame).to.match(
      / n2: node agent 0\.1\.0-1a2b3c4d5e6f updated \(was 0\.1\.0-0f0f0f0f0f0f\) in 0\.19s\n/,
    );
    expect(lock.match(/node agent/g)?.length, frame).to.equal(2);
  });

  it('an image built is shown with the node agent lines, an image sent under the first phase (issue 13)', async () => {
    const { code, screen } = await underPty('images');
    expect(code).to.equal(0);
    const frame = lastFrame(screen);
    expect(frame).to.include('✔ Connect to n1, n2');
    expect(frame).to.match(/image flocker-build\/shop-web:latest of web: built \(3f3f3f3f3f3f\) in 1\.25s/);
    expect(screen).to.match(/n1: image flocker-build\/shop-web:latest sent: 3\.0 MiB of 80 MiB/);
  });

  it('a build on a node (no docker here) is shown under the gather task (it runs before the state is gathered)', async () => {
    const { code, screen } = await underPty('node-build');
    expect(code).to.equal(0);
    const frame = lastFrame(screen);
    const gather = frame.slice(frame.indexOf('✔ Gather state'), frame.indexOf('✔ Plan'));
    expect(gather, frame).to.include('building images on n1 (no docker on this machine)');
    expect(gather, frame).to.include(
      'n1: image flocker-build/shop-web:latest of web: built there (3f3f3f3f3f3f; context 20 KiB',
    );
    expect(frame).to.include('✔ Apply');
  });

  it('dry-run: the plan, no Apply task', async () => {
    const { code, screen } = await underPty('dry-run');
    expect(code).to.equal(0);
    const frame = lastFrame(screen);
    expect(frame).to.include('✔ Plan: 3 changes\n  › Plan: 3 changes on 2 nodes\n');
    expect(screen).to.not.include('Apply');
    expect(screen).to.not.include('Phase start on n1');
  });
});
