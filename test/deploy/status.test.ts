// The status report (pure, from what each node answered) and its views: plain tables, JSON
// that matches its schema; an unreachable node is a row; environment values never appear.
import { expect } from 'chai';
import { buildStatus } from '../../src/deploy/status.js';
import { statusJson, statusText } from '../../src/deploy/render-status.js';
import { lockText } from '../../src/deploy/lock-cmd.js';
import { pruneText } from '../../src/deploy/render-prune.js';
import type { NodeState } from '../../src/model/state.js';
import { validateStatusReportSchema } from '../../src/validation/validators.js';

const MID = 'a'.repeat(32);
const n1: NodeState = {
  protocol: 1,
  node: { hostname: 'host-1', machine_id: MID },
  applications: {
    web: {
      spec: {
        image: 'nginx:1.25',
        ports: [{ internal: 80, external: 8080 }],
        volume: { mountpoint: '/data' },
        environment: { PASSWORD: 'sekrit' },
        restart_policy: { name: 'never' },
      },
      running: true,
      unit_state: 'active',
      since: '2026-12-01T10:00:00.000Z',
    },
    job: {
      spec: { image: 'busybox:latest', restart_policy: { name: 'never' } },
      running: false,
      unit_state: 'failed',
    },
  },
  owned_volumes: [
    {
      name: 'web',
      role: 'owner',
      epoch: 2,
      owner: 'n1',
      snapshots: ['flocker-20261201T100000000Z-1'],
      bytes: 3 << 20,
    },
  ],
  volume_copies: [],
  routes: [{ port: 8080, target_address: '10.0.0.1', target_port: 8080 }],
};
const n2: NodeState = {
  ...n1,
  applications: {},
  owned_volumes: [],
  volume_copies: [{ name: 'web', role: 'copy', epoch: 1, snapshots: [] }],
  routes: [{ port: 8080, target_address: '10.0.0.1', target_port: 8080 }],
};
const holder = {
  deploy_id: 'deploy-1234-5678',
  user: 'alice',
  from: 'laptop',
  deploy_pid: 42,
  started_at: '2026-12-01T11:00:00.000Z',
  config_hash: 'c',
};

describe('status report', () => {
  const r = buildStatus({ n1: ['web'], n2: ['db'], n3: [] }, [
    { node: 'n1', address: '10.0.0.1', state: n1, lock: { held: true, holder } },
    { node: 'n2', address: '10.0.0.2', state: n2, lock: { held: false, holder: null } },
    { node: 'n3', error: { code: 'E_SSH_TIMEOUT', message: 'n3: no handshake within 10 s' } },
  ]);

  it('nodes, apps (running / failed / not running), volumes, routes, locks; valid against its schema', () => {
    expect(validateStatusReportSchema(r), JSON.stringify(validateStatusReportSchema.errors)).to.equal(true);
    expect(r.complete).to.equal(false);
    expect(r.applications.map((a) => [a.name, a.node, a.state])).to.deep.equal([
      ['db', 'n2', 'not running'],
      ['job', 'n1', 'failed'],
      ['web', 'n1', 'running'],
    ]);
    expect(r.volumes).to.deep.equal([
      {
        name: 'web',
        owners: ['n1'],
        copies: ['n2'],
        epoch: 2,
        bytes: 3 << 20,
        newest_snapshot: 'flocker-20261201T100000000Z-1',
      },
    ]);
    expect(r.routes.map((x) => x.target_node)).to.deep.equal(['n1', 'n1']);
    expect(r.nodes[0]!.lock).to.deep.equal({
      held: true,
      holder: {
        user: 'alice',
        from: 'laptop',
        since: holder.started_at,
        deploy_id: holder.deploy_id,
        deploy_pid: 42,
      },
    });
  });

  it('plain tables name everything; neither view shows environment values', () => {
    const text = statusText(r);
    expect(text).to.match(/n1\s+10\.0\.0\.1\s+reachable\s+held by alice on laptop \(pid 42\)/);
    expect(text).to.match(/n3\s+-\s+unreachable: E_SSH_TIMEOUT n3: no handshake/);
    expect(text).to.match(/web\s+n1\s+running\s+nginx:1\.25\s+2026-12-01T10:00:00\.000Z\s+8080->80\s+yes/);
    expect(text).to.match(/web\s+n1\s+n2\s+3\.0 MiB\s+flocker-20261201T100000000Z-1\s+2/);
    expect(text).to.match(/n2\s+8080\s+n1 10\.0\.0\.1:8080/);
    expect(text).to.include('Some nodes did not answer');
    for (const v of [text, statusJson(r)]) expect(v).to.not.include('sekrit');
  });

  it('lock and prune views', () => {
    expect(
      lockText(
        [
          { node: 'n1', held: true, holder },
          { node: 'n2', held: false, holder: null },
        ],
        'status',
      ),
    ).to.match(
      /n1\s+held\s+alice on laptop \(pid 42\), since 2026-12-01T11:00:00.000Z, deploy deploy-1234-5678\nn2\s+free\s+-\n/,
    );
    const empty = { plan: { volumes: [], snapshots: [], kept: [] }, nodes: {}, bytes: 0, applied: false };
    expect(pruneText(empty)).to.equal('Nothing to prune.\n');
    const image = {
      ...empty,
      plan: {
        ...empty.plan,
        images: [{ node: 'n1', image_id: `sha256:${'ab'.repeat(32)}`, tags: ['flocker-build/p-app:latest'] }],
      },
    };
    expect(pruneText(image)).to.match(
      /^NODE\s+VOLUME\/IMAGE\s+WHAT\s+SIZE\nn1\s+flocker-build\/p-app:latest\s+unused image we sent\s+-\n/,
    );
  });
});
