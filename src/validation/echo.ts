// Text from the user's files echoed back in messages: control characters escaped (an ESC or a
// U+202E from a file must not drive the terminal) and long values shortened.

/** Longest echoed value, in characters; more is cut and its size said. */
export const ECHO_MAX_CHARS = 80;

// C0 controls, DEL, C1 controls, bidi controls and marks, line/paragraph separators, BOM
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Cut to `max` characters (never inside a surrogate pair) + "…(N bytes)". */
export function shorten(s: string, max = ECHO_MAX_CHARS): string {
  if (s.length <= max) return s;
  let cut = max;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${s.slice(0, cut)}…(${Buffer.byteLength(s, 'utf8')} bytes)`;
}

/** Shortened, control characters escaped; no quotes. */
export function escapeText(s: string, max = ECHO_MAX_CHARS): string {
  return shorten(s, max).replace(UNSAFE, escapeChar);
}

/** A value as messages show it: in double quotes, `"` and `\` escaped, shortened, controls escaped. */
export function quoteText(s: string, max = ECHO_MAX_CHARS): string {
  return `"${shorten(s, max)
    .replace(/["\\]/g, (c) => `\\${c}`)
    .replace(UNSAFE, escapeChar)}"`;
}

/** A key in a message whose path already shows it: a long key is not printed a second time. */
export function keyText(k: string): string {
  return k.length > ECHO_MAX_CHARS
    ? `a key of ${Buffer.byteLength(k, 'utf8')} bytes (shown in the path)`
    : quoteText(k);
}
