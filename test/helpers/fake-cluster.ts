// In-process fake nodes behind the NodeConnection interface: reportstate and changestate run
import { createHash } from 'node:crypto';
// the real planner/interpreter code against fake adapters, so the whole deploy loop is
// exercised in a unit test. The lab functional tests run the same loop on real nodes.
import type {
  AppUnits,
  NodeAdapters,
  PeerTarget,
  Routes,
  VolumeTransfer,
} from '../../src/changestate/adapters.js';
import { parseChangestateInput, runPhase } from '../../src/changestate/run-phase.js';
import type { Application } from '../../src/model/application.js';
import { toConfigEntry } from '../../src/model/canonical.js';
import type { NodeState, ReportedRoute } from '../../src/model/state.js';
import type { CommandResult } from '../../src/exec/runner.js';
import type { NodeConnection, SshRunOptions } from '../../src/ssh/connection.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';

export class FakeNode implements AppUnits, Routes, VolumeTransfer {
  readonly running = new Map<
    string,
    { app: Application; env: Record<string, string>; volumePath?: string }
  >();
  readonly starts: string[] = [];
  routes: readonly ReportedRoute[] = [];
  readonly volumes: FakeVolumeStore;
  readonly audit: string[] = [];
  peerKey?: string;
  trusted: string[] = [];
  failOn?: string;
  installed = true;

  constructor(
    readonly name: string,
    readonly address: string,
    readonly cluster: Map<string, FakeNode>,
  ) {
    this.volumes = new FakeVolumeStore(name);
  }

  async start(app: Application, opts: { linkEnvironment: Record<string, string>; volumePath?: string }) {
    if (this.failOn === `start ${app.name}`) throw new Error(`docker: pull access denied for ${app.image}`);
    this.starts.push(app.name);
    this.running.set(app.name, {
      app,
      env: opts.linkEnvironment,
      ...(opts.volumePath ? { volumePath: opts.volumePath } : {}),
    });
  }
  async stop(name: string) {
    this.running.delete(name);
  }
  async set(routes: readonly ReportedRoute[]) {
    this.routes = [...routes];
  }
  private peer(to: PeerTarget): FakeNode {
    const p = [...this.cluster.values()].find((n) => n.address === to.address);
    if (!p) throw new Error(`ssh: connect to ${to.address}: no route`);
    if (!this.peerKey || !p.trusted.includes(this.peerKey))
      throw new Error(`ssh ${to.address}: Permission denied (publickey)`);
    return p;
  }
  private async send(name: string, to: PeerTarget) {
    const p = this.peer(to);
    const snap = await this.volumes.snapshot(name);
    const theirs = (await p.volumes.get(name))?.snapshots ?? [];
    const from = (await this.volumes.get(name))!.snapshots.filter((s) => theirs.includes(s)).at(-1);
    const s = this.volumes.send(name, snap, from);
    await Promise.all([p.volumes.receive(name, s.stream, from), s.done]);
    return { peer: p, incremental: from !== undefined };
  }
  async push(name: string, to: PeerTarget) {
    const { incremental } = await this.send(name, to);
    return { incremental };
  }
  async handoff(name: string, to: PeerTarget) {
    const { peer, incremental } = await this.send(name, to);
    await this.volumes.setOwned(name, false);
    await peer.volumes.setOwned(name, true);
    return { incremental };
  }
  adapters(): NodeAdapters {
    return { apps: this, routes: this, transfer: this, volumes: this.volumes, sleep: async () => undefined };
  }
  async state(): Promise<NodeState> {
    const vols = await this.volumes.list();
    return {
      protocol: 1,
      node: {
        hostname: this.name,
        machine_id: createHash('md5').update(this.name).digest('hex'),
        ...(this.peerKey ? { peer_public_key: this.peerKey } : {}),
      },
      applications: Object.fromEntries(
        [...this.running].map(([n, r]) => [n, { spec: toConfigEntry(r.app), running: true }]),
      ),
      owned_volumes: vols.filter((v) => v.owned).map((v) => ({ name: v.name, snapshots: v.snapshots })),
      volume_copies: vols.filter((v) => !v.owned).map((v) => ({ name: v.name, snapshots: v.snapshots })),
      routes: this.routes,
    };
  }

  /** What flocker-reportstate / flocker-changestate would do on this node. */
  async exec(argv: readonly string[], opts: SshRunOptions = {}): Promise<CommandResult> {
    const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
    if (!this.installed) return { code: 127, stdout: '', stderr: `sh: 1: ${argv[0]}: not found` };
    const stdin = String(await (opts.stdin ?? ''));
    const [prog, sub] = argv;
    if (prog === 'flocker-reportstate') return ok(JSON.stringify(await this.state()));
    if (prog !== 'flocker-changestate') return { code: 127, stdout: '', stderr: 'not found' };
    switch (sub) {
      case 'peer-key':
        this.peerKey = `ssh-ed25519 KEY-${this.name}`;
        return ok(`${this.peerKey}\n`);
      case 'trust': {
        const t = JSON.parse(stdin) as { peers: Record<string, { peer_public_key?: string }> };
        this.trusted = Object.entries(t.peers)
          .filter(([n]) => n !== this.name)
          .flatMap(([, p]) => (p.peer_public_key ? [p.peer_public_key] : []));
        return ok();
      }
      case 'audit':
        this.audit.push(stdin);
        return ok();
      case 'apply': {
        if (stdin.trim() === '') return ok();
        const input = parseChangestateInput(stdin);
        try {
          await runPhase(
            input,
            () => this.state(),
            this.adapters(),
            (e) => opts.onStdoutLine?.(JSON.stringify(e)),
          );
          return ok();
        } catch (e) {
          return { code: 1, stdout: '', stderr: (e as Error).message };
        }
      }
      default:
        return { code: 2, stdout: '', stderr: `unknown subcommand ${sub}` };
    }
  }

  connection(): NodeConnection {
    return {
      node: this.name,
      host: this.name,
      address: this.address,
      port: 22,
      user: 'root',
      hostKey: `ssh-ed25519 HOST-${this.name}`,
      run: (argv, opts) => this.exec(argv, opts),
      close: () => undefined,
    };
  }
}

export function fakeCluster(names: string[]): {
  nodes: Map<string, FakeNode>;
  connect: (n: readonly string[]) => Promise<Map<string, NodeConnection>>;
} {
  const nodes = new Map<string, FakeNode>();
  names.forEach((n, i) => nodes.set(n, new FakeNode(n, `198.51.100.${i + 2}`, nodes)));
  return {
    nodes,
    connect: async (wanted) => new Map(wanted.map((n) => [n, nodes.get(n)!.connection()])),
  };
}
