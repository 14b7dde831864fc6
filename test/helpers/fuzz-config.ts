// Generated bad config files: the good fixtures, mutated (bytes, lines, keys, values, encodings,
// sizes), run through the real flocker-deploy entry in-process with a connector seam that
// records any connection attempt. Shared by test/config/generative.test.ts (CI, a few hundred
// cases) and bench/fuzz-config.ts (thousands, counts per outcome). Deterministic: a case is data
// drawn from a seeded generator, and its files are a pure function of that data.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import fc from 'fast-check';
import { main } from '../../src/deploy/cli.js';
import { NodeError } from '../../src/errors.js';
import { fakeCluster } from './fake-cluster.js';

/** A good pair of files every case starts from. */
export interface Seed {
  readonly name: string;
  readonly application: string;
  readonly deployment: string;
}

export function loadSeeds(root = '.'): Seed[] {
  const read = (f: string) => readFileSync(path.join(root, f), 'latin1');
  const dep = read('fixtures/good/deployment.yml');
  return [
    { name: 'flocker', application: read('fixtures/good/application.yml'), deployment: dep },
    { name: 'compose', application: read('fixtures/good/compose.yml'), deployment: dep },
    {
      name: 'proto-names',
      application: read('fixtures/proto-names/application.yml'),
      deployment: read('fixtures/proto-names/deployment.yml'),
    },
  ];
}

/** Keys YAML would read as something else, and names every plain object already has. */
export const ODD_KEYS = [
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__proto__',
  '0x1F',
  '~',
  '.5',
  'null',
  'true',
  'NO',
  '1e3',
  '0o17',
  '""',
  "''",
  '? [a, b]',
  '? {a: 1}',
  '<<',
  '!!int 5',
  '&a k',
  '*a',
];

/** Values of the wrong type or odd YAML typing. */
export const ODD_VALUES = [
  '[]',
  '{}',
  '[1, 2]',
  '{a: 1}',
  '-1',
  '0',
  '1e400',
  '0x10',
  '01234',
  '1.20',
  '12345678901234567890',
  '.inf',
  '.nan',
  'true',
  'null',
  '~',
  '""',
  "'",
  '"unclosed',
  '|',
  '>-',
  '*nowhere',
  '&anchor x',
  '!!binary aGk=',
  '!!str 5',
  '!custom x',
  '2001-01-01',
  '+12',
  '1_000',
  '- a',
  'a: b: c',
  '{',
  '[',
];

/** Characters that must never reach a terminal raw, nor break positions. */
const CONTROL = [
  '\x00',
  '\x01',
  '\x07',
  '\x08',
  '\x0b',
  '\x0c',
  '\x1b[31m',
  '\x7f',
  '\u0085',
  '\u2028',
  '\u202e',
  '\ufeff',
];

/** Bytes that are not UTF-8: a lone continuation byte, a cut sequence, an overlong, Latin-1. */
const INVALID_UTF8 = [
  [0x80],
  [0xff],
  [0xc3],
  [0xc0, 0xaf],
  [0xe9],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly mask: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'dup-line'; readonly line: number; readonly times: number }
  | { readonly kind: 'remove-line'; readonly line: number }
  | { readonly kind: 'swap-lines'; readonly line: number; readonly other: number }
  | { readonly kind: 'rename-key'; readonly key: number; readonly to: string }
  | { readonly kind: 'wrong-type'; readonly key: number; readonly value: string }
  | { readonly kind: 'nest'; readonly key: number; readonly depth: number; readonly style: 'flow' | 'block' }
  | { readonly kind: 'repeat-line'; readonly line: number; readonly times: number }
  | {
      readonly kind: 'many-entries';
      readonly times: number;
      readonly bad: boolean;
      readonly scalar: 'plain' | 'block';
    }
  | { readonly kind: 'huge-value'; readonly key: number; readonly length: number }
  | { readonly kind: 'control'; readonly at: number; readonly char: number }
  | { readonly kind: 'line-endings'; readonly style: 'cr' | 'crlf' | 'mixed' }
  | { readonly kind: 'bom' }
  | { readonly kind: 'tabs' }
  | { readonly kind: 'invalid-utf8'; readonly at: number; readonly seq: number };

export interface Case {
  readonly seed: number;
  /** which file(s) the mutations apply to */
  readonly target: 'application' | 'deployment' | 'both';
  readonly mutations: readonly Mutation[];
}

/** a position as a fraction of the file (uniform: fast-check's doubles favour tiny values) */
const frac = fc.integer({ min: 0, max: 999_999 }).map((x) => x / 1_000_000);

/** Sizes: `large` for the bench (up to tens of thousands), smaller in CI. */
export function mutationArb(large: boolean): fc.Arbitrary<Mutation> {
  const big = large ? 40_000 : 1_000;
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('flip' as const),
        at: frac,
        mask: fc.integer({ min: 1, max: 255 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: frac }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('dup-line' as const),
        line: frac,
        times: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove-line' as const), line: frac }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('swap-lines' as const), line: frac, other: frac }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('rename-key' as const),
        key: frac,
        to: fc.constantFrom(...ODD_KEYS),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('wrong-type' as const),
        key: frac,
        value: fc.constantFrom(...ODD_VALUES),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('nest' as const),
        key: frac,
        depth: fc.integer({ min: 10, max: large ? 20_000 : 1_000 }),
        style: fc.constantFrom('flow' as const, 'block' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('repeat-line' as const),
        line: frac,
        times: fc.integer({ min: 10, max: big }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('many-entries' as const),
        times: fc.integer({ min: 10, max: big }),
        bad: fc.boolean(),
        scalar: fc.constantFrom('plain' as const, 'block' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('huge-value' as const),
        key: frac,
        length: fc.integer({ min: 1_000, max: large ? 2_000_000 : 100_000 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('control' as const),
        at: frac,
        char: fc.nat({ max: CONTROL.length - 1 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('line-endings' as const),
        style: fc.constantFrom('cr' as const, 'crlf' as const, 'mixed' as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('bom' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tabs' as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('invalid-utf8' as const),
        at: frac,
        seq: fc.nat({ max: INVALID_UTF8.length - 1 }),
      }),
    },
  );
}

export function caseArb(seeds: number, large: boolean): fc.Arbitrary<Case> {
  return fc.record({
    seed: fc.nat({ max: seeds - 1 }),
    target: fc.constantFrom('application' as const, 'deployment' as const, 'both' as const),
    mutations: fc.array(mutationArb(large), { minLength: 1, maxLength: 3 }),
  });
}

/** The cases of one run: the same seed always gives the same cases. */
export function sampleCases(n: number, seed: number, seeds: number, large = false): Case[] {
  return fc.sample(caseArb(seeds, large), { numRuns: n, seed });
}

// ---- applying mutations (on latin1 strings: one char per byte, so any byte survives) ----

const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const pick = <T>(xs: readonly T[], f: number): T | undefined =>
  xs[Math.min(xs.length - 1, Math.floor(f * xs.length))];

/** Lines that hold a `key:` (block mapping entries), as [line index, key start, key end]. */
function keyLines(lines: readonly string[]): [number, number, number][] {
  const out: [number, number, number][] = [];
  lines.forEach((l, i) => {
    const m = /^(\s*(?:-\s+)?)([^\s#:'"[{-][^:#]*?):(\s|$)/.exec(l);
    if (m) out.push([i, m[1]!.length, m[1]!.length + m[2]!.length]);
  });
  return out;
}

const MAX_REPEAT_BYTES = 4_000_000;

function applyOne(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const at = (f: number) => Math.min(text.length, Math.floor(f * (text.length + 1)));
  const lineAt = (f: number) => Math.min(lines.length - 1, Math.floor(f * lines.length));
  switch (m.kind) {
    case 'flip': {
      const i = Math.min(text.length - 1, at(m.at));
      if (i < 0) return text;
      return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ m.mask) + text.slice(i + 1);
    }
    case 'truncate':
      return text.slice(0, at(m.at));
    case 'dup-line': {
      const i = lineAt(m.line);
      lines.splice(i, 0, ...Array<string>(m.times).fill(lines[i] ?? ''));
      return lines.join('\n');
    }
    case 'remove-line':
      lines.splice(lineAt(m.line), 1);
      return lines.join('\n');
    case 'swap-lines': {
      const i = lineAt(m.line);
      const j = lineAt(m.other);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    }
    case 'rename-key': {
      const k = pick(keyLines(lines), m.key);
      if (!k) return text;
      const [i, s, e] = k;
      lines[i] = lines[i]!.slice(0, s) + m.to + lines[i]!.slice(e);
      return lines.join('\n');
    }
    case 'wrong-type': {
      const k = pick(keyLines(lines), m.key);
      if (!k) return text;
      const [i, , e] = k;
      lines[i] = `${lines[i]!.slice(0, e)}: ${m.value}`;
      return lines.join('\n');
    }
    case 'nest': {
      const k = pick(keyLines(lines), m.key);
      if (!k) return text;
      const [i, s, e] = k;
      const indent = ' '.repeat(s);
      if (m.style === 'flow') {
        lines[i] = `${lines[i]!.slice(0, e)}: ${'['.repeat(m.depth)}${']'.repeat(m.depth)}`;
      } else {
        // block nesting grows quadratically in bytes: a few hundred levels at most
        const depth = Math.min(m.depth, 400);
        const nested = Array.from({ length: depth }, (_, d) => `${indent}${' '.repeat(2 * (d + 1))}k${d}:`);
        lines.splice(i, 1, `${lines[i]!.slice(0, e)}:`, ...nested);
      }
      return lines.join('\n');
    }
    case 'repeat-line': {
      const i = lineAt(m.line);
      // at most ~4 MB of repeats (a repeated megabyte line would exceed any string)
      const times = Math.min(m.times, Math.floor(MAX_REPEAT_BYTES / ((lines[i]?.length ?? 0) + 1)));
      lines.splice(i, 0, ...Array<string>(times).fill(lines[i] ?? ''));
      return lines.join('\n');
    }
    case 'many-entries': {
      // appended under the last top-level mapping (applications:, services:, nodes:)
      const entry = (k: number): string =>
        /^nodes:/m.test(text)
          ? `  n${k}: [a${k}]`
          : m.scalar === 'block'
            ? `  a${k}:\n    image: |-\n      busybox${m.bad ? `\n    ports: ["x${k}"]` : ''}`
            : `  a${k}:\n    image: busybox${m.bad ? `\n    ports: ["x${k}"]` : ''}`;
      const extra = Array.from({ length: m.times }, (_, k) => entry(k)).join('\n');
      return `${text.replace(/\n*$/, '')}\n${extra}\n`;
    }
    case 'huge-value': {
      const k = pick(keyLines(lines), m.key);
      if (!k) return text;
      const [i, , e] = k;
      lines[i] = `${lines[i]!.slice(0, e)}: ${'x'.repeat(m.length)}`;
      return lines.join('\n');
    }
    case 'control': {
      const i = at(m.at);
      return text.slice(0, i) + utf8(CONTROL[m.char]!) + text.slice(i);
    }
    case 'line-endings':
      return m.style === 'cr'
        ? text.replace(/\n/g, '\r')
        : m.style === 'crlf'
          ? text.replace(/\n/g, '\r\n')
          : lines.map((l, i) => l + (i === lines.length - 1 ? '' : ['\n', '\r\n', '\r'][i % 3]!)).join('');
    case 'bom':
      return utf8('\ufeff') + text;
    case 'tabs':
      return lines.map((l) => l.replace(/^( {2})+/, (sp) => '\t'.repeat(sp.length / 2))).join('\n');
    case 'invalid-utf8': {
      const i = at(m.at);
      return text.slice(0, i) + String.fromCharCode(...INVALID_UTF8[m.seq]!) + text.slice(i);
    }
  }
}

/** The two files of a case, as bytes. */
export function caseFiles(c: Case, seeds: readonly Seed[]): { application: Buffer; deployment: Buffer } {
  const seed = seeds[c.seed]!;
  const mutate = (text: string) => Buffer.from(c.mutations.reduce(applyOne, text), 'latin1');
  return {
    application:
      c.target === 'deployment' ? Buffer.from(seed.application, 'latin1') : mutate(seed.application),
    deployment: c.target === 'application' ? Buffer.from(seed.deployment, 'latin1') : mutate(seed.deployment),
  };
}

/** A short description of a case (what the report prints). */
export function describeCase(c: Case, seeds: readonly Seed[]): string {
  const ms = c.mutations.map((m) => {
    const { kind, ...rest } = m;
    return `${kind}${Object.keys(rest).length ? JSON.stringify(rest) : ''}`;
  });
  return `${seeds[c.seed]!.name} ${c.target}: ${ms.join(' + ')}`;
}

// ---- running a case and judging it ----

export type Outcome =
  /** exit 0 (a dry run on fake nodes), or exit 1 with a node-side refusal after acceptance */
  | 'accepted'
  /** exit 2, every problem line with file:line:col inside the file, nothing contacted */
  | 'refused'
  /** an exception out of main, a stack trace, E_INTERNAL */
  | 'crash'
  /** more than the time limit for the case */
  | 'slow'
  /** exit 2 (or another refusal) after a connection attempt */
  | 'connected'
  /** exit 2 with a problem line lacking file:line:col, or a position outside the file */
  | 'unpositioned'
  /** refused, but the text echoes control characters raw or a problem line is over 2,000 chars */
  | 'raw-echo'
  /** accepted though a file is not UTF-8 (a byte silently became U+FFFD) */
  | 'accepted-invalid'
  /** any other exit */
  | 'other';

export interface Result {
  readonly outcome: Outcome;
  readonly ms: number;
  readonly exit: number | 'threw';
  /** why it is not accepted/refused (the offending line or exception) */
  readonly detail?: string;
  /** also slow (the outcome without the time limit) */
  readonly slowOutcome?: Outcome;
}

export const TIME_LIMIT_MS = 1000;

/** Line count as a reader of positions would see it (any of \r\n, \r, \n ends a line). */
const lineCount = (b: Buffer): number => b.toString('latin1').split(/\r\n|\r|\n/).length;

/** Write a case's files into `dir` and run flocker-deploy --dry-run on them in-process. */
export async function runCase(c: Case, seeds: readonly Seed[], dir: string): Promise<Result> {
  const files = caseFiles(c, seeds);
  mkdirSync(dir, { recursive: true });
  const appFile = path.join(dir, 'application.yml');
  const depFile = path.join(dir, 'deployment.yml');
  writeFileSync(appFile, files.application);
  writeFileSync(depFile, files.deployment);
  const err: string[] = [];
  let connected = false;
  const t0 = performance.now();
  let exit: number | 'threw';
  let thrown: unknown;
  try {
    exit = await main(['--dry-run', depFile, appFile], {
      stdout: () => undefined,
      stderr: (s) => err.push(s),
      interactive: false,
      now: () => new Date(0),
      connect: async (nodes) => {
        connected = true;
        // accepted: a dry run on fake nodes (a huge deployment is not worth simulating)
        if (nodes.length > 40)
          throw new NodeError(nodes[0] ?? '?', 'fuzz: too many nodes to simulate', 'E_SSH_CONNECT');
        return fakeCluster([...nodes]).connect(nodes);
      },
    });
  } catch (e) {
    exit = 'threw';
    thrown = e;
  }
  const ms = performance.now() - t0;
  const stderr = err.join('');
  const raw = judge();
  // whatever a case echoed is printed by the test and the bench: escaped first
  const judged = raw.detail !== undefined ? { ...raw, detail: escaped(raw.detail) } : raw;
  return ms > TIME_LIMIT_MS ? { ...judged, outcome: 'slow', slowOutcome: judged.outcome } : judged;

  function judge(): Result {
    if (exit === 'threw')
      return {
        outcome: 'crash',
        ms,
        exit,
        detail: `threw: ${thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown)}`,
      };
    const trace = /\n\s+at .+[:(]\d+:\d+\)?/.exec(stderr);
    if (trace || /E_INTERNAL|Maximum call stack|TypeError|RangeError/.test(stderr))
      return { outcome: 'crash', ms, exit, detail: stderr.slice(0, 2000) };
    const invalid = [files.application, files.deployment].some((b) => !isUtf8(b));
    if ((exit === 0 || (exit === 1 && connected)) && invalid)
      return { outcome: 'accepted-invalid', ms, exit, detail: 'a file is not valid UTF-8' };
    if (exit === 0) return { outcome: 'accepted', ms, exit };
    if (exit === 1 && connected) return { outcome: 'accepted', ms, exit, detail: firstLine(stderr) };
    if (exit === 2 && connected) return { outcome: 'connected', ms, exit, detail: firstLine(stderr) };
    if (exit !== 2) return { outcome: 'other', ms, exit, detail: stderr.slice(0, 2000) };
    const message = stderr.replace(/^flocker-deploy: error: /, '').replace(/\n$/, '');
    const counts = new Map([
      [appFile, lineCount(files.application)],
      [depFile, lineCount(files.deployment)],
    ]);
    for (const line of message.split('\n')) {
      // the count of problems beyond the ones listed in full
      if (/^… and [\d,]+ more problems?$/.test(line)) continue;
      const m = /^(.*?):(\d+):(\d+): /.exec(line);
      const lines = m ? counts.get(m[1]!) : undefined;
      if (!m || lines === undefined) return { outcome: 'unpositioned', ms, exit, detail: line.slice(0, 300) };
      if (Number(m[2]) < 1 || Number(m[2]) > lines + 1 || Number(m[3]) < 1)
        return {
          outcome: 'unpositioned',
          ms,
          exit,
          detail: `position outside the file (${lines} lines): ${line.slice(0, 300)}`,
        };
    }
    // the terminal gets no raw control characters (ESC, bidi overrides) and no megabyte lines
    const raw = RAW_CONTROL.exec(message);
    if (raw)
      return {
        outcome: 'raw-echo',
        ms,
        exit,
        detail: `raw U+${raw[0].codePointAt(0)!.toString(16).padStart(4, '0')} in: ${escaped(lineWith(message, raw.index).slice(0, 300))}`,
      };
    const long = message.split('\n').find((l) => l.length > MAX_LINE);
    if (long)
      return {
        outcome: 'raw-echo',
        ms,
        exit,
        detail: `a ${long.length}-char line: ${escaped(long.slice(0, 200))}...`,
      };
    return { outcome: 'refused', ms, exit };
  }
}

/** control characters (C0 but newline, DEL, C1), bidi controls, BOM/ZWNBSP, line/para separators */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
const MAX_LINE = 2000;
const lineWith = (s: string, i: number): string =>
  s.slice(s.lastIndexOf('\n', i) + 1, (s.indexOf('\n', i) + 1 || s.length + 1) - 1);

/** Text safe to print: every control or invisible formatting character as \u{...}. */
export const escaped = (s: string): string =>
  s.replace(new RegExp(RAW_CONTROL.source, 'g'), (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);

const firstLine = (s: string): string => s.split('\n')[0]?.slice(0, 300) ?? '';

/** Keep a failing case's files for reproduction; returns the directory. */
export function keepCase(c: Case, seeds: readonly Seed[], dir: string): string {
  const files = caseFiles(c, seeds);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'application.yml'), files.application);
  writeFileSync(path.join(dir, 'deployment.yml'), files.deployment);
  writeFileSync(path.join(dir, 'case.json'), `${JSON.stringify(c)}\n`);
  return dir;
}

/** The mutation kinds of a case, for grouping failures. */
export const kindsOf = (c: Case): string => [...new Set(c.mutations.map((m) => m.kind))].sort().join('+');
