// In-process fake nodes behind the NodeConnection interface, so the whole deploy loop runs in a
// unit test. Each node runs the REAL node-side programs — flocker-changestate's `main` and
// flocker-reportstate's `gatherState` — over the contract-checked fakes (FakeApplicationUnits,
// FakeRouteTable, FakeVolumeStore) and the real volume transfer (PeerVolumeTransfer) through
// InProcessPeerTransport, which serves each push with the real peer endpoint on the receiving
// node. The lab functional tests run the same loop on real nodes.
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { ChangestateNode, NodeAdapters, PeerTarget } from '../../src/changestate/adapters.js';
import { errorText, main } from '../../src/changestate/cli.js';
import { InProcessPeerTransport } from '../../src/changestate/in-process-transport.js';
import { PeerVolumeTransfer } from '../../src/changestate/volume-transfer.js';
import { exitCodeFor, NodeCommandError } from '../../src/errors.js';
import type { PeerTransport } from '../../src/changestate/peer-transport.js';
import type { CommandResult } from '../../src/exec/runner.js';
import type { Application } from '../../src/model/application.js';
import type { NodeState, ReportedRoute } from '../../src/model/state.js';
import {
  MEMBERSHIP_FILE,
  gatherState,
  readMembership,
  type StateAdapters,
} from '../../src/reportstate/gather.js';
import { FakeRouteTable } from '../../src/routing/route-table.js';
import type { NodeConnection, SshRunOptions } from '../../src/ssh/connection.js';
import { FakeApplicationUnits } from '../../src/systemd/application-units.js';
import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';
import type { NodeLock } from '../../src/changestate/deploy-lock.js';
import { FakeFileLocks } from '../../src/exec/file-lock.js';
import { MemoryNodeFiles } from '../../src/exec/node-files.js';

export class FakeNode {
  readonly units = new FakeApplicationUnits();
  /** docker-proxy listens on the ports of running apps (and stale ones); sshd on 22, as on a real node */
  readonly routeTable = new FakeRouteTable(() =>
    [
      ...[...this.units.apps.values()]
        .filter((a) => a.running)
        .flatMap((a) => a.application.ports.map((p) => ({ port: p.external, udp: p.protocol === 'udp' }))),
      ...[...this.units.staleProxies, ...this.units.foreignContainers.flatMap((c) => c.ports)].map(
        (port) => ({
          port,
          udp: false,
        }),
      ),
    ].map(({ port, udp }) => ({
      address: '0.0.0.0',
      port,
      program: 'docker-proxy',
      ...(udp ? { protocol: 'udp' as const } : {}),
    })),
  );
  readonly volumes: FakeVolumeStore;
  /** one line per `flocker-changestate audit` (what the real audit log gets) */
  readonly audit: string[] = [];
  /** this node's push key, once `flocker-changestate peer-key` made it */
  peerKey?: string;
  /** the push keys this node accepts (what `trust` would write into authorized_keys) */
  trusted: string[] = [];
  /** false: the node-side programs are not installed (exit 127) */
  installed = true;
  /** the deploy lock: contract-checked fake locks over in-memory files */
  readonly lock: NodeLock = {
    locks: new FakeFileLocks(),
    files: new MemoryNodeFiles(),
    dir: '/var/lib/flocker/lock',
    pid: 4000,
  };
  /** a peer request kind this node's pushes fail on, as a cut connection would */
  cutBefore?: string;

  constructor(
    readonly name: string,
    readonly address: string,
    readonly cluster: Map<string, FakeNode>,
  ) {
    this.volumes = new FakeVolumeStore(name);
    this.routeTable.listeners = [
      { address: '0.0.0.0', port: 22 },
      { address: '::', port: 22 },
    ];
  }

  /** 'start NAME': that app's start fails as a missing image would */
  set failOn(what: string) {
    const app = /^start (\S+)$/.exec(what)?.[1];
    if (!app) throw new Error(`fake node: cannot fail on ${JSON.stringify(what)}`);
    this.units.failing.set(app, 'docker: pull access denied');
  }

  /** the running apps, as the deploy tests look at them */
  get running(): Map<string, { app: Application; env: Record<string, string>; volumePath?: string }> {
    return new Map(
      [...this.units.apps]
        .filter(([, a]) => a.running)
        .map(([n, a]) => [
          n,
          {
            app: a.application,
            env: a.env,
            ...(a.volumePath !== undefined ? { volumePath: a.volumePath } : {}),
          },
        ]),
    );
  }

  /** names of the apps started, in order */
  get starts(): string[] {
    return this.units.calls.filter((c) => c.startsWith('start ')).map((c) => c.slice('start '.length));
  }

  get routes(): readonly ReportedRoute[] {
    return this.routeTable.routes;
  }

  /** The peer a push goes to, as ssh would reach it: by address, and only if it trusts our key. */
  private peerStore(to: PeerTarget): FakeVolumeStore {
    const p = [...this.cluster.values()].find((n) => n.address === to.address && to.port === 22);
    if (!p) throw new Error(`ssh: connect to host ${to.address} port ${to.port}: No route to host`);
    if (!this.peerKey || !p.trusted.includes(this.peerKey))
      throw new Error(`root@${to.address}: Permission denied (publickey).`);
    return p.volumes;
  }

  private stateAdapters(): StateAdapters {
    return {
      identity: async () => ({
        hostname: this.name,
        machine_id: createHash('md5').update(this.name).digest('hex'),
        ...(this.peerKey ? { peer_public_key: this.peerKey } : {}),
      }),
      units: this.units,
      volumes: this.volumes,
      routes: this.routeTable,
      membership: () => readMembership(this.lock.files),
    };
  }

  adapters(): NodeAdapters {
    const inner = new InProcessPeerTransport((to) => this.peerStore(to));
    const transport: PeerTransport = {
      request: (to, req, input) => {
        if (req.kind === this.cutBefore) {
          input?.resume();
          return Promise.reject(
            new NodeCommandError(
              to.node,
              ['ssh', to.address, req.kind],
              255,
              'connection cut',
              'ssh to peer failed',
            ),
          );
        }
        return inner.request(to, req, input);
      },
    };
    return {
      apps: this.units,
      volumes: this.volumes,
      routes: this.routeTable,
      transfer: new PeerVolumeTransfer(this.volumes, transport, this.name),
      sleep: async () => undefined,
    };
  }

  /** what flocker-reportstate prints on this node */
  state(): Promise<NodeState> {
    return gatherState(this.stateAdapters());
  }

  /** The node as flocker-changestate's main sees it (localNode() on a real node). */
  private changestateNode(): ChangestateNode {
    return {
      gather: () => this.state(),
      adapters: () => this.adapters(),
      peerKey: async () => (this.peerKey ??= `ssh-ed25519 KEY-${this.name}`),
      trust: async (self, peers) => {
        const others = Object.keys(peers)
          .filter((n) => n !== self)
          .sort();
        this.trusted = others.flatMap((n) => {
          const k = peers[n]?.peer_public_key;
          return k ? [k] : [];
        });
        return { knownHosts: others, authorized: others.filter((n) => peers[n]?.peer_public_key) };
      },
      appendAudit: async (line) => {
        this.audit.push(line);
      },
      readAudit: async () => this.audit.join(''),
      restoreRoutes: async () => this.routeTable.set(this.routeTable.routes),
      linkNat: async (name) => ({ application: name, pid: 0, commands: [] }),
      lock: this.lock,
      remember: (m) => this.lock.files.write(MEMBERSHIP_FILE, JSON.stringify(m), 0o600),
      endLockHolder: async () => false,
    };
  }

  /** Run a node-side program as bin/ would: the real entry points, exit codes and stderr. */
  async exec(argv: readonly string[], opts: SshRunOptions = {}): Promise<CommandResult> {
    const [prog, ...args] = argv;
    if (!this.installed || (prog !== 'flocker-reportstate' && prog !== 'flocker-changestate'))
      return { code: 127, stdout: '', stderr: `sh: 1: ${prog ?? ''}: not found` };
    if (prog === 'flocker-reportstate') {
      try {
        return { code: 0, stdout: `${JSON.stringify(await this.state())}\n`, stderr: '' };
      } catch (e) {
        return { code: exitCodeFor(e), stdout: '', stderr: `flocker-reportstate: ${errorText(e)}\n` };
      }
    }
    const stdin = String(await (opts.stdin ?? ''));
    // like an ssh channel: the input, then EOF (held open until stdinOpenUntil when given)
    const stdinStream = new PassThrough();
    stdinStream.write(stdin);
    void Promise.resolve(opts.stdinOpenUntil).then(() => stdinStream.end());
    let stdout = '';
    let partial = '';
    const write = (s: string): void => {
      stdout += s;
      const lines = (partial + s).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onStdoutLine?.(l);
    };
    const stdoutStream = new PassThrough();
    stdoutStream.on('data', (b: Buffer) => write(b.toString('utf8')));
    try {
      await main(
        args,
        {
          stdin: stdinStream,
          readStdin: async () => stdin,
          stdout: write,
          stdoutStream,
          env: {},
        },
        this.changestateNode(),
      );
      return { code: 0, stdout, stderr: '' };
    } catch (e) {
      return { code: exitCodeFor(e), stdout, stderr: `flocker-changestate: ${errorText(e)}\n` };
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
