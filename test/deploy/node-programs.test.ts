// Reading flocker-changestate's stdout on the deploy side: event lines carrying Change data.
import { expect } from 'chai';
import { parseNodeEvent } from '../../src/deploy/node-programs.js';

describe('node event lines', () => {
  it('reads change events carrying the Change itself', () => {
    const e = {
      type: 'change-done',
      phase: 'start',
      change: { kind: 'create-volume', name: 'web' },
      ms: 12,
    };
    expect(parseNodeEvent(JSON.stringify(e))).to.deep.equal(e);
  });

  it('ignores lines that are not change events with Change data (diagnostics, old text events)', () => {
    for (const line of [
      'not json',
      'null',
      '42',
      '{"type":"step-start"}',
      '{"type":"change-start","phase":"start","change":"start web (image busybox)"}',
      '{"type":"change-start","phase":"start"}',
    ])
      expect(parseNodeEvent(line), line).to.equal(undefined);
  });
});
