// Links by name: inside its container, each link of an application answers on a virtual
// address of its own, named by the link's alias (`--add-host db:198.18.0.1`). The address
// exists only in that container: a NAT rule in the container's network namespace sends
// ADDRESS:LOCAL_PORT on to the node's address and the linked app's external port, where the
// node's own routing (src/routing) carries it to the app wherever it runs.
// 198.18.0.0/15 is the benchmarking range (RFC 2544): never routed, never anyone's address.
import type { Application, Link } from '../model/application.js';

/**
 * The virtual address of the `index`th distinct alias (host names compare case-blind) in the
 * canonical (sorted) links list: links sharing an alias share its address, one NAT rule per
 * local port. With every alias distinct, index = the link's index (as before networks).
 */
export function linkHostAddress(index: number): string {
  const n = index + 1; // 198.18.0.0 is the network's own address
  return `198.18.${n >> 8}.${n & 255}`;
}

/**
 * A name docker may add to /etc/hosts and resolvers find there: 1 to 63 letters, digits, "_"
 * or "-", not starting or ending with "-". Every alias the model allows (an environment
 * variable prefix: letters, digits, "_") is one; the check keeps /etc/hosts sound if that
 * ever widens. "_" is not RFC 1123, but glibc's and musl's hosts-file lookups take it, as
 * docker and compose do in service names.
 */
export const isLinkHostName = (name: string): boolean =>
  /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(name);

export interface LinkHost {
  readonly link: Link;
  /** the name the container resolves (the alias) */
  readonly name: string;
  readonly address: string;
}

/** The named links of an application, in its canonical links order (invalid names left out). */
export function linkHosts(app: Pick<Application, 'links'>): LinkHost[] {
  const slot = new Map<string, number>();
  return app.links.flatMap((link) => {
    const key = link.alias.toLowerCase();
    if (!slot.has(key)) slot.set(key, slot.size);
    const i = slot.get(key) as number;
    return isLinkHostName(link.alias) ? [{ link, name: link.alias, address: linkHostAddress(i) }] : [];
  });
}

/** One entry per host name (the first link's spelling): what `--add-host` needs. */
export function hostEntries(app: Pick<Application, 'links'>): { name: string; address: string }[] {
  const seen = new Set<string>();
  return linkHosts(app).flatMap(({ name, address }) => {
    if (seen.has(address)) return [];
    seen.add(address);
    return [{ name, address }];
  });
}
