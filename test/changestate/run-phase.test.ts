import { expect } from 'chai';
import type {
  AppUnits,
  NodeAdapters,
  PeerTarget,
  Routes,
  VolumeTransfer,
} from '../../src/changestate/adapters.js';
import { parseChangestateInput, runPhase } from '../../src/changestate/run-phase.js';
import type { Application } from '../../src/model/application.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { ChangestateInput } from '../../src/model/changestate-input.js';
import type { NodeEvent } from '../../src/model/events.js';
import type { NodeState, ReportedRoute } from '../../src/model/state.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';

const web = toApplication('web', {
  image: 'busybox',
  ports: [{ internal: 80, external: 8080 }],
  volume: { mountpoint: '/data' },
});

class Node implements AppUnits, Routes, VolumeTransfer {
  readonly log: string[] = [];
  readonly running = new Map<
    string,
    { app: Application; env: Record<string, string>; volumePath?: string }
  >();
  routes: readonly ReportedRoute[] = [];
  readonly volumes = new FakeVolumeStore('n');
  failStart = false;
  async start(app: Application, opts: { linkEnvironment: Record<string, string>; volumePath?: string }) {
    if (this.failStart) throw new Error('docker: image not found');
    this.log.push(`start ${app.name} ${opts.volumePath ?? ''}`);
    this.running.set(app.name, {
      app,
      env: opts.linkEnvironment,
      ...(opts.volumePath ? { volumePath: opts.volumePath } : {}),
    });
  }
  async stop(name: string) {
    this.log.push(`stop ${name}`);
    this.running.delete(name);
  }
  async set(routes: readonly ReportedRoute[]) {
    this.log.push(`routes ${routes.map((r) => `${r.port}>${r.target_address}`).join(',')}`);
    this.routes = routes;
  }
  async push(name: string, to: PeerTarget) {
    this.log.push(`push ${name} ${to.node} ${to.address}:${to.port}`);
    return { bytes: 1 };
  }
  async handoff(name: string, to: PeerTarget) {
    this.log.push(`handoff ${name} ${to.node}`);
    await this.volumes.setOwned(name, false);
    return { bytes: 1 };
  }
  adapters(): NodeAdapters {
    return { apps: this, routes: this, transfer: this, volumes: this.volumes, sleep: async () => undefined };
  }
  async state(): Promise<NodeState> {
    const vols = await this.volumes.list();
    return {
      protocol: 1,
      node: { hostname: 'n', machine_id: 'm' },
      applications: Object.fromEntries(
        [...this.running].map(([n, r]) => [n, { spec: toConfigEntry(r.app), running: true }]),
      ),
      owned_volumes: vols.filter((v) => v.owned).map((v) => ({ name: v.name, snapshots: v.snapshots })),
      volume_copies: vols.filter((v) => !v.owned).map((v) => ({ name: v.name, snapshots: v.snapshots })),
      routes: this.routes,
    };
  }
}

const empty: NodeState = {
  protocol: 1,
  node: { hostname: 'h', machine_id: 'm' },
  applications: {},
  owned_volumes: [],
  volume_copies: [],
  routes: [],
};

function input(
  phase: ChangestateInput['phase'],
  n1: NodeState,
  n2: NodeState,
  placeOn: 'n1' | 'n2',
): ChangestateInput {
  return {
    protocol: 1,
    phase,
    self: 'n1',
    desired: {
      applications: { web },
      nodes: { n1: placeOn === 'n1' ? ['web'] : [], n2: placeOn === 'n2' ? ['web'] : [] },
    },
    cluster: {
      nodes: { n1: { address: '198.51.100.2', state: n1 }, n2: { address: '198.51.100.3', state: n2 } },
    },
    peers: { n2: { address: '198.51.100.3', port: 22, host_key: 'ssh-ed25519 AAAA' } },
    audit: { user: 'u', config_hash: 'h', started_at: 't' },
  };
}

describe('changestate phase runner', () => {
  it('creates the volume and starts the app with it mounted, emitting events', async () => {
    const n = new Node();
    const events: NodeEvent[] = [];
    await runPhase(
      input('start', empty, empty, 'n1'),
      () => n.state(),
      n.adapters(),
      (e) => events.push(e),
    );
    expect(n.log).to.deep.equal(['start web /flocker/volumes/web']);
    expect((await n.volumes.get('web'))?.owned).to.equal(true);
    expect(events.map((e) => e.type)).to.deep.equal([
      'change-start',
      'change-done',
      'change-start',
      'change-done',
    ]);
  });

  it('re-plans from its own fresh state: a second run of the same phase does nothing', async () => {
    const n = new Node();
    const i = input('start', empty, empty, 'n1');
    await runPhase(
      i,
      () => n.state(),
      n.adapters(),
      () => undefined,
    );
    const again = await runPhase(
      i,
      () => n.state(),
      n.adapters(),
      () => undefined,
    );
    expect(again).to.equal(undefined);
    expect(n.log).to.deep.equal(['start web /flocker/volumes/web']);
  });

  it('moving away: pushes to the peer address, then stops and hands off', async () => {
    const n = new Node();
    await n.volumes.create('web');
    await n.start(web, { linkEnvironment: {}, volumePath: '/flocker/volumes/web' });
    n.log.length = 0;
    const s = await n.state();
    await runPhase(
      input('push', s, empty, 'n2'),
      () => n.state(),
      n.adapters(),
      () => undefined,
    );
    await runPhase(
      input('stop', s, empty, 'n2'),
      () => n.state(),
      n.adapters(),
      () => undefined,
    );
    expect(n.log).to.deep.equal(['push web n2 198.51.100.3:22', 'stop web', 'handoff web n2']);
  });

  it('a failing change is reported as a change-failed event and an error naming the change', async () => {
    const n = new Node();
    n.failStart = true;
    const events: NodeEvent[] = [];
    let err: Error | undefined;
    await runPhase(
      input('start', empty, empty, 'n1'),
      () => n.state(),
      n.adapters(),
      (e) => events.push(e),
    ).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/^start web .*: docker: image not found$/);
    expect(events.at(-1)).to.include({ type: 'change-failed' });
  });

  it('refuses input of another protocol version with a fix', () => {
    expect(() =>
      parseChangestateInput(JSON.stringify({ ...input('start', empty, empty, 'n1'), protocol: 99 })),
    ).to.throw(/protocol 99 .* install the same flocker version/);
  });
});
