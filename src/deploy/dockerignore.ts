// A .dockerignore, read and matched as docker does (pure): docker/cli reads the file
// (moby/patternmatcher ignorefile.ReadAll) and moby/patternmatcher matches paths
// (MatchesOrParentMatches). Each pattern becomes the regular expression docker builds, so
// the corner cases agree: `*` and `?` stay within one path segment, `**` spans any number,
// `[...]` is a class, `\` escapes; later patterns win; a path is excluded when it or one
// of its parent folders matches.
// Known divergence: in a class, Go's POSIX classes ([[:alpha:]]) are not understood, and the
// rarer Go escapes (\x, \p, \Q, octal) are refused as bad patterns where Go accepts them.
import { posix } from 'node:path';
import { FlockerError } from '../errors.js';

export interface IgnorePattern {
  /** the cleaned pattern without its '!' (docker's Pattern.String()) */
  readonly text: string;
  /** a '!' pattern: re-includes what earlier ones excluded */
  readonly exclusion: boolean;
  readonly match: (path: string) => boolean;
}

export interface IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** some pattern is an exclusion (docker's Exclusions()) */
  readonly exclusions: boolean;
  /** the path ('/'-separated, relative to the context) or one of its parent folders is excluded */
  excluded(path: string): boolean;
}

/** Go's filepath.Clean on a '/'-separated path */
export function goClean(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** The patterns of a .dockerignore's text, as docker/cli reads them (with '!' kept). */
export function readDockerignore(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    // a comment only when '#' is the very first character: docker checks before trimming
    if (line.startsWith('#')) continue;
    let p = line.trim();
    if (p === '') continue;
    const invert = p.startsWith('!');
    if (invert) p = p.slice(1).trim();
    if (p.length > 0) {
      p = goClean(p);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    }
    out.push(invert ? `!${p}` : p);
  }
  return out;
}

const bad = (pattern: string, why: string): FlockerError =>
  new FlockerError(`.dockerignore: bad pattern ${JSON.stringify(pattern)}: ${why}`, 'E_IMAGE_BUILD', 'user');

// Go's filepath.Match checks a pattern's syntax this way (docker calls it for that alone)
function checkSyntax(p: string): void {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 >= p.length) throw bad(p, 'a trailing \\');
      i++;
    } else if (c === '[') {
      i++;
      if (p[i] === '^') i++;
      let ranges = 0;
      for (;;) {
        if (i >= p.length) throw bad(p, 'an unclosed [');
        if (p[i] === ']' && ranges > 0) break;
        const esc = (): void => {
          if (i >= p.length || p[i] === '-' || p[i] === ']') throw bad(p, 'a malformed [...] class');
          if (p[i] === '\\') {
            i++;
            if (i >= p.length) throw bad(p, 'a trailing \\');
          }
          i++;
        };
        esc();
        if (p[i] === '-') {
          i++;
          esc();
        }
        ranges++;
      }
    }
  }
}

const GO_ESCAPE = new Set('.+()|{}$');
// Perl classes as Go defines them (ASCII only), so they mean the same in a JS 'u' expression
const GO_PERL: Readonly<Record<string, string>> = {
  d: '0-9',
  s: '\\t\\n\\f\\r ',
  w: '0-9A-Za-z_',
};
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/-');

/** docker's regular expression for a pattern (its Pattern.compile), still in Go syntax */
function goRegexp(p: string): { kind: 'exact' | 'prefix' | 'suffix' | 'regexp'; re: string } {
  let re = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  const chars = [...p];
  for (let i = 0, n = 0; i < chars.length; i++, n++) {
    const ch = chars[i]!;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++;
        if (i + 1 >= chars.length) {
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '.*';
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          kind = 'regexp';
        }
        if (n === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (GO_ESCAPE.has(ch)) re += `\\${ch}`;
    else if (ch === '\\') {
      if (i + 1 < chars.length) {
        re += `\\${chars[++i]!}`;
        kind = 'regexp';
      } else re += '\\\\';
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else re += ch;
  }
  return { kind, re: `${re}$` };
}

/** A Go (RE2) expression, as docker's compile writes them, in JS 'u' syntax with Go's meaning. */
function jsRegexp(go: string, pattern: string): RegExp {
  const chars = [...go];
  let out = '';
  let inClass = false;
  let classStart = false; // just after '[' or '[^': a ']' there is a literal in Go
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const first = classStart;
    classStart = false;
    if (ch === '\\') {
      const next = chars[++i];
      if (next === undefined) throw bad(pattern, 'a trailing \\');
      const perl = GO_PERL[next.toLowerCase()];
      if (perl !== undefined) {
        const set = next === next.toLowerCase() ? perl : `^${perl}`;
        out += inClass ? (next === next.toLowerCase() ? perl : `\\${next}`) : `[${set}]`;
      } else if ('afnrtv'.includes(next))
        out += { a: '\\x07', f: '\\f', n: '\\n', r: '\\r', t: '\\t', v: '\\v' }[next] ?? '';
      else if ((next === 'b' || next === 'B') && !inClass) out += `\\${next}`;
      else if (/[\p{L}\p{N}]/u.test(next)) throw bad(pattern, `the escape \\${next} is not supported`);
      else out += JS_SYNTAX.has(next) ? `\\${next}` : next;
    } else if (inClass) {
      if (ch === ']' && !first) inClass = false;
      else if (ch === '^' && first && chars[i - 1] === '[') {
        classStart = true;
        out += ch;
        continue;
      } else if (ch === '[' || ch === ']') {
        out += `\\${ch}`;
        continue;
      }
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      classStart = true;
      out += ch;
    } else if (ch === ']') out += '\\]';
    else if (ch === '.')
      out += '[^\\n]'; // Go's '.' is any character but a newline
    else out += ch;
  }
  if (inClass) throw bad(pattern, 'an unclosed [');
  try {
    return new RegExp(out, 'u');
  } catch (e) {
    throw bad(pattern, (e as Error).message);
  }
}

function compile(raw: string): IgnorePattern {
  let p = goClean(raw.trim());
  let exclusion = false;
  if (p.startsWith('!')) {
    if (p.length === 1) throw bad(raw, 'a lone "!"');
    exclusion = true;
    p = p.slice(1);
  }
  checkSyntax(p);
  const { kind, re } = goRegexp(p);
  const text = p;
  if (kind === 'exact') return { text, exclusion, match: (path) => path === text };
  if (kind === 'prefix') return { text, exclusion, match: (path) => path.startsWith(text.slice(0, -2)) };
  if (kind === 'suffix') {
    const suffix = text.slice(2);
    return {
      text,
      exclusion,
      match: (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1)),
    };
  }
  const rx = jsRegexp(re, raw);
  return { text, exclusion, match: (path) => rx.test(path) };
}

/** docker's PatternMatcher over patterns as readDockerignore returns them. */
export function ignoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled = patterns.filter((p) => p.trim() !== '').map(compile);
  return {
    patterns: compiled,
    exclusions: compiled.some((p) => p.exclusion),
    excluded(file: string): boolean {
      let matched = false;
      const parent = posix.dirname(file);
      const dirs = parent.split('/');
      for (const pat of compiled) {
        // an inclusion cannot change a path already excluded, nor an exclusion one that is not
        if (pat.exclusion !== matched) continue;
        let match = pat.match(file);
        if (!match && parent !== '.') {
          for (let i = 1; i <= dirs.length && !match; i++) match = pat.match(dirs.slice(0, i).join('/'));
        }
        if (match) matched = !pat.exclusion;
      }
      return matched;
    },
  };
}
