// Quoting for systemd command lines (ExecStart= and friends), see systemd.service(5) "Command lines".
// Each argv word becomes one word systemd parses back exactly:
// - words made only of safe characters are written as they are;
// - others are double-quoted with C escapes for backslash, double quote and control characters;
// - everywhere, '%' is written '%%' (specifier expansion) and '$' is written '$$' (environment
//   variable substitution), so neither is ever expanded.
const SAFE = /^[A-Za-z0-9_\-+=.,/:@]+$/;

function escapeChar(c: string): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case '"':
      return '\\"';
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    case '%':
      return '%%';
    case '$':
      return '$$';
    default: {
      const code = c.codePointAt(0) ?? 0;
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      return c;
    }
  }
}

/** One argv word as systemd command-line text. NUL cannot be represented and throws. */
export function systemdQuoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('a systemd command-line argument cannot contain NUL');
  if (SAFE.test(arg)) return arg;
  return `"${Array.from(arg, escapeChar).join('')}"`;
}

/** argv as the value of ExecStart= (the first word is the executable). */
export function systemdCommandLine(argv: readonly string[]): string {
  return argv.map(systemdQuoteArg).join(' ');
}
