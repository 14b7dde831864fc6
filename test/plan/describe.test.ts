import { shownPlan } from '../../src/plan/shown.js';
import { expect } from 'chai';
import { describePlan, planDocument } from '../../src/plan/describe.js';
import type { ClusterPlan } from '../../src/model/changes.js';
import { toApplication } from '../../src/model/canonical.js';

const web = toApplication('web', {
  image: 'busybox',
  ports: [{ internal: 80, external: 8080 }],
  volume: { mountpoint: '/data' },
});
const addrs = { n1: '198.51.100.2', n2: '198.51.100.3' };
const move: ClusterPlan = {
  phases: [
    { phase: 'push', nodes: { n1: { kind: 'push-volume', name: 'web', to: 'n2', to_address: addrs.n2 } } },
    {
      phase: 'start',
      nodes: {
        n2: {
          kind: 'sequentially',
          changes: [
            { kind: 'wait-for-volume', name: 'web', from: 'n1' },
            { kind: 'start-application', application: web, link_environment: {} },
          ],
        },
      },
    },
  ],
};

describe('plan description', () => {
  it('renders phases grouped by node', () => {
    expect(describePlan(move, addrs)).to.equal(
      [
        'Plan: 3 changes on 2 nodes',
        '',
        'Phase 1/2: push — copy volumes while their apps run',
        '  n1 (198.51.100.2)',
        '    - copy volume web to n2 (198.51.100.3) while it runs',
        '',
        'Phase 2/2: start — start apps',
        '  n2 (198.51.100.3)',
        '    in order:',
        '      - check volume web arrived from n1',
        '      - start web (image busybox:latest; ports 8080->80; volume at /data)',
        '',
      ].join('\n'),
    );
  });

  it('says when there is nothing to do', () => {
    expect(describePlan({ phases: [] }, addrs)).to.equal(
      'Nothing to do: every node already matches the configuration.\n',
    );
  });

  it("shows each moving volume's size when known (text and JSON)", () => {
    const sizes = { web: 327_155_712 };
    expect(describePlan(move, addrs, sizes)).to.include(
      '    - copy volume web (312 MiB) to n2 (198.51.100.3) while it runs\n',
    );
    expect(planDocument(move, addrs, sizes).volumes).to.deep.equal({ web: { bytes: 327_155_712 } });
  });

  it('plurals and wording: one change, a stop that keeps a volume only when there is one', () => {
    const one: ClusterPlan = {
      phases: [
        { phase: 'stop', nodes: { n1: { kind: 'stop-application', name: 'ghost', reason: 'removed' } } },
      ],
    };
    expect(describePlan(one, addrs)).to.include('Plan: 1 change on 1 node\n');
    expect(describePlan(one, addrs)).to.include('- stop ghost (removed from the config)\n');
    const kept: ClusterPlan = {
      phases: [
        {
          phase: 'stop',
          nodes: { n1: { kind: 'stop-application', name: 'web', reason: 'removed', volume_kept: true } },
        },
      ],
    };
    expect(describePlan(kept, addrs)).to.include('- stop web (removed from the config; volume kept)\n');
  });

  it('JSON document carries the plan data as shown (environment: names only)', () => {
    const doc = planDocument(move, addrs);
    expect(JSON.parse(JSON.stringify(doc))).to.deep.equal({
      format: 'flocker-plan',
      version: 1,
      schema: 'flocker-plan.v1',
      nodes: { n1: { address: addrs.n1 }, n2: { address: addrs.n2 } },
      changes: 3,
      volumes: {},
      phases: JSON.parse(JSON.stringify(shownPlan(move).phases)) as unknown,
    });
  });

  it('describes the check phase: images, pool room, ports', () => {
    const p: ClusterPlan = {
      phases: [
        {
          phase: 'check',
          nodes: {
            n1: { kind: 'check-start', images: [], app_ports: [], route_ports: [8080], volumes: [] },
            n2: {
              kind: 'check-start',
              images: ['busybox:latest'],
              app_ports: [8080],
              route_ports: [5000],
              volumes: [{ name: 'web', bytes: 3_260_416 }],
            },
          },
        },
      ],
    };
    expect(describePlan(p, addrs)).to.equal(
      [
        'Plan: 2 changes on 2 nodes',
        '',
        'Phase 1/1: check — check that nodes can do their part, before anything changes',
        '  n1 (198.51.100.2)',
        '    - check: port 8080 not taken by other programs',
        '  n2 (198.51.100.3)',
        '    - check: dockerd answers, image busybox:latest here (pulled if missing); pool healthy with room for volume web (3.1 MiB); ports 8080, 5000 not taken by other programs',
        '',
      ].join('\n'),
    );
  });
});
