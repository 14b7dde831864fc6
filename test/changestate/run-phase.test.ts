import { expect } from 'chai';
import type { NodeAdapters } from '../../src/changestate/adapters.js';
import { InProcessPeerTransport } from '../../src/changestate/in-process-transport.js';
import { parseChangestateInput, runPhase } from '../../src/changestate/run-phase.js';
import { PeerVolumeTransfer } from '../../src/changestate/volume-transfer.js';
import { toApplication } from '../../src/model/canonical.js';
import type { ChangestateInput } from '../../src/model/changestate-input.js';
import type { NodeEvent } from '../../src/model/events.js';
import type { NodeState } from '../../src/model/state.js';
import type { FlockerError } from '../../src/errors.js';
import { gatherState } from '../../src/reportstate/gather.js';
import { FakeRouteTable } from '../../src/routing/route-table.js';
import { FakeApplicationUnits } from '../../src/systemd/application-units.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';

const web = toApplication('web', {
  image: 'busybox',
  ports: [{ internal: 80, external: 8080 }],
  volume: { mountpoint: '/data' },
});

/** One node over the contract-checked fakes; its pushes go to a fake n2 through the real endpoint. */
class Node {
  readonly units = new FakeApplicationUnits();
  readonly routes = new FakeRouteTable();
  readonly volumes = new FakeVolumeStore('n1');
  /** n2's store, reached at 198.51.100.3:22 only */
  readonly peer = new FakeVolumeStore('n2');
  readonly transport = new InProcessPeerTransport((to) => {
    if (to.address !== '198.51.100.3' || to.port !== 22) throw new Error(`no route to ${to.address}`);
    return this.peer;
  });
  adapters(): NodeAdapters {
    return {
      apps: this.units,
      routes: this.routes,
      volumes: this.volumes,
      transfer: new PeerVolumeTransfer(this.volumes, this.transport, 'n1'),
      sleep: async () => undefined,
    };
  }
  state(): Promise<NodeState> {
    return gatherState({
      identity: async () => ({ hostname: 'n1', machine_id: 'm' }),
      units: this.units,
      volumes: this.volumes,
      routes: this.routes,
    });
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
    expect(n.units.calls).to.deep.equal(['start web']);
    expect(n.units.apps.get('web')).to.include({ running: true, volumePath: '/flocker/volumes/web' });
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
    expect(n.units.calls).to.deep.equal(['start web']);
  });

  it('moving away: pushes to the peer address while running, then stops and hands off', async () => {
    const n = new Node();
    await n.volumes.create('web');
    n.volumes.write('web', 'data');
    await n.units.start(web, { linkEnvironment: {}, volumePath: '/flocker/volumes/web' });
    n.units.calls.length = 0;
    const s = await n.state();
    await runPhase(
      input('push', s, empty, 'n2'),
      () => n.state(),
      n.adapters(),
      () => undefined,
    );
    expect(n.units.calls).to.deep.equal([]);
    const lineage = (await n.volumes.get('web'))?.lineage ?? '';
    expect(n.transport.requests).to.deep.equal(['n2: snapshots web', `n2: recv web ${lineage} 1 n1`]);
    expect(await n.peer.get('web')).to.include({ owned: false });
    expect((await n.volumes.get('web'))?.owned).to.equal(true);
    n.volumes.write('web', 'final');
    const pre = (await n.peer.get('web'))?.snapshots[0];
    await runPhase(
      input('stop', s, empty, 'n2'),
      () => n.state(),
      n.adapters(),
      () => undefined,
    );
    expect(n.units.calls).to.deep.equal(['stop web']);
    const final = (await n.peer.get('web'))?.snapshots[0] ?? '';
    const guid = (await n.peer.get('web'))?.guids[final] ?? '';
    expect(n.transport.requests.slice(2)).to.deep.equal([
      'n2: status web',
      'n2: snapshots web',
      `n2: recv web ${lineage} 1 n1 ${pre}`,
      `n2: own web ${final} ${guid} 2 n1 n2`,
    ]);
    expect((await n.volumes.get('web'))?.owned).to.equal(false);
    expect((await n.peer.get('web'))?.owned).to.equal(true);
    expect(n.peer.read('web')).to.equal('final');
  });

  it('a failing change is reported as a change-failed event and an error naming the change', async () => {
    const n = new Node();
    n.units.failing.set('web', 'docker: image not found');
    const events: NodeEvent[] = [];
    let err: Error | undefined;
    await runPhase(
      input('start', empty, empty, 'n1'),
      () => n.state(),
      n.adapters(),
      (e) => events.push(e),
    ).catch((e: Error) => (err = e));
    expect(err).to.include({ code: 'E_CHANGE' });
    expect(err?.message).to.match(
      /^start web .*: fake: application web did not start \(docker: image not found\)$/,
    );
    expect(events.at(-1)).to.include({ type: 'change-failed' });
  });

  it('an unhealthy app: change-failed with E_APP_UNHEALTHY and its check output; the app is left stopped', async () => {
    const n = new Node();
    n.units.unhealthy.set('web', 'connection refused');
    const events: NodeEvent[] = [];
    const err = await runPhase(
      input('start', empty, empty, 'n1'),
      () => n.state(),
      n.adapters(),
      (e) => events.push(e),
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).to.include({ code: 'E_CHANGE' });
    const last = events.at(-1);
    expect(last?.type).to.equal('change-failed');
    expect(last?.type === 'change-failed' ? last.error : undefined).to.deep.equal({
      code: 'E_APP_UNHEALTHY',
      message:
        'fake: application web is not healthy (unhealthy after 3 failed checks); stopped, no route set\nlast check exited 1:\nconnection refused',
    });
    expect((await n.state()).applications.web?.running).to.equal(false);
  });

  it('refuses input of another protocol version with a fix', () => {
    expect(() =>
      parseChangestateInput(JSON.stringify({ ...input('start', empty, empty, 'n1'), protocol: 99 })),
    ).to.throw(/protocol 99 .* install the same flocker version/);
  });

  describe('check-start', () => {
    const moved = toApplication('web', {
      image: 'busybox:nope',
      ports: [{ internal: 80, external: 8080 }],
      volume: { mountpoint: '/data' },
    });
    /** n1 is about to receive web from n2 (which owns 8 bytes of it) and start it */
    const receiving = (): ChangestateInput => {
      const i = input(
        'check',
        empty,
        { ...empty, owned_volumes: [{ name: 'web', snapshots: [], bytes: 8, role: 'owner', epoch: 1 }] },
        'n1',
      );
      return { ...i, desired: { ...i.desired, applications: { web: moved } } };
    };
    const run = async (n: Node, i: ChangestateInput) => {
      const events: NodeEvent[] = [];
      const err = await runPhase(
        i,
        () => n.state(),
        n.adapters(),
        (e) => events.push(e),
      ).then(
        () => undefined,
        (e: FlockerError) => e,
      );
      return { err, events };
    };

    it('is what the planner computes for the node: images, ports, room for the incoming volume', async () => {
      const n = new Node();
      const { err, events } = await run(n, receiving());
      expect(err).to.equal(undefined);
      expect(events.map((e) => [e.type, e.change])).to.deep.equal([
        [
          'change-start',
          {
            kind: 'check-start',
            images: ['busybox:nope'],
            app_ports: [8080],
            route_ports: [],
            volumes: [{ name: 'web', bytes: 8 }],
          },
        ],
        [
          'change-done',
          {
            kind: 'check-start',
            images: ['busybox:nope'],
            app_ports: [8080],
            route_ports: [],
            volumes: [{ name: 'web', bytes: 8 }],
          },
        ],
      ]);
      expect(events[1]).to.deep.include({ detail: { docker: 'fake', pool_available: 1 << 30 } });
    });

    it('image missing and not pullable: E_PRECHECK_IMAGE naming the image, and nothing started or stopped', async () => {
      const n = new Node();
      n.units.missingImages.add('busybox:nope');
      const { err, events } = await run(n, receiving());
      expect(err).to.include({ code: 'E_CHANGE' });
      expect(err?.message).to.match(
        /image busybox:nope is not on this node and could not be pulled: .*\n.*pull access denied/,
      );
      expect(events.at(-1)).to.deep.include({ type: 'change-failed' });
      expect(events.at(-1)).to.have.nested.property('error.code', 'E_PRECHECK_IMAGE');
      expect(n.units.calls).to.deep.equal(['pull busybox:nope']);
      expect(await n.volumes.list()).to.deep.equal([]);
    });

    it("every problem at once, the first one's code: dockerd down, pool too small, port taken", async () => {
      const n = new Node();
      n.units.dockerDown = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock';
      n.volumes.poolStatus = { pool: 'flocker', health: 'ONLINE', available: 4 };
      n.routes.listeners.push({ address: '::', port: 8080 });
      const { events } = await run(n, receiving());
      const failed = events.at(-1);
      expect(failed).to.have.nested.property('error.code', 'E_PRECHECK_DOCKER');
      const message = failed?.type === 'change-failed' ? failed.error.message : '';
      expect(message.split('\n').filter((l) => !l.startsWith('Cannot connect'))).to.deep.equal([
        'dockerd does not answer: fake: dockerd does not answer: docker version (exit 1)',
        'ZFS pool flocker has 4 B free, volume web needs 8 B',
        'port 8080 is in use here by a program that is not a flocker app (listening on ::): the app cannot publish it',
      ]);
    });

    it('a UDP port is checked against UDP listeners only (a TCP one on the same port is no conflict)', async () => {
      const dns = toApplication('web', {
        image: 'busybox:nope',
        ports: [{ internal: 53, external: 53, protocol: 'udp' }],
        volume: { mountpoint: '/data' },
      });
      const i = receiving();
      const withDns = { ...i, desired: { ...i.desired, applications: { web: dns } } };
      const n = new Node();
      n.routes.listeners.push({ address: '0.0.0.0', port: 53 }); // TCP: not in the way
      expect((await run(n, withDns)).err).to.equal(undefined);
      const m = new Node();
      m.routes.listeners.push({
        address: '127.0.0.53',
        port: 53,
        protocol: 'udp',
        program: 'systemd-resolve',
      });
      const { events } = await run(m, withDns);
      const failed = events.at(-1);
      expect(failed).to.have.nested.property('error.code', 'E_PRECHECK_PORT');
      expect(failed?.type === 'change-failed' ? failed.error.message : '').to.equal(
        'UDP port 53 is in use here by a program that is not a flocker app (listening on 127.0.0.53): the app cannot publish it',
      );
    });

    it('a port published by our own app here is ours, not a conflict', async () => {
      const n = new Node();
      await n.volumes.create('web');
      // web runs here with its old image and publishes 8080 (docker-proxy); the new spec restarts it
      await n.units.start(web, { linkEnvironment: {}, volumePath: '/flocker/volumes/web' });
      n.routes.listeners.push({ address: '0.0.0.0', port: 8080 });
      const i = input('check', await n.state(), empty, 'n1');
      const { err } = await run(n, { ...i, desired: { ...i.desired, applications: { web: moved } } });
      expect(err).to.equal(undefined);
    });
  });
});
