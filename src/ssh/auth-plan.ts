// Which identities to offer, in order: ssh-agent (unless IdentitiesOnly), then -i style
// identityFiles, then IdentityFile from the config, else the default ~/.ssh/id_* keys.
// Encrypted keys are never prompted for; they are listed as skipped, with the way out.
import type { AnyAuthMethod } from 'ssh2';
import { assertNever } from '../util/assert-never.js';
import type { ConnectContext } from './connect-options.js';
import { defaultIdentityFiles, expandHome, loadIdentity } from './load.js';
import type { ResolvedHostConfig } from './ssh-config.js';

export interface AuthPlan {
  readonly methods: AnyAuthMethod[];
  /** human descriptions, parallel to methods */
  readonly descriptions: string[];
  /** identities not usable, with why */
  readonly skipped: string[];
}

function displayPath(p: string, home: string): string {
  return p.startsWith(home + '/') ? '~' + p.slice(home.length) : p;
}

export function planAuth(ctx: ConnectContext, hc: ResolvedHostConfig): AuthPlan {
  const methods: AnyAuthMethod[] = [];
  const descriptions: string[] = [];
  const skipped: string[] = [];
  // IdentityAgent: none (null), a socket, or unset ($SSH_AUTH_SOCK); the caller's option wins
  const agentSocket =
    ctx.opts.agentSocket ??
    (hc.identityAgent === null ? '' : (hc.identityAgent ?? process.env['SSH_AUTH_SOCK'] ?? ''));
  const useAgent = agentSocket !== '' && !hc.identitiesOnly;
  if (useAgent) {
    methods.push({ type: 'agent', username: hc.user, agent: agentSocket });
    descriptions.push(`ssh-agent (${agentSocket})`);
  }
  const explicit = [
    ...(ctx.opts.identityFiles ?? []).map((f) => expandHome(f, ctx.home)),
    ...hc.identityFiles,
  ];
  const usingDefaults = explicit.length === 0;
  const files = usingDefaults ? defaultIdentityFiles(ctx.home) : [...new Set(explicit)];
  for (const id of files.map(loadIdentity)) {
    const shown = displayPath(id.file, ctx.home);
    switch (id.kind) {
      case 'ok':
        methods.push({ type: 'publickey', username: hc.user, key: id.key });
        descriptions.push(`${shown} (${id.key.type})`);
        break;
      case 'encrypted':
        skipped.push(
          `${shown} is encrypted (passphrase-protected) and flocker does not prompt for passphrases; ` +
            (useAgent
              ? `the agent was tried instead`
              : `load it into ssh-agent (ssh-add ${shown}) with SSH_AUTH_SOCK set`) +
            (hc.identitiesOnly ? ` (IdentitiesOnly yes disables the agent)` : ''),
        );
        break;
      case 'missing':
        if (!usingDefaults) skipped.push(`${shown} does not exist`);
        break;
      case 'bad':
        skipped.push(`${shown}: ${id.reason}`);
        break;
      default:
        assertNever(id);
    }
  }
  return { methods, descriptions, skipped };
}
