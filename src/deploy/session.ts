// One deploy's connections and what was learnt over them (states, cluster, peers), and the wire
// calls of each step: gather state, trust, a phase on its nodes, the audit. No events and no
// text here: the driver (driver.ts) orders the steps and reports them.
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  errorData,
  AggregateNodeError,
  FlockerError,
  NodeError,
  PhaseError,
  SameMachineError,
  toNodeError,
} from '../errors.js';
import type { ChangestateInput, PeerInfo } from '../model/changestate-input.js';
import type { ClusterPlan, PhaseName } from '../model/changes.js';
import type { Payload } from '../model/payload.js';
import type { DesiredConfig } from '../model/deployment.js';
import type { Emit, LeafChange, NodeEvent } from '../model/events.js';
import { PROTOCOL_VERSION } from '../model/state.js';
import type { ClusterState, Membership, NodeState } from '../model/state.js';
import { leaves, movingVolumeSizes, plan } from '../plan/planner.js';
import { rememberedVolumes } from '../plan/ownership.js';
import { refuseQuotaShrink, refuseSshPorts } from '../plan/safety.js';
import type { NodeConnection } from '../ssh/connection.js';
import type { AgentBundle } from './agent.js';
import {
  CHANGESTATE,
  gatherState,
  parseNodeEvent,
  runNodeProgram,
  useAgent,
  type AgentInstalled,
} from './node-programs.js';
import type { LockHolder } from '../validation/lock-holder.js';
import { dict, dictFrom, own } from '../util/own.js';

export interface SessionOptions {
  readonly desired: DesiredConfig;
  /** opens one connection per node (ssh2 in production, in-process fakes in tests) */
  readonly connect: (nodes: readonly string[]) => Promise<Map<string, NodeConnection>>;
  /** who deploys (the person), for the audit log and the lock holder record */
  readonly user: string;
  /** the deploying machine (default: this host's name) */
  readonly host?: string;
  /** how long to wait for another deploy's lock on a node (0: refuse at once) */
  readonly lockWaitSeconds?: number;
  /** --forget-node: nodes gone for good; the newest copy elsewhere may replace what they owned */
  readonly forget?: readonly string[];
  readonly now?: () => Date;
  /**
   * the node agent to run the node programs with, installed or updated on each node where it is
   * missing or different (none: the programs are called by name on the node's PATH)
   */
  readonly agent?: AgentBundle;
  readonly onAgentInstalled?: (info: AgentInstalled) => void;
  /** issue 13: contents of project files and secrets by hash (config/load.ts loadProject) */
  readonly payloads?: Readonly<Record<string, Payload>>;
}

/** issue 13: the payloads of the apps placed on `node` (only that node is sent them). */
export function payloadsFor(
  desired: DesiredConfig,
  node: string,
  payloads: Readonly<Record<string, Payload>>,
): Record<string, Payload> | undefined {
  const out = dict<Payload>();
  for (const name of own(desired.nodes, node) ?? []) {
    const app = own(desired.applications, name);
    for (const m of [...Object.values(app?.files ?? {}), ...Object.values(app?.secrets ?? {})]) {
      const p = own(payloads, m.hash);
      if (p) out[m.hash] = p;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** A node event with the name of the node it came from. */
export type NodeEventFrom = NodeEvent & { readonly node: string };

/** Hash of the desired configuration (canonical), recorded in every node's audit log. */
export function configHash(desired: DesiredConfig): string {
  return createHash('sha256').update(JSON.stringify(desired)).digest('hex').slice(0, 16);
}

function lockReply(line: string): { locked?: unknown; holder?: unknown } | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null ? (v as { locked?: unknown; holder?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** A refused lock names the node and the holder (the node's own message says who and since when). */
function lockRefusal(node: string, e: unknown): Error {
  if (e instanceof FlockerError && e.code === 'E_NODE_COMMAND') {
    const said = (e as { stderr?: string }).stderr?.trim().replace(/^flocker-changestate: /, '') ?? e.message;
    if (/deploy lock is held by/.test(said)) return new NodeError(node, said, 'E_LOCKED');
  }
  return e instanceof Error ? e : new Error(String(e));
}

function checkDistinct(conns: Map<string, NodeConnection>, states: Map<string, NodeState>): void {
  const seen = new Map<string, string>();
  for (const [node, c] of conns) {
    const ids = [`address ${c.address}:${c.port}`, `machine-id ${states.get(node)?.node.machine_id ?? ''}`];
    for (const id of ids) {
      const other = seen.get(id);
      if (other !== undefined) {
        throw new SameMachineError(
          `nodes ${other} and ${node} of the deployment are the same machine (${id}): name each node once`,
        );
      }
      seen.set(id, node);
    }
  }
}

/** Nodes that send volumes in this plan. */
function senders(p: ClusterPlan): Set<string> {
  const s = new Set<string>();
  for (const ph of p.phases) {
    for (const [node, c] of Object.entries(ph.nodes)) {
      const sends = ['push-volume', 'handoff-volume', 'resume-handoff', 'cancel-handoff'];
      if (leaves(c).some((l) => sends.includes(l.kind))) s.add(node);
    }
  }
  return s;
}

/**
 * Settled per-node results (in `nodes` order): one failure is thrown as it is, several as one
 * aggregate naming each node.
 */
function throwFailures(
  nodes: readonly string[],
  settled: readonly PromiseSettledResult<unknown>[],
  many: (errors: NodeError[]) => Error,
): void {
  const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [[nodes[i]!, r.reason] as const] : []));
  if (failed.length === 1) throw failed[0]![1];
  if (failed.length > 1) throw many(failed.map(([node, e]) => toNodeError(node, e)));
}

/** A node-side process started ahead of its phase, waiting for its input. */
interface Warm {
  give: (input: string) => void;
  onEvent: Emit<NodeEventFrom>;
  result: Promise<unknown>;
}

export class DeploySession {
  readonly nodes: readonly string[];
  private conns = new Map<string, NodeConnection>();
  private states = new Map<string, NodeState>();
  private cluster: ClusterState = { nodes: dict() };
  private peers: Record<string, PeerInfo> = dict();
  /** per node, the changes it reported done: sent to its audit log */
  private readonly done = new Map<string, LeafChange[]>();
  private readonly warm = new Map<string, Warm>();
  plan: ClusterPlan = { phases: [] };
  audit: ChangestateInput['audit'] & { readonly deploy_id: string; readonly host: string };
  /** ends every node's `flocker-changestate lock` (their stdin reaches EOF) */
  private releaseLocks: () => void = () => undefined;
  private readonly lockRuns: Promise<unknown>[] = [];

  constructor(private opts: SessionOptions) {
    this.nodes = Object.keys(opts.desired.nodes).sort();
    this.audit = {
      deploy_id: randomUUID(),
      user: opts.user,
      host: opts.host ?? hostname(),
      config_hash: configHash(opts.desired),
      started_at: (opts.now ?? (() => new Date()))().toISOString(),
    };
  }

  /** issue 13 item 1: the desired config with the images nodes built pinned (before gather) */
  pin(desired: DesiredConfig): void {
    this.opts = { ...this.opts, desired };
    this.audit = { ...this.audit, config_hash: configHash(desired) };
  }

  /** every node's state as gathered (read-only commands: prune) */
  get clusterState(): ClusterState {
    return this.cluster;
  }

  /** the connection to one node (after connect) */
  connection(node: string): NodeConnection {
    return this.conn(node);
  }

  get addresses(): Record<string, string> {
    return dictFrom(this.nodes.map((n) => [n, this.conns.get(n)?.address ?? '?']));
  }

  private conn(node: string): NodeConnection {
    const c = this.conns.get(node);
    if (!c) throw new Error(`not connected to ${node}`);
    return c;
  }

  async connect(): Promise<void> {
    this.conns = await this.opts.connect(this.nodes);
    const { agent, onAgentInstalled } = this.opts;
    if (agent) for (const c of this.conns.values()) useAgent(c, agent, onAgentInstalled);
  }

  /**
   * Take every node's deploy lock, one node after another in name order (two deploys waiting
   * for each other's nodes cannot deadlock). Each lock is held by a node-side process until this
   * deploy ends or dies (its ssh channel closes).
   */
  async lock(): Promise<void> {
    const wait = this.opts.lockWaitSeconds ?? 0;
    const released = new Promise<void>((r) => (this.releaseLocks = r));
    const record = {
      deploy_id: this.audit.deploy_id,
      user: this.audit.user,
      from: this.audit.host,
      deploy_pid: process.pid,
      started_at: this.audit.started_at,
      config_hash: this.audit.config_hash,
    };
    const failed: [string, unknown][] = [];
    for (const node of this.nodes) {
      try {
        await this.lockOne(node, { ...record, node }, wait, released);
      } catch (e) {
        failed.push([node, e]);
        // another holder (or this deploy's own lock under a second name): stop here
        if (e instanceof FlockerError && (e.code === 'E_LOCKED' || e.code === 'E_SAME_MACHINE')) break;
      }
    }
    throwFailures(
      failed.map(([n]) => n),
      failed.map(([, e]) => ({ status: 'rejected', reason: e })),
      (f) => new AggregateNodeError(f, 'lock', this.nodes.length),
    );
  }

  private lockOne(node: string, record: LockHolder, wait: number, released: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let replied = false;
      const run = runNodeProgram(this.conn(node), [CHANGESTATE, 'lock', '--wait', String(wait)], {
        stdin: `${JSON.stringify(record)}\n`,
        stdinOpenUntil: released,
        what: 'taking the deploy lock failed',
        onStdoutLine: (line) => {
          const reply = lockReply(line);
          if (reply?.locked === true) {
            replied = true;
            resolve();
          } else if (reply?.locked === false) {
            const h = reply.holder as LockHolder | null | undefined;
            if (h?.deploy_id === record.deploy_id)
              reject(
                new SameMachineError(
                  `nodes ${h.node ?? '?'} and ${node} of the deployment are the same machine (this deploy already holds its lock): name each node once`,
                ),
              );
          }
        },
      });
      this.lockRuns.push(run.catch(() => undefined));
      run.then(
        () => {
          if (!replied)
            reject(new NodeError(node, 'the deploy lock was released before it was confirmed', 'E_LOCKED'));
        },
        (e: unknown) => {
          if (!replied) reject(lockRefusal(node, e)); // once held, a loss shows in apply (E_LOCK_LOST)
        },
      );
    });
  }

  /** Let go of every lock taken (bounded wait for the node-side holders to end). */
  async unlock(): Promise<void> {
    this.releaseLocks();
    // the timer is unref'd and cleared: a deploy that is done never lingers for it
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise((r) => {
      timer = setTimeout(r, 5000);
      timer.unref();
    });
    await Promise.race([Promise.allSettled(this.lockRuns), bound]);
    clearTimeout(timer);
  }

  async gather(): Promise<void> {
    const settled = await Promise.allSettled(this.nodes.map((n) => gatherState(this.conn(n))));
    throwFailures(this.nodes, settled, (f) => new AggregateNodeError(f, 'gather state', this.nodes.length));
    this.states = new Map(
      this.nodes.map((n, i) => [n, (settled[i] as PromiseFulfilledResult<NodeState>).value]),
    );
    checkDistinct(this.conns, this.states);
    this.cluster = {
      nodes: dictFrom(
        this.nodes.map((n) => [n, { address: this.conn(n).address, state: this.states.get(n)! }]),
      ),
    };
    for (const n of this.nodes) {
      const c = this.conn(n);
      const key = this.states.get(n)!.node.peer_public_key;
      this.peers[n] = {
        address: c.address,
        port: c.port,
        host_key: c.hostKey,
        ...(key ? { peer_public_key: key } : {}),
      };
    }
  }

  computePlan(): ClusterPlan {
    // an app port that is a node's ssh port (as connected) would cut the nodes off: refused first
    refuseSshPorts(this.opts.desired, dictFrom(this.nodes.map((n) => [n, this.conn(n).port])));
    // a maximum_size below what a volume holds: refused with both figures before any change
    refuseQuotaShrink(this.opts.desired, this.cluster);
    this.plan = plan(
      this.opts.desired,
      this.cluster,
      this.opts.forget?.length ? { forget: this.opts.forget } : {},
    );
    return this.plan;
  }

  /** The size of every volume the plan moves, as its sender reported it. */
  movingVolumeSizes(): Record<string, number> {
    return movingVolumeSizes(this.plan, this.cluster);
  }

  /** Nodes that send volumes need a push key, and every node trusts exactly the verified keys. */
  needsTrust(): boolean {
    return senders(this.plan).size > 0;
  }

  async setUpTrust(): Promise<void> {
    const sending = [...senders(this.plan)].sort();
    await Promise.all(
      sending
        .filter((n) => !own(this.peers, n)!.peer_public_key)
        .map(async (n) => {
          const r = await runNodeProgram(this.conn(n), [CHANGESTATE, 'peer-key'], {
            what: 'creating the push key failed',
          });
          this.peers[n] = { ...own(this.peers, n)!, peer_public_key: r.stdout.trim() };
        }),
    );
    const trust = JSON.stringify({ protocol: PROTOCOL_VERSION, peers: this.peers, senders: sending });
    const settled = await Promise.allSettled(
      this.nodes.map((n) =>
        runNodeProgram(this.conn(n), [CHANGESTATE, 'trust', '--self', n], {
          stdin: trust,
          what: 'setting up trust failed',
        }),
      ),
    );
    throwFailures(
      this.nodes,
      settled,
      (f) => new AggregateNodeError(f, 'node-to-node trust', this.nodes.length),
    );
  }

  /**
   * Start a phase's node-side processes ahead of time: they start and load while the phase
   * before runs, then wait for their input (the moving app is down between phases, so every
   * start-up saved shortens its downtime). Their input is given by runNodePhase; processes
   * never given one get empty input and exit doing nothing (cancelPrestarted).
   */
  prestart(phase: PhaseName, participants: readonly string[]): void {
    for (const node of participants) {
      const key = `${phase}:${node}`;
      if (this.warm.has(key)) continue;
      let give: (input: string) => void = () => undefined;
      const stdin = new Promise<string>((r) => (give = r));
      const entry: Warm = { give, onEvent: () => undefined, result: Promise.resolve() };
      entry.result = runNodeProgram(this.conn(node), [CHANGESTATE, 'apply'], {
        stdin,
        what: `changestate failed in phase ${phase}`,
        onStdoutLine: (line) => this.nodeEvent(node, line, entry.onEvent),
      });
      entry.result.catch(() => undefined); // awaited by runNodePhase; a cancelled one is not
      this.warm.set(key, entry);
    }
  }

  cancelPrestarted(): void {
    for (const w of this.warm.values()) w.give('');
    this.warm.clear();
  }

  private nodeEvent(node: string, line: string, onEvent: Emit<NodeEventFrom>): void {
    const ev = parseNodeEvent(line);
    if (!ev) return;
    if (ev.type === 'change-done')
      (this.done.get(node) ?? this.done.set(node, []).get(node)!).push(ev.change);
    onEvent({ ...ev, node });
  }

  /** Run one node's part of one phase; its events are passed on with the node name. */
  private async runNodePhase(phase: PhaseName, node: string, onEvent: Emit<NodeEventFrom>): Promise<void> {
    const payloads = payloadsFor(this.opts.desired, node, this.opts.payloads ?? {});
    const input: ChangestateInput = {
      protocol: PROTOCOL_VERSION,
      phase,
      self: node,
      desired: this.opts.desired,
      cluster: this.cluster,
      peers: this.peers,
      ...(this.opts.forget?.length ? { forget: this.opts.forget } : {}),
      ...(payloads ? { payloads } : {}),
      audit: this.audit,
    };
    this.prestart(phase, [node]);
    const key = `${phase}:${node}`;
    const w = this.warm.get(key)!;
    this.warm.delete(key);
    w.onEvent = onEvent;
    w.give(JSON.stringify(input));
    await w.result;
  }

  /** One phase on its nodes in parallel; every node finishes, then the failures are thrown. */
  async runPhase(phase: PhaseName, participants: readonly string[], onEvent: Emit<NodeEventFrom>) {
    const settled = await Promise.allSettled(participants.map((n) => this.runNodePhase(phase, n, onEvent)));
    throwFailures(participants, settled, (f) => new PhaseError(phase, f, participants.length));
  }

  /**
   * Every node records the cluster it is now part of: this deployment's nodes and who owns each
   * volume (fresh reports), keeping what is remembered of volumes whose owner is not in this
   * deployment (it may still hold them). The next deploy refuses to create a volume anew that a
   * missing node owns. Only after a deploy that completed: mid-protocol, the copies' own
   * records are the truth. `unchanged`: nothing was applied since the gather (the lock was held
   * throughout), so its reports are still fresh and are not asked for again.
   */
  async remember(unchanged = false): Promise<void> {
    const states = unchanged
      ? this.nodes.map((n) => this.states.get(n)!)
      : await Promise.all(this.nodes.map((n) => gatherState(this.conn(n))));
    const forget = new Set(this.opts.forget ?? []);
    const here = new Set(this.nodes);
    const volumes = dict<{ owner: string; epoch: number }>();
    for (const [name, r] of Object.entries(rememberedVolumes(this.cluster)))
      if (!here.has(r.owner) && !forget.has(r.owner)) volumes[name] = r;
    states.forEach((st, i) => {
      for (const v of st.owned_volumes) volumes[v.name] = { owner: this.nodes[i]!, epoch: v.epoch };
    });
    const record: Membership = {
      format: 'flocker-cluster/1',
      nodes: [...this.nodes],
      volumes: Object.fromEntries(
        Object.keys(volumes)
          .sort()
          .map((k) => [k, volumes[k]!]),
      ),
      written_at: new Date().toISOString(),
    };
    const settled = await Promise.allSettled(
      this.nodes.map((n) =>
        runNodeProgram(this.conn(n), [CHANGESTATE, 'remember'], {
          stdin: JSON.stringify(record),
          what: 'recording the cluster membership failed',
        }),
      ),
    );
    throwFailures(this.nodes, settled, (f) => new AggregateNodeError(f, 'remember', this.nodes.length));
  }

  /**
   * Append one line per node to its audit log: who, when, config hash, the changes it did (as
   * data), result. Best effort: a node that cannot record does not fail the deploy.
   */
  async writeAudit(err: unknown, interrupted = false): Promise<string> {
    const { code, message } = errorData(err);
    const outcome = interrupted ? 'interrupted' : err ? 'failed' : 'ok';
    const failure = err ? { code, message: message.split('\n')[0] ?? '' } : {};
    await Promise.allSettled(
      this.nodes.map((n) =>
        runNodeProgram(this.conn(n), [CHANGESTATE, 'audit'], {
          stdin: JSON.stringify({
            ...this.audit,
            node: n,
            result: outcome,
            ...failure,
            changes: this.done.get(n) ?? [],
          }),
          what: 'writing the audit record failed',
        }),
      ),
    );
    return err ? `${outcome}: ${failure.message ?? ''}` : outcome;
  }

  close(): void {
    this.cancelPrestarted();
    for (const c of this.conns.values()) c.close();
  }
}
