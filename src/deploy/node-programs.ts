// The wire to the node-side programs: their names, running one over a node connection (through
// the node agent this deploy ships, when the connection has one), reading flocker-reportstate's
// state and flocker-changestate's NDJSON event lines.
//
// A node-side program is called by name (REPORTSTATE, CHANGESTATE + its command); with an agent
// (useAgent), the name maps to `node /usr/local/lib/flocker/agent/VERSION/flocker-agent.mjs
// reportstate|changestate ...`: the exact version this deploy carries. The first program run on
// a connection checks that version in the same round trip and installs it if it is missing or
// different. A new changestate command needs nothing here: it is in the agent once it is in
// src/changestate/cli.ts; a new program needs a name below and a case in bin/flocker-agent.ts.
import { NodeCommandError, NodeError } from '../errors.js';
import type { NodeEvent } from '../model/events.js';
import type { NodeState } from '../model/state.js';
import type { NodeConnection, SshRunOptions } from '../ssh/connection.js';
import type { CommandResult } from '../exec/runner.js';
import {
  CHECKED_LINE,
  EXIT_BAD_SHA,
  EXIT_NO_NODEJS,
  EXIT_NOT_INSTALLED,
  EXIT_OLD_NODEJS,
  agentArgv,
  checkedAgentArgv,
  installAction,
  installArgv,
  type AgentAction,
  type AgentBundle,
} from './agent.js';
import { parseNodeState } from './node-state.js';

export const REPORTSTATE = 'flocker-reportstate';
export const CHANGESTATE = 'flocker-changestate';

/** program name -> the agent's program argument */
const AGENT_PROGRAMS: Readonly<Record<string, string>> = {
  [REPORTSTATE]: 'reportstate',
  [CHANGESTATE]: 'changestate',
};

export interface AgentInstalled {
  readonly node: string;
  readonly version: string;
  readonly action: AgentAction;
  readonly previous?: string;
  readonly ms: number;
}

interface AgentUse {
  readonly bundle: AgentBundle;
  readonly onInstalled: (info: AgentInstalled) => void;
  /** this connection's node runs exactly this version (checked or installed) */
  verified: boolean;
  /** the first (checking) call in flight: later ones wait for it */
  first?: Promise<unknown>;
}

const agents = new WeakMap<NodeConnection, AgentUse>();

/** From now on, node programs on `conn` run through `bundle` (checked, installed if needed). */
export function useAgent(
  conn: NodeConnection,
  bundle: AgentBundle,
  onInstalled: (info: AgentInstalled) => void = () => undefined,
): void {
  agents.set(conn, { bundle, onInstalled, verified: false });
}

type RunOpts = SshRunOptions & { readonly what: string };

/** Run a node-side program; a missing program gets an error saying how to install it. */
export async function runNodeProgram(conn: NodeConnection, argv: readonly string[], opts: RunOpts) {
  const agent = agents.get(conn);
  const program = AGENT_PROGRAMS[argv[0] ?? ''];
  const r =
    agent && program ? await viaAgent(conn, agent, program, argv.slice(1), opts) : await conn.run(argv, opts);
  if (r.code === 127) {
    throw new NodeError(
      conn.node,
      `${argv[0]} is not installed on this node (command not found): see docs/nodes.md`,
      'E_NODE_PROGRAM_MISSING',
    );
  }
  if (r.code !== 0) throw new NodeCommandError(conn.node, argv, r.code, r.stderr, opts.what);
  return r;
}

async function viaAgent(
  conn: NodeConnection,
  agent: AgentUse,
  program: string,
  args: readonly string[],
  opts: RunOpts,
): Promise<CommandResult> {
  while (!agent.verified) {
    if (agent.first) {
      await agent.first;
      continue;
    }
    return checkedRun(conn, agent, program, args, opts);
  }
  return conn.run(agentArgv(agent.bundle, program, args), opts);
}

/**
 * The first program on a connection: the version check travels with it (same round trip) and
 * says CHECKED_LINE before the program starts, which lets calls waiting for the check go on
 * while this one still runs (the deploy lock runs until the deploy ends). Installs if needed.
 */
async function checkedRun(
  conn: NodeConnection,
  agent: AgentUse,
  program: string,
  args: readonly string[],
  opts: RunOpts,
): Promise<CommandResult> {
  let checked: () => void = () => undefined;
  agent.first = new Promise<void>((r) => (checked = r));
  let seen = false;
  try {
    const r = await conn.run(checkedAgentArgv(agent.bundle, program, args), {
      ...opts,
      onStdoutLine: (line) => {
        if (!seen && line === CHECKED_LINE) {
          seen = true;
          agent.verified = true;
          checked();
          return;
        }
        opts.onStdoutLine?.(line);
      },
    });
    const fromCheck = r.stderr.startsWith('flocker-agent: ');
    if (r.code === EXIT_NO_NODEJS && fromCheck) throw noNodejs(conn.node, r.stderr);
    if (r.code === EXIT_NOT_INSTALLED && fromCheck) {
      await installAgent(conn, agent);
      return await conn.run(agentArgv(agent.bundle, program, args), opts);
    }
    agent.verified = true; // the check passed: the agent itself ran
    const head = `${CHECKED_LINE}\n`;
    return r.stdout.startsWith(head) ? { ...r, stdout: r.stdout.slice(head.length) } : r;
  } finally {
    agent.first = undefined;
    checked();
  }
}

function noNodejs(node: string, stderr: string): NodeError {
  return new NodeError(
    node,
    `${stderr.trim().replace(/^flocker-agent: /, '')}: flocker runs on the node's own Node.js ` +
      `(18 or newer): apt-get install nodejs`,
    'E_AGENT_NODEJS',
  );
}

/** Stream the bundle, verified by sha256 on the node; emit what was done. */
export async function installAgent(
  conn: NodeConnection,
  agent: Pick<AgentUse, 'bundle' | 'onInstalled'> & { verified?: boolean },
) {
  const t0 = Date.now();
  const argv = installArgv(agent.bundle);
  const r = await conn.run(argv, { stdin: agent.bundle.text });
  if (r.code === EXIT_NO_NODEJS || r.code === EXIT_OLD_NODEJS) throw noNodejs(conn.node, r.stderr);
  if (r.code !== 0) {
    const why =
      r.code === EXIT_BAD_SHA ? 'the agent file arrived damaged' : 'installing the node agent failed';
    throw new NodeError(
      conn.node,
      `${why} (exit ${r.code}): ${r.stderr.trim() || '(no stderr)'}`,
      'E_AGENT_INSTALL',
    );
  }
  agent.verified = true;
  const { action, previous } = installAction(r.stdout, agent.bundle.version);
  agent.onInstalled({
    node: conn.node,
    version: agent.bundle.version,
    action,
    ...(previous !== undefined ? { previous } : {}),
    ms: Date.now() - t0,
  });
}

export async function gatherState(conn: NodeConnection): Promise<NodeState> {
  const r = await runNodeProgram(conn, [REPORTSTATE], { what: 'reporting state failed' });
  return parseNodeState(conn.node, r.stdout);
}

const NODE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'change-start',
  'change-progress',
  'change-done',
  'change-failed',
]);

/**
 * One line of flocker-changestate's stdout as an event; anything else (not JSON, another
 * shape) is ignored: stderr carries the diagnostics and the exit code the outcome.
 */
export function parseNodeEvent(line: string): NodeEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  const e = v as { type?: unknown; change?: { kind?: unknown } | null } | null;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string' || !NODE_EVENT_TYPES.has(e.type))
    return undefined;
  if (typeof e.change !== 'object' || e.change === null || typeof e.change.kind !== 'string')
    return undefined;
  if (e.type === 'change-progress') {
    const p = v as { bytes?: unknown; total?: unknown; ms?: unknown };
    const count = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (!count(p.bytes) || !count(p.ms) || (p.total !== undefined && !count(p.total))) return undefined;
  }
  return v as NodeEvent;
}
