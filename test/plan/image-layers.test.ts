// Which node is sent which image (issue 13 item 1): every node that will run an app with a
// pinned image ID and does not report that image; once per image per node.
import { expect } from 'chai';
import { toApplication } from '../../src/model/canonical.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { ClusterState, NodeState } from '../../src/model/state.js';
import { imageShipments } from '../../src/plan/image-layers.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const app = (name: string, image: string, image_id?: string) =>
  toApplication(name, { image, ...(image_id ? { image_id } : {}) });

const desired: DesiredConfig = {
  applications: {
    web: app('web', 'flocker-build/p-web', id('a')),
    api: app('api', 'flocker-build/p-api', id('a')),
    db: app('db', 'postgres:16'),
    worker: app('worker', 'flocker-build/p-worker', id('b')),
  },
  nodes: { n1: ['api', 'db', 'web'], n2: ['worker'], n3: [] },
};

const node = (images?: string[]): NodeState => ({
  protocol: 1,
  node: { hostname: 'h', machine_id: 'm' },
  applications: {},
  owned_volumes: [],
  volume_copies: [],
  routes: [],
  ...(images ? { images: images.map((i) => ({ id: i, layers: [] })) } : {}),
});
const cluster = (n1?: string[], n2?: string[]): ClusterState => ({
  nodes: {
    n1: { address: '198.51.100.2', state: node(n1) },
    n2: { address: '198.51.100.3', state: node(n2) },
    n3: { address: '198.51.100.4', state: node([]) },
  },
});

describe('image shipments (which node needs which image)', () => {
  it('a node lacking a pinned image gets it once for all its apps; unpinned images are pulled', () => {
    expect(imageShipments(desired, cluster([], []))).to.deep.equal([
      { node: 'n1', image_id: id('a'), image: 'flocker-build/p-api:latest', apps: ['api', 'web'] },
      { node: 'n2', image_id: id('b'), image: 'flocker-build/p-worker:latest', apps: ['worker'] },
    ]);
  });

  it('a node that has the image (by ID) gets nothing: a redeploy ships nothing', () => {
    expect(imageShipments(desired, cluster([id('a')], [id('b'), id('c')]))).to.deep.equal([]);
    expect(imageShipments(desired, cluster([id('a')], [id('c')])).map((s) => s.node)).to.deep.equal(['n2']);
  });

  it('a node that reports no images (an older node) gets every image it runs', () => {
    expect(imageShipments(desired, cluster(undefined, [id('b')])).map((s) => s.node)).to.deep.equal(['n1']);
  });
});
