// Compose scalar values -> Flocker values: "8080:80" ports, "64m" memory sizes, restart
// policies. Each parser returns the value or the reason it is not acceptable (the message).
import { quoteText } from '../validation/echo.js';
import type { PortMapping } from '../model/application.js';
import { describeValue } from './yaml-source.js';

const PORT_RE = /^[0-9]{1,5}$/;

function parsePortNumber(s: string): number | null {
  if (!PORT_RE.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

/** "8080:80" (optionally "/tcp") -> mapping, or the reason it is not acceptable. */
export function parseComposePort(v: unknown): PortMapping | string {
  const expected = 'expected "EXTERNAL:INTERNAL" with ports from 1 to 65535 (e.g. "8080:80")';
  if (typeof v === 'number') {
    return `${expected}, found the number ${v}: an external port is required (write "${v}:${v}" to use the same port)`;
  }
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  let s = v.trim();
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const proto = s.slice(slash + 1);
    if (proto !== 'tcp') return `${expected}, found ${quoteText(v as string)}: only TCP ports are supported`;
    s = s.slice(0, slash);
  }
  if (s.includes('-')) return `${expected}, found ${quoteText(v as string)}: port ranges are not supported`;
  const parts = s.split(':');
  if (parts.length === 1) {
    return `${expected}, found ${quoteText(v as string)}: an external port is required (write "${s}:${s}" to use the same port)`;
  }
  if (parts.length > 2) {
    return `${expected}, found ${quoteText(v as string)}: binding to a host address is not supported (every node answers on the external port)`;
  }
  const ext = parsePortNumber(parts[0] as string);
  const int = parsePortNumber(parts[1] as string);
  if (ext === null || int === null) return `${expected}, found ${quoteText(v as string)}`;
  return { external: ext, internal: int };
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

/** "no" | "always" | "on-failure" | "on-failure:N" -> restart policy. */
export function parseRestart(v: unknown): Record<string, unknown> | string {
  const expected = 'expected one of "no", "always", "on-failure" or "on-failure:N"';
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  if (v === 'no') return { name: 'never' };
  if (v === 'always') return { name: 'always' };
  if (v === 'on-failure') return { name: 'on-failure' };
  const m = /^on-failure:([0-9]{1,9})$/.exec(v);
  if (m) return { name: 'on-failure', maximum_retry_count: Number(m[1]) };
  if (v === 'unless-stopped') return `${expected}, found "unless-stopped", which is not supported`;
  return `${expected}, found ${quoteText(v as string)}`;
}
