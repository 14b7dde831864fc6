// Node names that are IP addresses: the same address can be written many ways (`192.0.2.1`,
// `192.000.002.001`, `3221225985`, `0xc0.0.2.1` are one IPv4 address to the resolver; `::1` and
// `0:0::1` one IPv6 address). Two such names in one deployment are one machine, and that is
// known from the file alone, before any node is contacted. Host names and ssh aliases are not
// compared here: only contact (address as connected, machine-id) tells those apart.

/** The canonical address a node name stands for when it is an address literal, else undefined. */
export function literalAddress(name: string): string | undefined {
  // (the WHATWG URL host parser, a global: src/model stays free of node: built-ins)
  if (name.includes(':')) return canonicalHost(`[${name}]`)?.replace(/^\[|\]$/g, '');
  // the URL host parser reads IPv4 numbers as inet_aton (and so getaddrinfo) does: 1 to 4
  // parts, decimal, octal (leading 0) or hex (0x); anything else is a host name
  const host = canonicalHost(name);
  return host !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : undefined;
}

function canonicalHost(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}
