// The --json renderers as pure functions of the driver's events.
import { expect } from 'chai';
import { planDocumentRenderer, renderNdjson } from '../../src/deploy/render-ndjson.js';
import { planDocument } from '../../src/plan/describe.js';
import {
  addresses,
  agentUpdated,
  applied,
  dryRun,
  failedStart,
  plan,
  startWeb,
  withAgent,
} from './scripted-events.js';

const time = '2024-01-01T12:34:56.789Z';
const now = () => new Date(time);

describe('NDJSON renderer', () => {
  it('one line per event, as data with its time, then the result line last', () => {
    const lines = renderNdjson(applied, now).map((l) => JSON.parse(l) as unknown);
    const events = applied.slice(0, -1); // finished becomes the result line
    expect(lines.slice(0, -1)).to.deep.equal(events.map((e) => ({ ...e, time })));
    expect(lines.at(-1)).to.deep.equal({
      type: 'result',
      applied: true,
      plan: planDocument(plan, addresses),
    });
  });

  it('node events carry the change itself and errors their code', () => {
    const lines = renderNdjson(failedStart, now).map((l) => JSON.parse(l) as { type: string });
    expect(lines.find((l) => l.type === 'change-failed')).to.deep.include({
      change: JSON.parse(JSON.stringify(startWeb)) as unknown,
      error: { code: 'E_APP_START', message: 'docker: pull access denied for busybox' },
    });
    expect(lines.map((l) => l.type).slice(-3)).to.deep.equal(['change-failed', 'phase-failed', 'audit']);
  });

  it('agent-installed events are data: node, version, action, previous, ms', () => {
    const lines = renderNdjson(withAgent, now).map((l) => JSON.parse(l) as { type: string });
    expect(lines.filter((l) => l.type === 'agent-installed')[1]).to.deep.equal({ ...agentUpdated, time });
  });

  it('--dry-run --json: the plan document alone', () => {
    let out = '';
    const r = planDocumentRenderer({ stdout: (s) => (out += s) });
    dryRun.forEach(r.emit);
    expect(JSON.parse(out)).to.deep.equal(planDocument(plan, addresses));
    expect(out).to.equal(`${JSON.stringify(planDocument(plan, addresses), null, 2)}\n`);
  });
});
