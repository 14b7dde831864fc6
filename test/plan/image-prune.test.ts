// Which images `flocker prune` removes (issue 13 item 1): only those the deploy sent to a node
// (its shipped record), and only when no app unit there and no app placed there uses them.
import { expect } from 'chai';
import type { NodeState } from '../../src/model/state.js';
import { planImagePrune } from '../../src/plan/prune.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const state = (o: Partial<NodeState>): NodeState => ({
  protocol: 1,
  node: { hostname: 'h', machine_id: 'm' },
  applications: {},
  owned_volumes: [],
  volume_copies: [],
  routes: [],
  ...o,
});

describe('image prune plan', () => {
  const images = [
    { id: id('a'), layers: [], tags: ['flocker-build/p-web:latest'] },
    { id: id('b'), layers: [], tags: ['flocker-build/p-old:latest'] },
    { id: id('c'), layers: [], tags: ['postgres:16'] },
    { id: id('d'), layers: [] },
  ];
  it('removes a sent image no app uses; keeps one a unit runs (by ID or tag), one the deployment places, one not ours', () => {
    const n1 = state({
      images,
      shipped_images: [id('a'), id('b'), id('d')],
      applications: {
        web: { spec: { image: 'flocker-build/p-web:latest', image_id: id('a') }, running: true },
      },
    });
    const n2 = state({ images, shipped_images: [id('a'), id('b'), id('e')] });
    const plan = planImagePrune(
      { n1, n2 },
      { n1: ['web'], n2: ['api'] },
      { web: 'x', api: 'flocker-build/p-old:latest' },
    );
    expect(plan).to.deep.equal([
      { node: 'n1', image_id: id('b'), tags: ['flocker-build/p-old:latest'] },
      { node: 'n1', image_id: id('d'), tags: [] },
      { node: 'n2', image_id: id('a'), tags: ['flocker-build/p-web:latest'] },
    ]);
  });

  it('a node that reports no shipped record has nothing of ours to remove', () => {
    expect(planImagePrune({ n1: state({ images }) }, {}, {})).to.deep.equal([]);
  });
});
