// The deploy orchestration: load and check the config (nothing contacted on bad input), connect
// once to every node, gather state in parallel, plan (pure), then -- unless dry-run -- set up
// node-to-node trust for volume transfers and run flocker-changestate phase by phase.
import { createHash } from 'node:crypto';
import { FlockerError, NodeCommandError, NodeError } from '../errors.js';
import type { ChangestateInput, PeerInfo } from '../model/changestate-input.js';
import type { ClusterPlan, PhaseName } from '../model/changes.js';
import type { DesiredConfig } from '../model/deployment.js';
import type { DeployEvent, Emit, NodeEvent } from '../model/events.js';
import { PROTOCOL_VERSION } from '../model/state.js';
import type { ClusterState, NodeState } from '../model/state.js';
import type { NodeConnection } from '../ssh/connection.js';
import { leaves, plan } from '../plan/planner.js';
import { parseNodeState } from './node-state.js';

export const REPORTSTATE = 'flocker-reportstate';
export const CHANGESTATE = 'flocker-changestate';

export interface DeployOptions {
  readonly desired: DesiredConfig;
  readonly dryRun: boolean;
  /** opens one connection per node (ssh2 in production, in-process fakes in tests) */
  readonly connect: (nodes: readonly string[]) => Promise<Map<string, NodeConnection>>;
  readonly emit: Emit<DeployEvent>;
  /** who deploys, for the audit log */
  readonly user: string;
  readonly now?: () => Date;
  /** called once the plan is known, before anything changes */
  readonly onPlan?: (plan: ClusterPlan, addresses: Readonly<Record<string, string>>) => void;
}

export interface DeployResult {
  readonly plan: ClusterPlan;
  readonly addresses: Readonly<Record<string, string>>;
  readonly applied: boolean;
}

export class SameNodeError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_SAME_NODE', 'user');
  }
}

/** Hash of the desired configuration (canonical), recorded in every node's audit log. */
export function configHash(desired: DesiredConfig): string {
  return createHash('sha256').update(JSON.stringify(desired)).digest('hex').slice(0, 16);
}

async function step<T>(
  emit: Emit<DeployEvent>,
  name: string,
  nodes: readonly string[],
  fn: () => Promise<T>,
) {
  const t0 = Date.now();
  emit({ type: 'step-start', step: name, nodes });
  try {
    const r = await fn();
    emit({ type: 'step-done', step: name, ms: Date.now() - t0 });
    return r;
  } catch (e) {
    emit({ type: 'step-failed', step: name, error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}

/** Run a node-side program; a missing program gets an error saying how to install it. */
async function runNodeProgram(
  conn: NodeConnection,
  argv: readonly string[],
  opts: { stdin?: string | Promise<string>; onStdoutLine?: (line: string) => void; what: string },
) {
  const r = await conn.run(argv, opts);
  if (r.code === 127) {
    throw new NodeError(
      conn.node,
      `${argv[0]} is not installed on this node (command not found): install flocker there ` +
        `(npm install -g flocker, Node.js 20 or newer) so that ${argv[0]} is on root's PATH`,
      'E_NODE_PROGRAM_MISSING',
    );
  }
  if (r.code !== 0) throw new NodeCommandError(conn.node, argv, r.code, r.stderr, opts.what);
  return r;
}

export async function gatherState(conn: NodeConnection): Promise<NodeState> {
  const r = await runNodeProgram(conn, [REPORTSTATE], { what: 'reporting state failed' });
  return parseNodeState(conn.node, r.stdout);
}

function checkDistinct(conns: Map<string, NodeConnection>, states: Map<string, NodeState>): void {
  const seen = new Map<string, string>();
  for (const [node, c] of conns) {
    const ids = [`address ${c.address}:${c.port}`, `machine-id ${states.get(node)?.node.machine_id ?? ''}`];
    for (const id of ids) {
      const other = seen.get(id);
      if (other !== undefined) {
        throw new SameNodeError(
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
      if (leaves(c).some((l) => l.kind === 'push-volume' || l.kind === 'handoff-volume')) s.add(node);
    }
  }
  return s;
}

function parseEvent(node: string, line: string): (NodeEvent & { node: string }) | undefined {
  try {
    const e = JSON.parse(line) as NodeEvent;
    if (e && typeof e === 'object' && typeof e.type === 'string' && e.type.startsWith('change-'))
      return { ...e, node };
  } catch {
    // not an event line: ignore (stderr carries diagnostics)
  }
  return undefined;
}

/** A node-side process started ahead of its phase, waiting for its input. */
interface Warm {
  give: (input: string) => void;
  onEvent: Emit<NodeEvent & { node: string }>;
  result: Promise<unknown>;
}

/**
 * One deploy run as explicit steps, so a renderer can drive them (listr2 builds one task per
 * step, phase and node) while the plain driver below simply calls them in order.
 */
export class DeploySession {
  readonly nodes: readonly string[];
  private conns = new Map<string, NodeConnection>();
  private states = new Map<string, NodeState>();
  private cluster: ClusterState = { nodes: {} };
  private peers: Record<string, PeerInfo> = {};
  private readonly done = new Map<string, string[]>();
  private readonly warm = new Map<string, Warm>();
  plan: ClusterPlan = { phases: [] };
  readonly audit: ChangestateInput['audit'];

  constructor(private readonly opts: DeployOptions) {
    this.nodes = Object.keys(opts.desired.nodes).sort();
    this.audit = {
      user: opts.user,
      config_hash: configHash(opts.desired),
      started_at: (opts.now ?? (() => new Date()))().toISOString(),
    };
  }

  get addresses(): Record<string, string> {
    return Object.fromEntries(this.nodes.map((n) => [n, this.conns.get(n)?.address ?? '?']));
  }

  private conn(node: string): NodeConnection {
    const c = this.conns.get(node);
    if (!c) throw new Error(`not connected to ${node}`);
    return c;
  }

  async connect(): Promise<void> {
    this.conns = await this.opts.connect(this.nodes);
  }

  async gather(): Promise<void> {
    const settled = await Promise.allSettled(this.nodes.map((n) => gatherState(this.conn(n))));
    throwFailures(settled, (f) => new GatherError(f));
    this.states = new Map(
      this.nodes.map((n, i) => [n, (settled[i] as PromiseFulfilledResult<NodeState>).value]),
    );
    checkDistinct(this.conns, this.states);
    this.cluster = {
      nodes: Object.fromEntries(
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
    this.plan = plan(this.opts.desired, this.cluster);
    return this.plan;
  }

  /** Nodes that send volumes need a push key, and every node trusts exactly the verified keys. */
  needsTrust(): boolean {
    return senders(this.plan).size > 0;
  }

  async setUpTrust(): Promise<void> {
    const sending = [...senders(this.plan)].sort();
    await Promise.all(
      sending
        .filter((n) => !this.peers[n]!.peer_public_key)
        .map(async (n) => {
          const r = await runNodeProgram(this.conn(n), [CHANGESTATE, 'peer-key'], {
            what: 'creating the push key failed',
          });
          this.peers[n] = { ...this.peers[n]!, peer_public_key: r.stdout.trim() };
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
    throwFailures(settled, (f) => new GatherError(f));
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

  private nodeEvent(node: string, line: string, onEvent: Emit<NodeEvent & { node: string }>): void {
    const ev = parseEvent(node, line);
    if (!ev) return;
    if (ev.type === 'change-done')
      (this.done.get(node) ?? this.done.set(node, []).get(node)!).push(ev.change);
    onEvent(ev);
  }

  /** Run one node's part of one phase; node-side events are re-emitted with the node name. */
  async runNodePhase(
    phase: PhaseName,
    node: string,
    onEvent: Emit<NodeEvent & { node: string }>,
  ): Promise<void> {
    const input: ChangestateInput = {
      protocol: PROTOCOL_VERSION,
      phase,
      self: node,
      desired: this.opts.desired,
      cluster: this.cluster,
      peers: this.peers,
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

  async runPhase(
    phase: PhaseName,
    participants: readonly string[],
    onEvent: Emit<NodeEvent & { node: string }>,
  ) {
    const settled = await Promise.allSettled(participants.map((n) => this.runNodePhase(phase, n, onEvent)));
    throwFailures(settled, (f) => new PhaseError(phase, f));
  }

  /** Append one line per node to its audit log: who, when, config hash, what changed, result. */
  async writeAudit(err: unknown): Promise<void> {
    const result = err
      ? `failed: ${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)}`
      : 'ok';
    await Promise.allSettled(
      this.nodes.map((n) =>
        this.conn(n).run([CHANGESTATE, 'audit'], {
          stdin: JSON.stringify({ ...this.audit, node: n, result, changes: this.done.get(n) ?? [] }),
        }),
      ),
    );
  }

  close(): void {
    this.cancelPrestarted();
    for (const c of this.conns.values()) c.close();
  }
}

function throwFailures(settled: PromiseSettledResult<unknown>[], many: (f: Error[]) => Error): void {
  const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw many(failed);
}

/** The plain driver: every step in order, events for each (used for CI lines, NDJSON and tests). */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const s = new DeploySession(opts);
  const { emit } = opts;
  try {
    await step(emit, 'connect', s.nodes, () => s.connect());
    await step(emit, 'gather state', s.nodes, () => s.gather());
    const p = s.computePlan();
    opts.onPlan?.(p, s.addresses);
    if (opts.dryRun) return { plan: p, addresses: s.addresses, applied: false };
    if (p.phases.length === 0) {
      await s.writeAudit(undefined); // a no-op deploy is recorded too
      return { plan: p, addresses: s.addresses, applied: false };
    }
    let failure: unknown;
    try {
      if (s.needsTrust()) await step(emit, 'node-to-node trust', s.nodes, () => s.setUpTrust());
      for (const [i, ph] of p.phases.entries()) {
        const participants = Object.keys(ph.nodes).sort();
        const next = p.phases[i + 1];
        if (next) s.prestart(next.phase, Object.keys(next.nodes).sort());
        const t0 = Date.now();
        emit({ type: 'phase-start', phase: ph.phase, nodes: participants });
        await s.runPhase(ph.phase, participants, emit);
        emit({ type: 'phase-done', phase: ph.phase, ms: Date.now() - t0 });
      }
    } catch (e) {
      failure = e;
    }
    s.cancelPrestarted();
    await s.writeAudit(failure);
    if (failure) throw failure;
    return { plan: p, addresses: s.addresses, applied: true };
  } finally {
    s.close();
  }
}

export class GatherError extends FlockerError {
  constructor(readonly failures: readonly Error[]) {
    super(
      `${failures.length} nodes failed:\n${failures.map((f) => f.message).join('\n')}`,
      'E_NODES',
      'system',
    );
  }
}

/** Several nodes failed in one phase: one error listing each. */
export class PhaseError extends FlockerError {
  constructor(
    readonly phase: PhaseName,
    readonly failures: readonly Error[],
  ) {
    super(
      `phase ${phase}: ${failures.length} nodes failed:\n${failures.map((f) => f.message).join('\n')}`,
      'E_PHASE',
      'system',
    );
  }
}
