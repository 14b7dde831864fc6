// The plain renderer (CI, pipes) as a pure function of the driver's events.
import { expect } from 'chai';
import { renderPlain } from '../../src/deploy/render-plain.js';
import { describePlan } from '../../src/plan/describe.js';
import {
  addresses,
  agentInstalled,
  agentUpdated,
  applied,
  dryRun,
  failedStart,
  imageBuilt,
  withNodeBuild,
  imageProgress,
  imageShipped,
  plan,
} from './scripted-events.js';

const now = () => new Date(Date.UTC(2024, 0, 1, 12, 34, 56, 789));
const lines = (s: string) => s.split('\n').slice(0, -1);

describe('plain renderer', () => {
  it('prints the plan on stdout, one timestamped line per event on stderr, then the count applied', () => {
    const out = renderPlain(applied, now);
    expect(out.stdout).to.equal(`${describePlan(plan, addresses)}Applied 3 changes.\n`);
    expect(lines(out.stderr)).to.deep.equal([
      '[12:34:56.789] connect: n1, n2',
      '[12:34:56.789] connect: done in 0.12s',
      '[12:34:56.789] lock: n1, n2',
      '[12:34:56.789] lock: done in 0.03s',
      '[12:34:56.789] gather state: n1, n2',
      '[12:34:56.789] gather state: done in 0.45s',
      '[12:34:56.789] phase start: n1',
      '[12:34:56.789] n1: create volume web ...',
      '[12:34:56.789] n1: create volume web: done in 0.03s',
      '[12:34:56.789] n1: start web (image busybox:latest; ports 8080->80; volume at /data) ...',
      '[12:34:56.789] n1: start web (image busybox:latest; ports 8080->80; volume at /data): done in 1.50s',
      '[12:34:56.789] phase start: done in 1.60s',
      '[12:34:56.789] phase routes: n2',
      '[12:34:56.789] n2: set routes: :8080 -> 198.51.100.2:8080 ...',
      '[12:34:56.789] n2: set routes: :8080 -> 198.51.100.2:8080: done in 0.04s',
      '[12:34:56.789] phase routes: done in 0.05s',
    ]);
  });

  it('a failed change and phase: first lines of the errors, the plan still printed, no count', () => {
    const out = renderPlain(failedStart, now);
    expect(out.stdout).to.equal(describePlan(plan, addresses));
    expect(lines(out.stderr).slice(-2)).to.deep.equal([
      '[12:34:56.789] n1: start web (image busybox:latest; ports 8080->80; volume at /data): FAILED: docker: pull access denied for busybox',
      '[12:34:56.789] phase start: FAILED: n1: changestate failed in phase start: flocker-changestate apply (exit 1)',
    ]);
  });

  it('dry-run: the plan and the steps before it, nothing applied', () => {
    const out = renderPlain(dryRun, now);
    expect(out.stdout).to.equal(describePlan(plan, addresses));
    expect(lines(out.stderr)).to.have.length(4);
  });

  it('a node agent installed or updated: one line per node', () => {
    expect(lines(renderPlain([agentInstalled, agentUpdated], now).stderr)).to.deep.equal([
      '[12:34:56.789] n1: node agent 0.1.0-1a2b3c4d5e6f installed in 0.21s',
      '[12:34:56.789] n2: node agent 0.1.0-1a2b3c4d5e6f updated (was 0.1.0-0f0f0f0f0f0f) in 0.19s',
    ]);
  });

  it('images (issue 13): built here, then sent with the bytes that travelled next to the image size', () => {
    expect(lines(renderPlain([imageBuilt, imageShipped], now).stderr)).to.deep.equal([
      '[12:34:56.789] image flocker-build/shop-web:latest of web: built (3f3f3f3f3f3f) in 1.25s',
      '[12:34:56.789] n1: image flocker-build/shop-web:latest sent: 3.0 MiB of 80 MiB (only the layers it lacked) in 0.90s',
    ]);
  });

  it('a build on a node (no docker here): the step, the node and the context bytes (issue 13)', () => {
    const ev = withNodeBuild.slice(
      withNodeBuild.findIndex((e) => e.type === 'step-start' && e.step === 'build images'),
    );
    expect(lines(renderPlain(ev.slice(0, 3), now).stderr)).to.deep.equal([
      '[12:34:56.789] build images: n1',
      '[12:34:56.789] n1: image flocker-build/shop-web:latest of web: built there (3f3f3f3f3f3f; context 20 KiB, no docker here) in 4.20s',
      '[12:34:56.789] build images: done in 4.21s',
    ]);
  });

  it('an image on its way: bytes so far of the total, at most every 5 s per image (issue 13)', () => {
    expect(lines(renderPlain([imageProgress(1), imageProgress(2)], now).stderr)).to.deep.equal([
      '[12:34:56.789] n1: sending image flocker-build/shop-web:latest: 1.0 MiB / 3.0 MiB',
    ]);
  });

  it('a failed step is one line with its message', () => {
    const out = renderPlain(
      [
        { type: 'step-start', step: 'connect', nodes: ['n1'] },
        {
          type: 'step-failed',
          step: 'connect',
          error: { code: 'E_SSH_CONNECT', message: 'n1: connect ECONNREFUSED 198.51.100.2:22' },
        },
      ],
      now,
    );
    expect(out).to.deep.equal({
      stdout: '',
      stderr:
        '[12:34:56.789] connect: n1\n[12:34:56.789] connect: FAILED: n1: connect ECONNREFUSED 198.51.100.2:22\n',
    });
  });
});
