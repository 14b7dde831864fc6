// Strict host key checking: which known_hosts files count, which key types to offer first, and
// the verdict on the key a node sends. Unknown keys are never accepted (whatever
// StrictHostKeyChecking says); refusals.ts words the refusal.
import path from 'node:path';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import type { ConnectContext } from './connect-options.js';
import { checkHostKey, knownHostsName, knownKeyTypes } from './known-hosts.js';
import type { HostKeyVerdict } from './known-hosts.js';
import { expandHome } from './load.js';
import type { ResolvedHostConfig } from './ssh-config.js';

export interface HostKeyPolicy {
  /** the known_hosts files consulted, in order */
  readonly files: readonly string[];
  /** host key algorithms to offer, the types known for this host first */
  readonly algorithms: ServerHostKeyAlgorithm[];
  /** the verdict on the key the node sent */
  check(key: Buffer): HostKeyVerdict;
}

/**
 * The policy for one hop, checked under its HostName and its address, or under HostKeyAlias
 * alone when set (as OpenSSH does).
 */
export function hostKeyPolicy(ctx: ConnectContext, hc: ResolvedHostConfig, address: string): HostKeyPolicy {
  const files = knownHostsFiles(ctx, hc);
  const lines = ctx.knownHosts.lines(files);
  const names =
    hc.hostKeyAlias !== undefined
      ? [knownHostsName(hc.hostKeyAlias, hc.port)]
      : [...new Set([knownHostsName(hc.hostName, hc.port), knownHostsName(address, hc.port)])];
  return {
    files,
    algorithms: preferredHostKeyAlgorithms(knownKeyTypes(lines, names)),
    check: (key) => checkHostKey(lines, names, key),
  };
}

function knownHostsFiles(ctx: ConnectContext, hc: ResolvedHostConfig): string[] {
  if (ctx.opts.knownHostsPaths) return ctx.opts.knownHostsPaths.map((p) => expandHome(p, ctx.home));
  const user =
    hc.userKnownHostsFiles.length > 0
      ? hc.userKnownHostsFiles
      : [path.join(ctx.home, '.ssh', 'known_hosts'), path.join(ctx.home, '.ssh', 'known_hosts2')];
  const global =
    hc.globalKnownHostsFiles.length > 0
      ? hc.globalKnownHostsFiles
      : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  return [...user, ...global];
}

/** ssh2 host key algorithms whose key blob type is `keyType`. */
function algorithmsForKeyType(keyType: string): ServerHostKeyAlgorithm[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType as ServerHostKeyAlgorithm];
}

const DEFAULT_HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Like OpenSSH: offer the key types we already know for this host first. */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const first = knownTypes
    .flatMap(algorithmsForKeyType)
    .filter((a) => DEFAULT_HOST_KEY_ALGORITHMS.includes(a));
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}
