// Errors of the SSH transport. Every per-node failure is a NodeError (src/errors.ts) with a
// specific code; local-key/config problems are 'user' (exit 2: found before any node answered;
// fix ~/.ssh/config, load the key into the agent); a refused host key or authentication is
// found after contacting the node, so it is 'system' (exit 1) like network failures.
import { FlockerError } from '../errors.js';

// one aggregate for per-node failures, shared with the deploy driver (src/errors.ts)
export { AggregateNodeError, toNodeError } from '../errors.js';

export const SSH_ERROR_CODES = {
  /** TCP connect failed (refused, unreachable, reset) */
  connect: 'E_SSH_CONNECT',
  /** no SSH handshake within the connect timeout */
  timeout: 'E_SSH_TIMEOUT',
  /** name did not resolve */
  resolve: 'E_SSH_RESOLVE',
  /** server rejected every identity */
  auth: 'E_SSH_AUTH',
  /** local keys unusable (all encrypted without agent, unreadable) */
  key: 'E_SSH_KEY',
  hostKeyUnknown: 'E_SSH_HOSTKEY_UNKNOWN',
  hostKeyChanged: 'E_SSH_HOSTKEY_CHANGED',
  hostKeyRevoked: 'E_SSH_HOSTKEY_REVOKED',
  /** bad ssh config, or an option flocker cannot honour (docs/ssh.md) */
  config: 'E_SSH_CONFIG',
  /** connection dropped or protocol failure after connecting */
  connectionLost: 'E_SSH_CONNECTION_LOST',
  /** other SSH protocol failure */
  protocol: 'E_SSH_PROTOCOL',
} as const;

/** The ssh client config (~/.ssh/config or --ssh-config) cannot be read or parsed. */
export class SshConfigError extends FlockerError {
  constructor(message: string) {
    super(message, SSH_ERROR_CODES.config, 'user');
  }
}
