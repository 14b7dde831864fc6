// Compose variable interpolation in string values: $VAR, ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:?message}, ${VAR?message}, ${VAR:+alternative}, ${VAR+alternative},
// and "$$" for a literal "$". Defaults and alternatives may hold interpolations themselves.
//
// One rule stricter than docker compose: an unset $VAR or ${VAR} is a problem, not an empty
// string with a warning (a variable silently missing in production is worse than an error);
// write ${VAR:-} or ${VAR-} to mean "empty when unset".
import { quoteText } from '../validation/echo.js';

/** The variables interpolation reads: the deploying environment over the .env file. */
export type Lookup = (name: string) => string | undefined;

export type Interpolated = { readonly value: string } | { readonly problem: string };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

class Fail {
  constructor(readonly message: string) {}
}

/** Interpolate one string; the reason it cannot be done is a message ending with what to write. */
export function interpolate(s: string, lookup: Lookup): Interpolated {
  if (!s.includes('$')) return { value: s };
  try {
    return { value: expand(s, lookup) };
  } catch (e) {
    if (e instanceof Fail) return { problem: e.message };
    throw e;
  }
}

function expand(s: string, lookup: Lookup): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < s.length && NAME_CHAR.test(s[j] as string)) j++;
      out += required(s.slice(i + 1, j), lookup);
      i = j;
    } else if (next === '{') {
      const close = matchingBrace(s, i + 1);
      if (close < 0) {
        throw new Fail(
          `invalid interpolation in ${quoteText(s)}: "\${" is never closed by "}" (write "$$" for a literal "$")`,
        );
      }
      out += braced(s.slice(i + 2, close), s, lookup);
      i = close + 1;
    } else {
      throw new Fail(
        `invalid interpolation in ${quoteText(s)}: "$" must be followed by a name, "{name}" or "$" (write "$$" for a literal "$")`,
      );
    }
  }
  return out;
}

/** Index of the "}" closing the "{" at `open`, counting nested "${...}"; -1 if none. */
function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '$' && s[i + 1] === '$') i++;
    else if (c === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '{' && i === open) depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function required(name: string, lookup: Lookup): string {
  const v = lookup(name);
  if (v === undefined) {
    throw new Fail(
      `expected the variable ${name} to be set (in the environment or the .env file), found it unset; write \${${name}:-default} to give a default or \${${name}:-} for an empty value`,
    );
  }
  return v;
}

/** The inside of "${...}". */
function braced(body: string, whole: string, lookup: Lookup): string {
  let j = 0;
  if (!NAME_START.test(body[0] ?? '')) j = -1;
  else while (j < body.length && NAME_CHAR.test(body[j] as string)) j++;
  if (j <= 0) {
    throw new Fail(
      `invalid interpolation in ${quoteText(whole)}: expected a variable name inside "\${...}" (write "$$" for a literal "$")`,
    );
  }
  const name = body.slice(0, j);
  const rest = body.slice(j);
  if (rest === '') return required(name, lookup);
  const colon = rest.startsWith(':');
  const op = rest[colon ? 1 : 0];
  const arg = rest.slice(colon ? 2 : 1);
  const v = lookup(name);
  // ":" treats an empty value like an unset one
  const unset = v === undefined || (colon && v === '');
  switch (op) {
    case '-':
      return unset ? expand(arg, lookup) : (v as string);
    case '+':
      return unset ? '' : expand(arg, lookup);
    case '?': {
      if (!unset) return v as string;
      const msg = expand(arg, lookup);
      throw new Fail(
        `expected the variable ${name} to be ${colon ? 'set and not empty' : 'set'}: ${msg === '' ? 'it is required' : msg}`,
      );
    }
    default:
      throw new Fail(
        `invalid interpolation in ${quoteText(whole)}: expected ":-", "-", ":?", "?", ":+" or "+" after \${${name}`,
      );
  }
}
