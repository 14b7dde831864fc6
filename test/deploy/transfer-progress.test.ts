// Transfer progress: the rate and ETA reckoning, the node event's wire check, and how each
// renderer shows it (plain: at most every 5 s; NDJSON: every event with its bytes).
import { expect } from 'chai';
import { formatDuration, formatEvent, formatProgress } from '../../src/deploy/event-text.js';
import { parseNodeEvent } from '../../src/deploy/node-programs.js';
import { renderNdjson } from '../../src/deploy/render-ndjson.js';
import { PLAIN_PROGRESS_MS, plainRenderer } from '../../src/deploy/render-plain.js';
import {
  RATE_WINDOW_MS,
  TransferTracker,
  etaOf,
  rateOf,
  withTransferProgress,
} from '../../src/deploy/transfer-progress.js';
import type { ChangeProgress, DeployEvent, TransferProgress } from '../../src/model/events.js';
import { moving, progress, pushWeb } from './scripted-events.js';

const MiB = 1024 * 1024;
const sample = (ms: number, mib: number, total?: number): ChangeProgress => ({
  type: 'change-progress',
  phase: 'push',
  change: pushWeb,
  bytes: mib * MiB,
  ...(total !== undefined ? { total: total * MiB } : {}),
  ms,
});

describe('transfer progress', () => {
  it('rate: bytes per second over the recent window; none from a single sample', () => {
    expect(rateOf([])).to.equal(undefined);
    expect(rateOf([{ bytes: 10, ms: 500 }])).to.equal(undefined);
    expect(
      rateOf([
        { bytes: 0, ms: 0 },
        { bytes: 100, ms: 2000 },
      ]),
    ).to.equal(50);
    // the oldest sample within the window is the start: an early burst is forgotten
    const samples = [
      { bytes: 0, ms: 0 },
      { bytes: 1000, ms: 1000 },
      { bytes: 1000 + 10 * RATE_WINDOW_MS, ms: 1000 + RATE_WINDOW_MS },
    ];
    expect(rateOf(samples)).to.equal(10_000);
  });

  it('ETA: seconds left rounded up; 0 when done; unknown without a total or a rate', () => {
    expect(etaOf(100, 400, 100)).to.equal(3);
    expect(etaOf(100, 401, 100)).to.equal(4);
    expect(etaOf(400, 400, undefined)).to.equal(0);
    expect(etaOf(500, 400, 10)).to.equal(0); // the total was an estimate
    expect(etaOf(100, undefined, 100)).to.equal(undefined);
    expect(etaOf(100, 400, undefined)).to.equal(undefined);
    expect(etaOf(100, 400, 0)).to.equal(undefined);
  });

  it('the tracker keeps each stream apart and turns node samples into typed events', () => {
    const t = new TransferTracker();
    expect(t.next('n1', sample(500, 0, 500))).to.deep.equal({
      type: 'transfer-progress',
      node: 'n1',
      phase: 'push',
      change: pushWeb,
      bytes: 0,
      total: 500 * MiB,
      ms: 500,
    });
    expect(t.next('n2', sample(1000, 100))).to.not.have.property('rate'); // another stream
    const e = t.next('n1', sample(5500, 310, 500));
    expect(e).to.deep.include({ rate: 62 * MiB, eta: 4 }); // 190 MiB left at 62 MiB/s
    // long transfers: the rate follows the last window, not the whole history
    let last = e;
    for (let s = 6; s <= 30; s++) last = t.next('n1', sample(s * 1000 + 500, 310 + (s - 5) * 10));
    expect(last.rate).to.equal(10 * MiB);
  });

  it('the driver turns change-progress into transfer-progress, passing other node events on', () => {
    const out: DeployEvent[] = [];
    const emit = withTransferProgress((e) => out.push(e));
    emit({ ...sample(500, 1, 2), node: 'n1' });
    emit({ type: 'change-start', phase: 'push', change: pushWeb, node: 'n1' });
    expect(out.map((e) => e.type)).to.deep.equal(['transfer-progress', 'change-start']);
  });

  it('node events on the wire: a progress line needs whole non-negative bytes and ms', () => {
    const ok = JSON.stringify(sample(500, 1, 2));
    expect(parseNodeEvent(ok)).to.deep.equal(JSON.parse(ok));
    for (const bad of [{ bytes: -1 }, { bytes: 'many' }, { ms: null }, { total: Infinity }])
      expect(parseNodeEvent(JSON.stringify({ ...sample(500, 1, 2), ...bad })), JSON.stringify(bad)).to.equal(
        undefined,
      );
  });

  it('one line: bytes, total, rate and ETA, as far as known', () => {
    expect(formatProgress(progress(5, 312, 62, 3))).to.equal(
      'copy web n1→n2: 312 MiB / 500 MiB, 62 MiB/s, ETA 3 s',
    );
    expect(formatProgress(progress(0.5, 0))).to.equal('copy web n1→n2: 0 B / 500 MiB');
    const handoff: TransferProgress = {
      type: 'transfer-progress',
      node: 'n1',
      phase: 'stop',
      change: { kind: 'handoff-volume', name: 'web', to: 'n2', to_address: '198.51.100.3' },
      bytes: 3 * MiB,
      ms: 1000,
    };
    expect(formatProgress(handoff)).to.equal('hand off web n1→n2: 3.0 MiB');
    // a change without figures gets no empty "()"
    expect(
      formatEvent({ type: 'change-done', node: 'n2', phase: 'push', change: pushWeb, ms: 20, detail: {} }),
    ).to.equal('n2: copy volume web to n2 (198.51.100.3) while it runs: done in 0.02s');
    expect(formatDuration(59)).to.equal('59 s');
    expect(formatDuration(125)).to.equal('2 min 5 s');
    expect(formatDuration(3720)).to.equal('1 h 2 min');
  });

  it('plain renderer: a progress line per stream at most every 5 s; the plan shows the size', () => {
    let t = 0;
    let stdout = '';
    let stderr = '';
    const r = plainRenderer({
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      now: () => new Date(t),
    });
    for (const e of moving) {
      if (e.type === 'transfer-progress') t += 1000; // one second between samples
      r.emit(e);
    }
    expect(stdout).to.include('- copy volume web (500 MiB) to n2 (198.51.100.3) while it runs\n');
    expect(stdout).to.include('Applied 1 change.\n');
    const lines = stderr.split('\n').filter((l) => l.includes('n1→n2'));
    expect(lines).to.deep.equal(['[00:00:01.000] copy web n1→n2: 0 B / 500 MiB']);
    t += PLAIN_PROGRESS_MS;
    r.emit(progress(9, 400, 62, 2));
    expect(stderr).to.include('copy web n1→n2: 400 MiB / 500 MiB, 62 MiB/s, ETA 2 s\n');
    // the change's own line carries its bytes
    expect(stderr).to.match(
      /copy volume web to n2 \(198\.51\.100\.3\) while it runs: done in 8\.10s \(.*bytes 524288000/,
    );
  });

  it('NDJSON: every progress event, with bytes, total, rate and ETA; the result has the sizes', () => {
    const lines = renderNdjson(moving, () => new Date(0)).map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    const p = lines.filter((l) => l.type === 'transfer-progress');
    expect(p).to.have.length(3);
    expect(p[2]).to.deep.include({ bytes: 312 * MiB, total: 500 * MiB, rate: 62 * MiB, eta: 3, node: 'n1' });
    const result = lines.at(-1) as { plan: { volumes: unknown } };
    expect(result.plan.volumes).to.deep.equal({ web: { bytes: 500 * MiB } });
  });
});
