// A YAML syntax error, explained: at the place the user has to fix (an unclosed quote or
// bracket is reported where it opens, not a line later as "deficient indentation") and with the
// key path of that place, read off the block structure of the lines above. Linear in the text.
import { YAMLException } from 'js-yaml';
import type { InputProblem } from '../errors.js';
import { escapeText } from '../validation/echo.js';
import { formatPath, offsetToLineCol } from './yaml-source.js';
import type { PathSegment } from './yaml-source.js';

export function syntaxProblem(
  text: string,
  file: string,
  lineStarts: readonly number[],
  err: unknown,
): InputProblem {
  if (!(err instanceof YAMLException)) {
    return { file, line: 1, column: 1, path: '', message: `invalid YAML: ${escapeText(String(err), 200)}` };
  }
  const errPos = Math.min(Math.max(0, err.mark?.position ?? 0), text.length);
  let offset = errPos;
  let message = `invalid YAML: ${escapeText(err.reason ?? err.message, 200)}`;
  const open = unclosedAt(text, errPos);
  const errLine = offsetToLineCol(lineStarts, errPos).line;
  if (
    open &&
    (offsetToLineCol(lineStarts, open.offset).line < errLine ||
      /quoted scalar|end of the stream/.test(err.reason))
  ) {
    offset = open.offset;
    message = `invalid YAML: ${open.what} is never closed (no matching ${open.closer} before line ${errLine})`;
  }
  const at = offsetToLineCol(lineStarts, offset);
  return { file, ...at, path: formatPath(pathAt(text, lineStarts, at.line, at.column)), message };
}

interface Open {
  readonly offset: number;
  readonly what: string;
  readonly closer: string;
}

/** The innermost quote or flow bracket still open at `end`, by a light scan of the YAML tokens. */
export function unclosedAt(text: string, end: number): Open | null {
  let quote: { ch: string; offset: number } | null = null;
  const flow: number[] = [];
  let tokenStart = true;
  let lineIndent = 0;
  let blockIndent = -1; // inside a block scalar: lines indented more than this are content
  let lineStart = true;
  for (let i = 0; i < end; i++) {
    const c = text[i] as string;
    if (quote) {
      if (quote.ch === '"' && c === '\\') i++;
      else if (c === quote.ch) {
        if (quote.ch === "'" && text[i + 1] === "'") i++;
        else quote = null;
      }
      continue;
    }
    if (c === '\n' || c === '\r') {
      lineStart = true;
      tokenStart = true;
      lineIndent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        lineIndent++;
        continue;
      }
      lineStart = false;
      if (blockIndent >= 0) {
        if (lineIndent > blockIndent) {
          // block scalar content: skip the line
          while (i + 1 < end && text[i + 1] !== '\n' && text[i + 1] !== '\r') i++;
          continue;
        }
        blockIndent = -1;
      }
    }
    if (c === ' ' || c === '\t') continue;
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      while (i + 1 < end && text[i + 1] !== '\n' && text[i + 1] !== '\r') i++;
      continue;
    }
    const next = text[i + 1];
    const spaceAfter = next === undefined || next === ' ' || next === '\n' || next === '\r' || next === '\t';
    if (tokenStart && (c === '"' || c === "'")) {
      quote = { ch: c, offset: i };
      tokenStart = false;
    } else if (tokenStart && (c === '[' || c === '{')) {
      flow.push(i);
    } else if ((c === ']' || c === '}') && flow.length > 0) {
      flow.pop();
      tokenStart = false;
    } else if (c === ',' && flow.length > 0) {
      tokenStart = true;
    } else if ((c === '-' || c === '?' || c === ':') && (spaceAfter || (c === ':' && flow.length > 0))) {
      tokenStart = true;
    } else if (tokenStart && (c === '|' || c === '>') && flow.length === 0) {
      blockIndent = lineIndent;
      tokenStart = false;
    } else {
      tokenStart = false;
    }
  }
  if (quote) {
    const what = quote.ch === '"' ? 'this double-quoted string' : 'this single-quoted string';
    return { offset: quote.offset, what, closer: quote.ch === '"' ? '"' : "'" };
  }
  const f = flow[flow.length - 1];
  if (f === undefined) return null;
  const list = text[f] === '[';
  return { offset: f, what: list ? 'this "[" list' : 'this "{" mapping', closer: list ? '"]"' : '"}"' };
}

interface LineTokens {
  readonly indent: number;
  /** columns (0-based) of the "- " item markers at the start of the line */
  readonly dashes: number[];
  /** `scalar`: the key has its value on its line, so lines below cannot be its children */
  readonly key: { readonly text: string; readonly col: number; readonly scalar: boolean } | null;
}

const KEY_RE =
  /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{},:-][^#:]*?|-[^\s#:][^#:]*?)[ \t]*:(?:[ \t]|$)/;

function tokensOf(line: string): LineTokens | null {
  let i = 0;
  while (line[i] === ' ') i++;
  if (i === line.length || line[i] === '#') return null;
  const indent = i;
  const dashes: number[] = [];
  while (line[i] === '-' && (line[i + 1] === ' ' || line[i + 1] === undefined)) {
    dashes.push(i);
    i++;
    while (line[i] === ' ') i++;
  }
  const m = KEY_RE.exec(line.slice(i));
  let key: LineTokens['key'] = null;
  if (m) {
    const raw = (m[1] as string).trim();
    const text = raw.startsWith('"')
      ? safeJson(raw)
      : raw.startsWith("'")
        ? raw.slice(1, -1).replace(/''/g, "'")
        : raw;
    const rest = line.slice(i + m[0].length).trim();
    const scalar = rest !== '' && !/^[#|>&!*[{]/.test(rest);
    key = { text, col: i, scalar };
  }
  return { indent, dashes, key };
}

function safeJson(raw: string): string {
  try {
    return String(JSON.parse(raw));
  } catch {
    return raw.slice(1, -1);
  }
}

/**
 * The key path of (line, column), 1-based, from the block structure above it: each line less
 * indented than the current place is an ancestor (its key, or its "- " item, counted).
 * Flow collections are not looked into: their place is the key that holds them.
 */
export function pathAt(
  text: string,
  lineStarts: readonly number[],
  line: number,
  column: number,
): PathSegment[] {
  const lineText = (n: number): string => {
    const s = lineStarts[n - 1] ?? text.length;
    const e = lineStarts[n] ?? text.length;
    return text.slice(s, e).replace(/[\r\n]+$/, '');
  };
  const rev: PathSegment[] = [];
  let cur = column - 1;
  // the line of the problem: its key counts if the problem is in that key's value
  const own = tokensOf(lineText(line));
  // an item at column `itemCol` counts the earlier items at the same column
  let itemCol = -1;
  let itemIndex = 0;
  if (own) {
    if (own.key && own.key.col < cur) {
      rev.push(own.key.text);
      cur = own.key.col;
    }
    const d = own.dashes[0];
    if (d !== undefined && d < cur) {
      cur = d;
      itemCol = d;
    }
  }
  for (let n = line - 1; n >= 1 && (cur > 0 || itemCol >= 0); n--) {
    const t = tokensOf(lineText(n));
    if (!t) continue;
    if (itemCol >= 0) {
      if (t.indent > itemCol) continue;
      if (t.indent === itemCol && t.dashes[0] === itemCol) {
        itemIndex++;
        continue;
      }
      rev.push(itemIndex);
      itemCol = -1;
      itemIndex = 0;
    }
    if (t.key && t.key.col < cur && !t.key.scalar) {
      rev.push(t.key.text);
      cur = t.key.col;
    }
    const firstDash = t.dashes[0];
    if (firstDash !== undefined && firstDash < cur) {
      cur = firstDash;
      itemCol = firstDash;
      itemIndex = 0;
    } else if (t.indent < cur) cur = t.indent;
  }
  if (itemCol >= 0) rev.push(itemIndex);
  return rev.reverse();
}
