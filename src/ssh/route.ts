// How each node is reached, decided before any contact: its settings (ssh -G), then hop by hop
// the ProxyJump hosts with their own settings, or the ProxyCommand. A chain `a,b` reaches b
// through a, and the node through b; the first hop follows its own ProxyJump/ProxyCommand, as
// OpenSSH's `ssh -J` does. Every refusal here is the user's (exit 2, nothing contacted).
import os from 'node:os';
import { NodeError } from '../errors.js';
import { planAuth } from './auth-plan.js';
import type { AuthPlan } from './auth-plan.js';
import type { ConnectContext } from './connect-options.js';
import { SSH_ERROR_CODES } from './errors.js';
import { SshOptionRefusal, hostOptions, parseJumpHop } from './host-options.js';
import { configFiles, expandHome, localUserName, locateOption } from './load.js';
import { noUsableIdentity } from './refusals.js';
import type { ResolvedHostConfig } from './ssh-config.js';
import { parseSshG, sshGArgs } from './ssh-g.js';
import type { SshGOptions } from './ssh-g.js';

export type HopVia =
  | { readonly kind: 'direct' }
  | { readonly kind: 'jump'; readonly hop: Hop }
  | { readonly kind: 'command'; readonly command: string };

export interface Hop {
  /** the node name, or the jump host as written in ProxyJump */
  readonly label: string;
  readonly hc: ResolvedHostConfig;
  readonly auth: AuthPlan;
  readonly via: HopVia;
  /** same key = same connection (jump hosts shared by several nodes) */
  readonly key: string;
}

/** ProxyJump chains deeper than this are refused (a loop in the config) */
const MAX_HOPS = 8;

interface Spec {
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
}

/** ssh -G for one host spec, and OpenSSH's defaults for it (cached per run). */
function sshG(ctx: ConnectContext, spec: Spec, withConfig: boolean): SshGOptions {
  const args = sshGArgs(spec.host, {
    ...(withConfig
      ? ctx.opts.sshConfigPath !== undefined
        ? { configFile: expandHome(ctx.opts.sshConfigPath, ctx.home) }
        : {}
      : { configFile: '/dev/null' }),
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    ...(spec.port !== undefined ? { port: spec.port } : {}),
  });
  const cacheKey = JSON.stringify(args);
  const cached = ctx.sshGCache.get(cacheKey);
  if (cached) return cached;
  const r = ctx.sshG(args);
  if (r.error !== undefined || r.status !== 0) {
    const said = r.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^Pseudo-terminal will not be allocated/.test(l))
      .join('; ');
    const why =
      r.error !== undefined
        ? `cannot run ssh (${r.error}); flocker reads the ssh config through OpenSSH's ssh -G: install openssh-client`
        : said || `exit ${r.status ?? 'signal'}`;
    throw new SshOptionRefusal('', '', `ssh -G ${args.join(' ')}: ${why}`);
  }
  const parsed = parseSshG(r.stdout);
  ctx.sshGCache.set(cacheKey, parsed);
  return parsed;
}

function settings(ctx: ConnectContext, spec: Spec): ResolvedHostConfig {
  const files = configFiles(ctx.opts.sshConfigPath, ctx.home);
  return hostOptions(spec.host, sshG(ctx, spec, true), sshG(ctx, spec, false), {
    home: ctx.home,
    localUser: localUserName(),
    localHost: os.hostname(),
    where: (kw) => {
      const at = locateOption(kw, files, ctx.home);
      return at.length > 0 ? `set in ${at.join(', ')}` : `set in ${files.join(' or ')}`;
    },
  });
}

/** The user's error for `node`, naming the jump host when it is one. */
function configError(node: string, label: string, e: unknown): NodeError {
  if (e instanceof NodeError) return e;
  const hop = label === node ? '' : ` for jump host ${label}`;
  if (e instanceof SshOptionRefusal) {
    const what = e.option === '' ? e.why : `${e.option} ${e.value} cannot be honoured: ${e.why}`;
    return new NodeError(node, `ssh config${hop}: ${what}`, SSH_ERROR_CODES.config, 'user');
  }
  throw e;
}

/**
 * The route to `node`: its hop, and through `via` the hops before it. `withAuth`: also the
 * identities each hop offers (a hop without any is refused here).
 */
export function resolveRoute(ctx: ConnectContext, node: string, withAuth: boolean): Hop {
  const hop = (label: string, spec: Spec, viaOverride: Hop | undefined, chain: readonly string[]): Hop => {
    if (chain.length > MAX_HOPS)
      throw new NodeError(
        node,
        `ssh config: ProxyJump goes through more than ${MAX_HOPS} hosts (${chain.join(' -> ')}): a loop?`,
        SSH_ERROR_CODES.config,
        'user',
      );
    let hc: ResolvedHostConfig;
    try {
      hc = settings(ctx, spec);
    } catch (e) {
      throw configError(node, label, e);
    }
    let via: HopVia = { kind: 'direct' };
    if (viaOverride) via = { kind: 'jump', hop: viaOverride };
    else if (hc.proxy.kind === 'command') via = { kind: 'command', command: hc.proxy.command };
    else if (hc.proxy.kind === 'jump') {
      let prev: Hop | undefined;
      for (const h of hc.proxy.hops) {
        let s: Spec;
        try {
          s = parseJumpHop(h);
        } catch (e) {
          throw configError(node, label, e);
        }
        prev = hop(h, s, prev, [...chain, h]);
      }
      if (prev) via = { kind: 'jump', hop: prev };
    }
    const auth: AuthPlan = withAuth ? planAuth(ctx, hc) : { methods: [], descriptions: [], skipped: [] };
    if (withAuth && auth.methods.length === 0) {
      const e = noUsableIdentity(label, hc, auth);
      if (label === node) throw e;
      throw new NodeError(node, `jump host ${e.message}`, e.code, 'user');
    }
    const self = `${hc.user}@${hc.hostName}:${hc.port}`;
    const key =
      via.kind === 'direct'
        ? self
        : via.kind === 'jump'
          ? `${self} via ${via.hop.key}`
          : `${self} via command ${via.command}`;
    return { label, hc, auth, via, key };
  };
  return hop(node, { host: node }, undefined, [node]);
}

/** "n1" or "n1 -> n0": the jump hosts before a hop, first contacted first */
export function jumpPath(h: Hop): string {
  const out: string[] = [];
  for (let v = h.via; v.kind === 'jump'; v = v.hop.via) out.unshift(v.hop.label);
  return out.join(' -> ');
}
