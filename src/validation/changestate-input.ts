// What flocker-deploy sends to flocker-changestate on stdin, parsed and checked before a node
// acts on it as root: the `apply` input and the `trust` input. Shared by both sides.
import { FlockerError } from '../errors.js';
import type { ChangestateInput, PeerInfo } from '../model/changestate-input.js';
import { PROTOCOL_VERSION } from '../model/state.js';
import { payloadHash, payloadProblems } from '../model/payload.js';
import { applicationProblems } from './application.js';
import { pathOf, summarize, validate } from './problems.js';
import { validateChangestateInputSchema, validateTrustInputSchema } from './validators.js';

/** `flocker-changestate trust` input. */
export interface TrustInput {
  readonly protocol: number;
  readonly peers: Readonly<Record<string, PeerInfo>>;
  /** the nodes that push volumes in this deploy */
  readonly senders?: readonly string[];
}

const protocolError = (message: string): FlockerError => new FlockerError(message, 'E_PROTOCOL', 'system');
const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw protocolError(`${what} is not JSON: ${(e as Error).message}`);
  }
}

function protocolOf(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? (v as { protocol?: unknown }).protocol : undefined;
}

/** Rules the schema cannot say: every name refers to something that is there. */
export function changestateInputProblems(input: ChangestateInput): string[] {
  const problems: string[] = [];
  const { desired, cluster } = input;
  if (!has(cluster.nodes, input.self))
    problems.push(`self: ${JSON.stringify(input.self)} is not a node of cluster.nodes`);
  for (const [name, app] of Object.entries(desired.applications)) {
    if (app.name !== name)
      problems.push(`${pathOf(['desired', 'applications', name, 'name'])}: expected ${JSON.stringify(name)}`);
    problems.push(...applicationProblems(app, ['desired', 'applications', name]));
  }
  const placedOn = new Map<string, string>();
  for (const [node, apps] of Object.entries(desired.nodes)) {
    if (!has(cluster.nodes, node))
      problems.push(`${pathOf(['desired', 'nodes', node])}: no state of this node in cluster.nodes`);
    apps.forEach((app, i) => {
      const at = pathOf(['desired', 'nodes', node, i]);
      if (!has(desired.applications, app))
        problems.push(`${at}: ${JSON.stringify(app)} is not in desired.applications`);
      const other = placedOn.get(app);
      if (other !== undefined) problems.push(`${at}: ${JSON.stringify(app)} is also placed on ${other}`);
      placedOn.set(app, node);
    });
  }
  problems.push(...payloadInputProblems(input));
  return problems;
}

/**
 * issue 13: every payload is what its hash says, and every project file and secret of an app
 * placed on this node has its payload (checked before the node changes anything).
 */
function payloadInputProblems(input: ChangestateInput): string[] {
  const problems: string[] = [];
  const payloads = input.payloads ?? {};
  for (const [hash, p] of Object.entries(payloads)) {
    const at = pathOf(['payloads', hash]);
    for (const q of payloadProblems(p)) problems.push(`${at}.${q}`);
    if (payloadHash(p) !== hash) problems.push(`${at}: the content does not match its hash`);
  }
  const mine = has(input.desired.nodes, input.self) ? (input.desired.nodes[input.self] ?? []) : [];
  for (const name of mine) {
    const app = has(input.desired.applications, name) ? input.desired.applications[name] : undefined;
    const mounts = [
      ...Object.entries(app?.files ?? {}).map(([t, m]) => ['files', t, m.hash] as const),
      ...Object.entries(app?.secrets ?? {}).map(([t, m]) => ['secrets', t, m.hash] as const),
    ];
    for (const [field, target, hash] of mounts)
      if (!has(payloads, hash))
        problems.push(
          `${pathOf(['desired', 'applications', name, field, target, 'hash'])}: no payload with this hash`,
        );
  }
  return problems;
}

/** Parse and check the `apply` input; throws E_PROTOCOL naming the JSON path of each problem. */
export function parseChangestateInput(text: string): ChangestateInput {
  const v = parseJson(text, 'changestate input');
  const protocol = protocolOf(v);
  if (protocol !== PROTOCOL_VERSION) {
    throw protocolError(
      `protocol ${String(protocol)} sent by flocker-deploy, this node speaks ${PROTOCOL_VERSION}: install the same flocker version on both sides`,
    );
  }
  const problems = validate(validateChangestateInputSchema, v);
  if (problems.length === 0) problems.push(...changestateInputProblems(v as ChangestateInput));
  if (problems.length) throw protocolError(`changestate input: ${summarize(problems)}`);
  return v as ChangestateInput;
}

/** Parse and check the `trust` input; throws E_PROTOCOL naming the JSON path of each problem. */
export function parseTrustInput(text: string): TrustInput {
  const v = parseJson(text, 'trust input');
  const protocol = protocolOf(v);
  if (protocol !== PROTOCOL_VERSION)
    throw protocolError(`trust input of protocol ${String(protocol)}, this node speaks ${PROTOCOL_VERSION}`);
  const problems = validate(validateTrustInputSchema, v);
  if (problems.length === 0) {
    const t = v as TrustInput;
    (t.senders ?? []).forEach((s, i) => {
      if (!has(t.peers, s)) problems.push(`senders[${i}]: ${JSON.stringify(s)} is not in peers`);
    });
  }
  if (problems.length) throw protocolError(`trust input: ${summarize(problems)}`);
  return v as TrustInput;
}
