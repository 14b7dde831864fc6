// The one quoting function: turns argv into a POSIX shell command line. Used only where a
// command crosses SSH (the remote side always runs a shell on the command string).
const SAFE = /^[A-Za-z0-9_\-+=.,/:@%]+$/;

export function shellQuoteArg(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellQuote(argv: readonly string[]): string {
  return argv.map(shellQuoteArg).join(' ');
}
