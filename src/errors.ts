// One error module: every code the tools report, what it means, and whose fault it is
// (docs/errors.md is generated from the catalogue).
// `source` says whose fault: 'user' (bad input or usage, exit 2) or 'system' (a node, a command
// or the network failed, exit 1). Only bin/ exits; renderers turn codes into text at the edge.
import { escapeText } from './validation/echo.js';
import type { PhaseName } from './model/changes.js';

export type ErrorSource = 'user' | 'system';

/** The catalogue: each code with its default source and what it means. */
export const ERROR_CODES = {
  E_INPUT: ['user', 'a configuration file is invalid (every problem with file:line:col)'],
  E_USAGE: ['user', 'the command line is wrong'],
  E_INTERNAL: ['system', 'a bug: an unexpected exception'],
  E_NODE: ['system', 'a node did not behave as expected'],
  E_NODES: ['system', 'several nodes failed (each listed)'],
  E_NODE_COMMAND: ['system', 'a command on a node failed (host, argv, exit code, stderr)'],
  E_NODE_PROGRAM_MISSING: ['system', 'flocker-reportstate/changestate is not installed on a node'],
  E_AGENT_NODEJS: ['system', "a node has no Node.js (Debian's nodejs package), or one older than 18"],
  E_AGENT_INSTALL: ['system', 'installing the node agent on a node failed'],
  E_AGENT_BUILD: ['system', 'the node agent file of this installation is missing (not built)'],
  E_PROTOCOL: ['system', 'a node and the deploy side disagree on a wire format or version'],
  E_SAME_MACHINE: [
    'system',
    'two deployment names turned out to be one machine once connected (same address and port, or same machine-id); nothing was changed. (Names that are the same address as written are refused as bad input first.)',
  ],
  E_PHASE: ['system', 'nodes failed in a deploy phase'],
  E_CHANGE: ['system', 'one change of the plan failed on a node'],
  E_IDENTITY: ['system', "a node's identity (machine-id) is missing"],
  E_MISSING_TOOL: ['system', 'docker, zfs, systemd or iptables is missing on a node'],
  E_SSH_CONNECT: ['system', 'TCP connect to a node failed (refused, unreachable, reset)'],
  E_SSH_TIMEOUT: ['system', 'no SSH handshake within the connect timeout'],
  E_SSH_RESOLVE: ['system', 'a node name did not resolve'],
  E_SSH_AUTH: ['system', 'the node rejected every identity'],
  E_SSH_KEY: ['user', 'local keys are unusable (encrypted without an agent, unreadable)'],
  E_SSH_HOSTKEY_UNKNOWN: ['system', "a node's host key is not in known_hosts"],
  E_SSH_HOSTKEY_CHANGED: ['system', "a node's host key differs from known_hosts"],
  E_SSH_HOSTKEY_REVOKED: ['system', "a node's host key is revoked"],
  E_SSH_CONFIG: ['user', 'the ssh client config cannot be read, or sets an option flocker cannot honour'],
  E_SSH_CONNECTION_LOST: ['system', 'an ssh connection dropped after connecting'],
  E_SSH_PROTOCOL: ['system', 'another ssh protocol failure'],
  E_TRUST: ['system', 'node-to-node trust input or files are invalid'],
  E_PEER_REFUSED: ['user', 'the peer endpoint refused a request'],
  E_NO_VOLUME: ['system', 'a volume is not on this node'],
  E_NOT_OWNER: ['system', 'this node does not own the volume'],
  E_VOLUME_OWNED: ['system', 'refusing to receive into a volume this node owns'],
  E_VOLUME_IS_COPY: ['system', 'the volume exists here only as a read-only copy'],
  E_VOLUME_PATH: ['system', "a volume's mountpoint is not where it must be"],
  E_VOLUME_LAYOUT: [
    'user',
    "an application's number of volumes changed between one and several while its dataset holds data in the other layout (one volume: the dataset itself; several: its sub-folders); refused, nothing changed",
  ],
  E_APP_FILES: ['system', "an app's project files or secrets could not be written on its node"],
  E_NO_BASE: ['system', 'the base snapshot of an incremental stream is not held here'],
  E_BAD_STREAM: ['system', 'a replication stream is not valid'],
  E_READONLY: ['system', 'the volume is read-only here'],
  E_VOLUME_QUOTA: [
    'system',
    "a volume's maximum_size is below the space its data already takes (both figures given): not shrunk",
  ],
  E_VOLUME_DIVERGED: [
    'system',
    'a copy holds data the sender lacks (snapshots after the base, or not known older): kept, not received into',
  ],
  E_VOLUME_CONFLICT: [
    'system',
    'two nodes own one volume, or two volumes of one name have different lineages: never resolved by guessing',
  ],
  E_VOLUME_OWNER_MISSING: [
    'system',
    'the node that owns (or last owned, or is receiving) a volume is missing from the deployment or unreachable',
  ],
  E_HANDOFF_MISMATCH: [
    'system',
    "a receiver's newest snapshot is not the one the handoff's final push carried: ownership not taken",
  ],
  // issue 13 item 1 (images without a registry)
  E_IMAGE_MISMATCH: ['system', 'an image sent to a node is not the image ID it was sent as, after the load'],
  E_IMAGE_BUILD: ['user', 'building an image of a compose build: failed (docker build output in the error)'],
  E_IMAGE_NO_DOCKER: [
    'user',
    'the deploying machine has no docker to send images with (--ship-images); builds then run on a node',
  ],
  E_IMAGE_SHIP: ['system', 'sending an image to a node failed (docker save here, or docker load there)'],
  E_ROUTES: ['system', 'routes or the routes file are invalid'],
  E_SPEC: ['system', "an application's recorded spec is damaged"],
  E_APP_START: ['system', 'an application did not start'],
  E_LINK_NAT: [
    'system',
    "the NAT rules of an application's links by name could not be set in its container (its start fails)",
  ],
  E_APP_UNHEALTHY: [
    'system',
    "an application with a health check (its own or its image's) did not become healthy in time: it was stopped, no route set; the error has its last check output",
  ],
  E_APP_NAME: ['user', 'an application name is not valid'],
  E_APP_LABEL: ['user', "a container label would replace one of Flocker's own (flocker.*)"],
  E_ENVIRONMENT: ['user', 'an environment variable cannot be passed to docker'],
  E_PRECHECK_IMAGE: [
    'system',
    'check before anything changed: an image is not on a node and could not be pulled there',
  ],
  E_PRECHECK_DOCKER: ['system', 'check before anything changed: dockerd does not answer on a node'],
  E_PRECHECK_POOL: [
    'system',
    'check before anything changed: the pool is missing, not healthy or too full for a volume',
  ],
  E_PRECHECK_PORT: [
    'system',
    'check before anything changed: a process that is not ours listens on a port an app or route needs',
  ],
  E_SSH_PORT_ROUTED: [
    'system',
    "an application's external port is a node's ssh port as connected: routing it would cut off access to the nodes; nothing was changed",
  ],
  E_LOCKED: ['system', 'another deploy holds the deploy lock of a node (its holder is named)'],
  E_LOCK_LOST: ['system', 'a node-side step ran for a deploy that no longer holds the lock'],
  E_APP_NOT_FOUND: ['system', 'flocker logs: no node of the deployment has the application'],
  E_PRUNE_REFUSED: ['system', 'a node refused to delete a volume or snapshot it must keep'],
  E_LAB: ['system', 'the lab failed'],
  E_LAB_UP: ['system', 'the lab could not be brought up'],
  E_LAB_DOWN: ['system', 'the lab could not be taken down completely'],
  E_LAB_USAGE: ['user', 'flocker-lab was called wrongly'],
} as const satisfies Record<string, readonly [ErrorSource, string]>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FlockerError extends Error {
  readonly source: ErrorSource;
  constructor(
    message: string,
    readonly code: ErrorCode,
    source?: ErrorSource,
  ) {
    super(message);
    this.name = new.target.name;
    this.source = source ?? ERROR_CODES[code][0];
  }
}

/** One problem in a user's file: where it is and what was expected. */
export interface InputProblem {
  readonly file: string;
  readonly line: number; // 1-based
  readonly column: number; // 1-based
  /** dotted path of the key, e.g. applications.web.ports[0].external ('' = document) */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: InputProblem): string {
  // the file name comes from the command line: escaped like any text we echo
  return `${escapeText(p.file, 4096)}:${p.line}:${p.column}: ${p.path === '' ? '(document)' : p.path}: ${p.message}`;
}

/** Bad input: all problems found at once (`omitted`: how many more were found, not listed). */
export class InputError extends FlockerError {
  constructor(
    readonly problems: readonly InputProblem[],
    readonly omitted = 0,
  ) {
    super(
      problems.map(formatProblem).join('\n') +
        (omitted > 0
          ? `\n… and ${omitted.toLocaleString('en-US')} more problem${omitted === 1 ? '' : 's'}`
          : ''),
      'E_INPUT',
      'user',
    );
  }
}

export class UsageError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_USAGE', 'user');
  }
}

/** A command on a node failed. */
export class NodeCommandError extends FlockerError {
  constructor(
    readonly host: string,
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    what = 'command failed',
  ) {
    super(
      `${host}: ${what}: ${command.join(' ')} (exit ${exitCode ?? 'signal'})${stderr.trim() ? `\n${stderr.trim()}` : ''}`,
      'E_NODE_COMMAND',
      'system',
    );
  }
}

/** A node could not be reached or did not behave (ssh, host key, protocol). */
export class NodeError extends FlockerError {
  constructor(
    readonly host: string,
    message: string,
    code: ErrorCode = 'E_NODE',
    source?: ErrorSource,
  ) {
    super(`${host}: ${message}`, code, source);
  }
}

/** Wrap anything thrown for `host` as a NodeError (keeps NodeErrors as they are). */
export function toNodeError(host: string, err: unknown): NodeError {
  if (err instanceof NodeError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.startsWith(`${host}: `) ? raw.slice(host.length + 2) : raw;
  if (err instanceof FlockerError) return new NodeError(host, message, err.code, err.source);
  return new NodeError(host, message);
}

/**
 * Several nodes failed in one step (connect, gather state, trust, ...): one error listing each.
 * `errors` holds one NodeError per failed node, in node order. A user error only when every
 * failure is one (then the fix is on the user's side for every node).
 */
export class AggregateNodeError extends FlockerError {
  constructor(
    readonly errors: readonly NodeError[],
    what: string,
    readonly total?: number,
    code: ErrorCode = 'E_NODES',
  ) {
    super(
      `${what}: ${errors.length}${total !== undefined ? ` of ${total}` : ''} node${(total ?? errors.length) === 1 ? '' : 's'} failed\n` +
        errors.map((e) => '  ' + e.message.split('\n').join('\n    ')).join('\n'),
      code,
      errors.length > 0 && errors.every((e) => e.source === 'user') ? 'user' : 'system',
    );
  }

  /** the failed node names */
  get hosts(): string[] {
    return this.errors.map((e) => e.host);
  }
}

/**
 * Several nodes failed in one deploy phase. The same aggregate, with its own code: E_NODES
 * (connect, gather state, trust) means no application was touched yet, E_PHASE means the
 * cluster may be partly changed and re-running the deploy continues from where it stopped.
 */
export class PhaseError extends AggregateNodeError {
  constructor(
    readonly phase: PhaseName,
    errors: readonly NodeError[],
    total?: number,
  ) {
    super(errors, `phase ${phase}`, total, 'E_PHASE');
  }
}

/**
 * Two deployment names reach the same machine (same address or machine-id). Found only once
 * the nodes were contacted, so not bad input (exit 2 promises that no node was contacted): exit 1.
 */
export class SameMachineError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_SAME_MACHINE', 'system');
  }
}

/** An error as data (events, --json): its catalogue code and its message. */
export function errorData(
  e: unknown,
  fallback: ErrorCode = 'E_INTERNAL',
): { code: ErrorCode; message: string } {
  return {
    code: e instanceof FlockerError ? e.code : fallback,
    message: e instanceof Error ? e.message : String(e),
  };
}

export function exitCodeFor(err: unknown): number {
  return err instanceof FlockerError && err.source === 'user' ? 2 : 1;
}
