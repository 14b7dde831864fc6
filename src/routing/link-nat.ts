// The NAT rules of links by name (pure), installed in an application container's own network
// namespace (see src/plan/link-hosts.ts): one per named link, in the nat table's OUTPUT chain,
//   -d 198.18.0.N/32 -p tcp -m tcp --dport LOCAL -m comment --comment flocker
//     -j DNAT --to-destination NODE_ADDRESS:REMOTE
// NODE_ADDRESS:REMOTE is exactly what the link's variables say (ALIAS_PORT_LOCAL_TCP_ADDR and
// _PORT in the recorded spec): the address of the node the container runs on, the linked app's
// external port. Rules are written as `iptables -S` prints them, so a diff is a string compare.
import { FlockerError } from '../errors.js';
import { linkPrefix } from '../plan/links.js';
import { linkHosts } from '../plan/link-hosts.js';
import type { RecordedSpec } from '../validation/recorded-spec.js';

export const LINK_NAT_COMMENT = 'flocker';
export const LINK_NAT_CHAIN = 'OUTPUT';

/** The rules (argv after `-A OUTPUT`) an application's container needs, in links order. */
export function linkNatRules(spec: RecordedSpec, file = 'spec'): string[][] {
  return linkHosts(spec.application).map(({ link, address }) => {
    const p = linkPrefix(link);
    const to = spec.link_environment[`${p}_ADDR`];
    const port = spec.link_environment[`${p}_PORT`];
    if (to === undefined || port === undefined)
      throw new FlockerError(
        `${file}: link ${link.alias} (local port ${link.local_port}) has no ${p}_ADDR/${p}_PORT variables recorded`,
        'E_SPEC',
        'system',
      );
    return [
      '-d',
      `${address}/32`,
      '-p',
      'tcp',
      '-m',
      'tcp',
      '--dport',
      String(link.local_port),
      '-m',
      'comment',
      '--comment',
      LINK_NAT_COMMENT,
      '-j',
      'DNAT',
      '--to-destination',
      `${to}:${port}`,
    ];
  });
}

/** Ours among `iptables -t nat -S OUTPUT` lines: tagged with exactly our comment. */
function ourRules(listing: string): string[][] {
  return listing
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((t) => t[0] === '-A' && t[1] === LINK_NAT_CHAIN)
    .filter((t) => t.some((w, i) => w === '--comment' && t[i + 1] === LINK_NAT_COMMENT))
    .map((t) => t.slice(2));
}

/**
 * iptables argv (after `iptables -w -t nat`) that make our rules in the listing exactly
 * `wanted`: stale ones deleted first, missing ones appended. [] when they already are.
 */
export function planLinkNat(listing: string, wanted: readonly string[][]): string[][] {
  const have = ourRules(listing);
  const key = (r: readonly string[]): string => r.join(' ');
  const want = new Set(wanted.map(key));
  const kept = new Set<string>();
  const out: string[][] = [];
  for (const r of have) {
    // a stale rule, or a second copy of a wanted one
    if (want.has(key(r)) && !kept.has(key(r))) kept.add(key(r));
    else out.push(['-D', LINK_NAT_CHAIN, ...r]);
  }
  for (const r of wanted) if (!kept.has(key(r))) out.push(['-A', LINK_NAT_CHAIN, ...r]);
  return out;
}
