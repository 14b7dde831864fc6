// One ssh2 handshake: host key verification, authentication in plan order, a guard timer, and
// exactly one outcome — a NodeConnection, or a NodeError from refusals.ts.
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, Client, ConnectConfig } from 'ssh2';
import type { NodeError } from '../errors.js';
import type { AuthPlan } from './auth-plan.js';
import { toNodeError } from './errors.js';
import type { HostKeyPolicy } from './host-key-policy.js';
import { openSshPublicKey } from './known-hosts.js';
import { clientFailure, closedDuringSetup, connectTimedOut, hostKeyProblem } from './refusals.js';
import type { ResolvedHostConfig } from './ssh-config.js';

const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;
/** ssh2's readyTimeout should fire first; the guard catches a handshake that never ends */
const GUARD_SLACK_MS = 2000;

export interface HandshakeInput {
  /** the name errors carry (the node, or the jump host) */
  readonly node: string;
  readonly hc: ResolvedHostConfig;
  readonly address: string;
  /** the whole connect timeout (for the message) */
  readonly timeoutMs: number;
  /** what is left of it for the handshake */
  readonly remainingMs: number;
  readonly hostKeys: HostKeyPolicy;
  readonly auth: AuthPlan;
  /** the stream to talk over (jump host channel, ProxyCommand stdio); else TCP to address */
  readonly sock?: Duplex;
  /** appended to the target in messages: " via jump host n1" */
  readonly via?: string;
}

/** An authenticated ssh2 client and the host key it verified (OpenSSH public format). */
export interface Handshaken {
  readonly client: Client;
  readonly hostKey: string;
}

/** What the ssh2 callbacks learn during the handshake. */
interface Progress {
  hostKeyError: NodeError | undefined;
  verifiedKey: Buffer | undefined;
  readonly tried: string[];
  readonly agentErrors: string[];
}

export function handshake(input: HandshakeInput): Promise<Handshaken> {
  const { node, hc, address } = input;
  const target = `${address} port ${hc.port}${input.via ?? ''}`;
  const client = new ssh2.Client();
  const progress: Progress = { hostKeyError: undefined, verifiedKey: undefined, tried: [], agentErrors: [] };

  return new Promise<Handshaken>((resolve, reject) => {
    let done = false;
    const guard = setTimeout(
      () => finish(connectTimedOut(node, target, input.timeoutMs)),
      input.remainingMs + GUARD_SLACK_MS,
    );
    function finish(err: NodeError | undefined): void {
      if (done) return;
      done = true;
      clearTimeout(guard);
      if (err) {
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.end();
        client.destroy();
        reject(err);
        return;
      }
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      resolve({ client, hostKey: openSshPublicKey(progress.verifiedKey ?? Buffer.alloc(0)) });
    }
    client.on('ready', () => finish(undefined));
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (err.level === 'agent') {
        progress.agentErrors.push(err.message);
        return; // ssh2 moves on to the next method
      }
      finish(
        progress.hostKeyError ??
          clientFailure(node, target, input.timeoutMs, err, { user: hc.user, auth: input.auth, ...progress }),
      );
    });
    client.on('close', () => finish(progress.hostKeyError ?? closedDuringSetup(node, target)));
    try {
      client.connect(connectConfig(input, progress));
    } catch (e) {
      finish(toNodeError(node, e));
    }
  });
}

function connectConfig(input: HandshakeInput, progress: Progress): ConnectConfig {
  const { node, hc, address, hostKeys, auth } = input;
  let methodIndex = 0;
  return {
    ...(input.sock ? { sock: input.sock } : {}),
    host: address,
    port: hc.port,
    username: hc.user,
    readyTimeout: input.remainingMs,
    // ServerAliveInterval / ServerAliveCountMax when the config sets them
    keepaliveInterval: hc.keepalive?.intervalMs ?? KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: hc.keepalive?.countMax ?? KEEPALIVE_COUNT_MAX,
    algorithms: { serverHostKey: hostKeys.algorithms },
    hostVerifier: (key: Buffer): boolean => {
      const verdict = hostKeys.check(key);
      if (verdict.kind === 'ok') {
        progress.verifiedKey = Buffer.from(key);
        return true;
      }
      progress.hostKeyError = hostKeyProblem(node, verdict, key, {
        hostName: hc.hostName,
        address,
        port: hc.port,
        files: hostKeys.files,
        strict: hc.strictHostKeyChecking,
      });
      return false;
    },
    // offer the plan's methods in order; `false` tells ssh2 there is nothing left to try
    authHandler: (_methodsLeft, _partial, next) => {
      const m = auth.methods[methodIndex];
      const d = auth.descriptions[methodIndex];
      methodIndex++;
      if (m === undefined || d === undefined) {
        next(false as unknown as AnyAuthMethod);
        return;
      }
      progress.tried.push(d);
      next(m);
    },
  };
}
