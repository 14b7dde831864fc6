// Compose scalar values -> Flocker values: "8080:80" ports, "64m" memory sizes, restart
// policies. Each parser returns the value or the reason it is not acceptable (the message).
import { quoteText } from '../validation/echo.js';
import type { PortMapping } from '../model/application.js';
import { describeValue } from './yaml-source.js';
import { IPV4_PATTERN } from '../model/application-schema.js';

const PORT_RE = /^[0-9]{1,5}$/;
const IPV4_RE = new RegExp(IPV4_PATTERN);

export function parsePortNumber(s: string): number | null {
  if (!PORT_RE.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

export const PORT_EXPECTED =
  'expected "EXTERNAL:INTERNAL" or "HOST_IP:EXTERNAL:INTERNAL" with ports from 1 to 65535, optionally "/udp" or "/tcp" (e.g. "8080:80", "53:53/udp")';
/** Why a port must be published on a fixed port (said wherever one is missing). */
export const FIXED_PORT_WHY =
  'a published port must be fixed: every node routes it to wherever the application runs';

/** A host address for a published port: 0.0.0.0 is every address (the model's absent host_ip). */
export function parseHostIp(ip: string): { host_ip?: string } | string {
  if (ip === '0.0.0.0') return {};
  if (IPV4_RE.test(ip)) return { host_ip: ip };
  if (ip.includes(':') || ip.startsWith('['))
    return 'IPv6 host addresses are not supported (the routing is IPv4)';
  return 'the host address must be an IPv4 address like 127.0.0.1';
}

/** "[HOST_IP:]8080:80" (optionally "/tcp") -> mapping, or the reason it is not acceptable. */
export function parseComposePort(v: unknown): PortMapping | string {
  const expected = PORT_EXPECTED;
  if (typeof v === 'number') {
    return `${expected}, found the number ${v}: ${FIXED_PORT_WHY} (write "${v}:${v}" to use the same port)`;
  }
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  let s = v.trim();
  let udp: { protocol?: 'udp' } = {};
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const proto = s.slice(slash + 1);
    if (proto !== 'tcp' && proto !== 'udp')
      return `${expected}, found ${quoteText(v as string)}: the protocol must be "tcp" or "udp" (the routing forwards both)`;
    if (proto === 'udp') udp = { protocol: 'udp' };
    s = s.slice(0, slash);
  }
  if (s.startsWith('[') || s.split(':').length > 3)
    return `${expected}, found ${quoteText(v as string)}: IPv6 host addresses are not supported (the routing is IPv4)`;
  const parts = s.split(':');
  if (parts.length === 1) {
    return `${expected}, found ${quoteText(v as string)}: ${FIXED_PORT_WHY} (write "${s}:${s}" to use the same port)`;
  }
  if (s.includes('-'))
    return `${expected}, found ${quoteText(v as string)}: port ranges are not supported (list each port: each is routed on its own)`;
  let host: { host_ip?: string } = {};
  if (parts.length === 3) {
    const h = parseHostIp(parts[0] as string);
    if (typeof h === 'string') return `${expected}, found ${quoteText(v as string)}: ${h}`;
    host = h;
    parts.shift();
  }
  if (parts[0] === '')
    return `${expected}, found ${quoteText(v as string)}: ${FIXED_PORT_WHY} (write the external port)`;
  const ext = parsePortNumber(parts[0] as string);
  const int = parsePortNumber(parts[1] as string);
  if (ext === null || int === null) return `${expected}, found ${quoteText(v as string)}`;
  return { external: ext, internal: int, ...host, ...udp };
}

const MEM_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** 67108864, "64m", "1g", "512k", "100b" -> bytes; other values -> the reason. */
export function parseMemLimit(v: unknown): number | string {
  const expected =
    'expected a memory size greater than 0: a number of bytes or a string like "64m", "512k" or "1g"';
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) && v > 0 ? v : `${expected}, found the number ${v}`;
  }
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  const m = /^([0-9]+)\s*([a-zA-Z]*)$/.exec(v.trim());
  const unit = m ? MEM_UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined) return `${expected}, found ${quoteText(v as string)}`;
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n <= 0) return `${expected}, found ${quoteText(v as string)}`;
  return n;
}

/**
 * "no" | "always" | "on-failure" | "on-failure:N" | "unless-stopped" -> restart policy.
 * unless-stopped is always: Flocker stops an application only by removing it from a node.
 */
export function parseRestart(v: unknown): Record<string, unknown> | string {
  const expected = 'expected one of "no", "always", "on-failure", "on-failure:N" or "unless-stopped"';
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  if (v === 'no') return { name: 'never' };
  if (v === 'always') return { name: 'always' };
  if (v === 'on-failure') return { name: 'on-failure' };
  const m = /^on-failure:([0-9]{1,9})$/.exec(v);
  if (m) return { name: 'on-failure', maximum_retry_count: Number(m[1]) };
  if (v === 'unless-stopped') return { name: 'always' };
  return `${expected}, found ${quoteText(v as string)}`;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * A compose duration (Go's time.ParseDuration: "1m30s", "10s", "500ms", "1.5h", "0") ->
 * seconds, or the reason. Numbers are refused: compose reads durations as strings with units.
 */
export function parseDuration(v: unknown): number | string {
  const expected = 'expected a duration like "30s", "1m30s" or "500ms" (units h, m, s, ms, us, ns)';
  if (typeof v === 'number') return `${expected}, found the number ${v} (write "${v}s" for seconds)`;
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  if (v === '0') return 0;
  const re = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/y;
  let i = 0;
  let total = 0;
  if (v.length === 0) return `${expected}, found an empty string`;
  while (i < v.length) {
    re.lastIndex = i;
    const m = re.exec(v);
    if (!m || m[1] === '' || m[1] === '.') return `${expected}, found ${quoteText(v)}`;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    i = re.lastIndex;
  }
  return Math.round(total * 1e9) / 1e9;
}

/** Shell metacharacters that would need a shell: a string command runs without one. */
const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '`']);

/**
 * A command string -> argv, split as docker compose splits it (shell words: blanks separate,
 * '...' is literal, "..." keeps \\ \" \$ \` escapes, \ outside quotes escapes the next
 * character). No shell runs the result, so an unquoted shell operator is refused with the
 * list form to write instead (compose would silently drop the rest of the line).
 */
export function splitShellWords(s: string): string[] | string {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '\\') {
      inWord = true;
      if (i + 1 < s.length) cur += s[++i];
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return `this single quote is never closed (at character ${i + 1})`;
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        const d = s[j] as string;
        if (d === '\\' && '\\"$`'.includes(s[j + 1] ?? 'x')) cur += s[++j];
        else cur += d;
      }
      if (j >= s.length) return `this double quote is never closed (at character ${i + 1})`;
      i = j;
    } else if (OPERATORS.has(c)) {
      return `${quoteText(c)} is a shell operator, and no shell runs the command; write a list: ["sh", "-c", ${quoteText(s)}]`;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
