// The words of every refusal and failure while connecting: each is a NodeError with the code
// that says what to fix (host key, identity, network, timeout). Pure: no I/O.
import { NodeError } from '../errors.js';
import { assertNever } from '../util/assert-never.js';
import type { AuthPlan } from './auth-plan.js';
import { SSH_ERROR_CODES } from './errors.js';
import { fingerprintSha256, keyBlobType, knownHostsName } from './known-hosts.js';
import type { HostKeyVerdict } from './known-hosts.js';
import type { ResolvedHostConfig } from './ssh-config.js';

/** The refusal message for a host key that is not accepted. */
export function hostKeyProblem(
  node: string,
  verdict: Exclude<HostKeyVerdict, { kind: 'ok' }>,
  key: Buffer,
  info: {
    hostName: string;
    address: string;
    port: number;
    files: readonly string[];
    strict?: ResolvedHostConfig['strictHostKeyChecking'];
  },
): NodeError {
  const type = keyBlobType(key) ?? 'unknown';
  const fp = fingerprintSha256(key);
  const where = info.hostName === info.address ? info.address : `${info.hostName} (${info.address})`;
  const portArg = info.port === 22 ? '' : `-p ${info.port} `;
  const sshArg = info.port === 22 ? '' : `-p ${info.port} `;
  const kh = info.files[0] ?? '~/.ssh/known_hosts';
  switch (verdict.kind) {
    case 'revoked':
      return new NodeError(
        node,
        `host key for ${where} port ${info.port} is REVOKED (${verdict.entry.file}:${verdict.entry.line}): ` +
          `${type} ${fp}. Refusing to connect.`,
        SSH_ERROR_CODES.hostKeyRevoked,
      );
    case 'changed': {
      const lines = verdict.entries.map((e) => `${e.file}:${e.line}`).join(', ');
      return new NodeError(
        node,
        `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${where} port ${info.port}!\n` +
          `Someone could be eavesdropping on you right now (man-in-the-middle attack), or the host key has just been changed.\n` +
          `The ${type} key sent by the remote host has fingerprint ${fp}, which does not match the key in ${lines}.\n` +
          `If the change is expected, remove the old key (ssh-keygen -R ${knownHostsName(info.hostName, info.port)} -f FILE) and accept the new one after checking its fingerprint.`,
        SSH_ERROR_CODES.hostKeyChanged,
      );
    }
    case 'unknown': {
      let strictNote = '';
      if (info.strict && info.strict.value !== 'yes') {
        strictNote =
          `\nNote: "StrictHostKeyChecking ${info.strict.value}" (${info.strict.source}) is ignored: ` +
          `flocker never accepts unknown host keys.`;
      }
      const others =
        verdict.otherTypes.length > 0
          ? ` (known_hosts has only ${verdict.otherTypes.join(', ')} key(s) for this host)`
          : '';
      return new NodeError(
        node,
        `host key for ${where} port ${info.port} is not known${others}: ${type} ${fp}.\n` +
          `Refusing to connect. After checking that this fingerprint is the node's real key ` +
          `(on the node: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), accept it with:\n` +
          `  ssh-keyscan ${portArg}-t ${type} ${info.hostName} >> ${kh}\n` +
          `or connect once interactively: ssh ${sshArg}${node}` +
          strictNote,
        SSH_ERROR_CODES.hostKeyUnknown,
      );
    }
    default:
      return assertNever(verdict);
  }
}

/** No identity can be offered at all (nothing loaded, no agent). */
export function noUsableIdentity(node: string, hc: ResolvedHostConfig, auth: AuthPlan): NodeError {
  const tried =
    auth.skipped.length > 0
      ? auth.skipped.join('; ')
      : 'no private key found (~/.ssh/id_ed25519, id_ecdsa, id_rsa) and no ssh-agent';
  return new NodeError(
    node,
    `no usable ssh identity for ${hc.user}@${hc.hostName}: ${tried}`,
    SSH_ERROR_CODES.key,
    'user',
  );
}

export function connectTimedOut(node: string, target: string, timeoutMs: number): NodeError {
  return new NodeError(
    node,
    `ssh connection to ${target} timed out after ${timeoutMs} ms (no SSH handshake: host down, firewalled or not running sshd?)`,
    SSH_ERROR_CODES.timeout,
  );
}

export function closedDuringSetup(node: string, target: string): NodeError {
  return new NodeError(node, `ssh connection to ${target} closed during setup`, SSH_ERROR_CODES.connect);
}

/** What the handshake did before it failed; the authentication refusal lists it. */
export interface AttemptLog {
  readonly user: string;
  readonly auth: AuthPlan;
  /** descriptions of the methods offered so far */
  readonly tried: readonly string[];
  readonly agentErrors: readonly string[];
}

/** An ssh2 client error (not an agent error) during setup, by its level. */
export function clientFailure(
  node: string,
  target: string,
  timeoutMs: number,
  err: Error & { level?: string; code?: string },
  log: AttemptLog,
): NodeError {
  switch (err.level) {
    case 'client-socket':
      return new NodeError(node, describeSocketError(err, target), SSH_ERROR_CODES.connect);
    case 'client-timeout':
      return connectTimedOut(node, target, timeoutMs);
    case 'client-authentication': {
      const parts = [
        `ssh authentication as ${log.user} on ${target} failed (permission denied)`,
        `tried: ${log.tried.length > 0 ? log.tried.join(', ') : 'nothing'}`,
      ];
      if (log.auth.skipped.length > 0) parts.push(`not usable: ${log.auth.skipped.join('; ')}`);
      if (log.agentErrors.length > 0) parts.push(`agent errors: ${log.agentErrors.join('; ')}`);
      return new NodeError(node, parts.join('; '), SSH_ERROR_CODES.auth);
    }
    default:
      return new NodeError(node, `ssh to ${target} failed: ${err.message}`, SSH_ERROR_CODES.protocol);
  }
}

function describeSocketError(err: NodeJS.ErrnoException, target: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${target} (ECONNREFUSED): is sshd running and listening on that port?`;
    case 'EHOSTUNREACH':
      return `host unreachable: ${target} (EHOSTUNREACH)`;
    case 'ENETUNREACH':
      return `network unreachable: ${target} (ENETUNREACH)`;
    case 'ECONNRESET':
      return `connection reset by ${target} (ECONNRESET)`;
    case 'ETIMEDOUT':
      return `connection to ${target} timed out (ETIMEDOUT)`;
    default:
      return `cannot connect to ${target}: ${err.message}`;
  }
}
