// The --json renderers as pure functions of the driver's events.
import { expect } from 'chai';
import { planDocumentRenderer, renderNdjson } from '../../src/deploy/render-ndjson.js';
import { planDocument } from '../../src/plan/describe.js';
import { shownChange, shownEvent } from '../../src/plan/shown.js';
import {
  addresses,
  agentUpdated,
  applied,
  dryRun,
  failedStart,
  plan,
  startWeb,
  withAgent,
  imageShipped,
  withImages,
  imageBuiltOnNode,
  withNodeBuild,
} from './scripted-events.js';

const time = '2024-01-01T12:34:56.789Z';
const schema = 'flocker-events.v1';
const now = () => new Date(time);

describe('NDJSON renderer', () => {
  it('one line per event, as data with its time, then the result line last', () => {
    const lines = renderNdjson(applied, now).map((l) => JSON.parse(l) as unknown);
    const events = applied.slice(0, -1); // finished becomes the result line
    expect(lines.slice(0, -1)).to.deep.equal(
      events.map((e) => JSON.parse(JSON.stringify({ schema, ...shownEvent(e), time })) as unknown),
    );
    expect(lines.at(-1)).to.deep.equal({
      schema,
      type: 'result',
      applied: true,
      plan: planDocument(plan, addresses),
      time,
    });
  });

  it('node events carry the change itself and errors their code', () => {
    const lines = renderNdjson(failedStart, now).map((l) => JSON.parse(l) as { type: string });
    expect(lines.find((l) => l.type === 'change-failed')).to.deep.include({
      change: JSON.parse(JSON.stringify(shownChange(startWeb))) as unknown,
      error: { code: 'E_APP_START', message: 'docker: pull access denied for busybox' },
    });
    expect(lines.map((l) => l.type).slice(-3)).to.deep.equal(['change-failed', 'phase-failed', 'audit']);
  });

  it('agent-installed events are data: node, version, action, previous, ms', () => {
    const lines = renderNdjson(withAgent, now).map((l) => JSON.parse(l) as { type: string });
    expect(lines.filter((l) => l.type === 'agent-installed')[1]).to.deep.equal({
      schema,
      ...agentUpdated,
      time,
    });
  });

  it('image events are data: bytes sent and the image size (issue 13)', () => {
    const lines = renderNdjson(withImages, now).map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type).slice(0, 2)).to.deep.equal(['image-built', 'step-start']);
    expect(lines.find((l) => l.type === 'image-shipped')).to.deep.equal({ schema, ...imageShipped, time });
  });

  it('a build on a node is data too: the step and the node that built, with the context bytes', () => {
    const lines = renderNdjson(withNodeBuild, now).map(
      (l) => JSON.parse(l) as { type: string; step?: string },
    );
    expect(lines.filter((l) => l.step === 'build images').map((l) => l.type)).to.deep.equal([
      'step-start',
      'step-done',
    ]);
    expect(lines.find((l) => l.type === 'image-built')).to.deep.equal({ schema, ...imageBuiltOnNode, time });
  });

  it('--dry-run --json: the plan document alone', () => {
    let out = '';
    const r = planDocumentRenderer({ stdout: (s) => (out += s) });
    dryRun.forEach(r.emit);
    expect(JSON.parse(out)).to.deep.equal(planDocument(plan, addresses));
    expect(out).to.equal(`${JSON.stringify(planDocument(plan, addresses), null, 2)}\n`);
  });
});
