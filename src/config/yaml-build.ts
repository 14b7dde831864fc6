// YAML text -> value + position tree, in one loop over js-yaml's event stream (no recursion:
// depth and list length never touch the JS stack). Pure: no fs.
//
// We construct the value ourselves instead of with js-yaml's constructor because js-yaml
// resolves mapping KEYS like values (`0x1F:` becomes "31", `~:` and `null:` both "null", `.5:`
// "0.5"): here a key is always the text the user wrote. Values are resolved with the YAML 1.2
// core schema (what js-yaml does), and every scalar also keeps its text (PosNode.text) so that
// places that want a string (compose environment values) take exactly what was written.
// Mappings are null-prototype objects: any key (`constructor`, `__proto__`) is plain data.
//
// Structural problems (duplicate keys, list/mapping keys, unsupported tags) are reported and
// the value is still built (the first of duplicate keys is kept), so the other checks run.
//
// YAML 1.1 merge keys (`<<: *anchor`, `<<: [*a, *b]`, the compose idiom) are applied when the
// mapping ends: a key written in the mapping wins over a merged one wherever it is written, and
// of several merged mappings the first that has a key gives it. A merged entry keeps the
// position of the text it came from, so a problem in it points at what the user wrote.
import { CORE_SCHEMA, EVENT_ID, NOT_RESOLVED, SCALAR_STYLE, getScalarValue, parseEvents } from 'js-yaml';
import type { Event, ScalarEvent } from 'js-yaml';
import type { InputProblem } from '../errors.js';
import { escapeText, keyText, quoteText } from '../validation/echo.js';
import { syntaxProblem } from './yaml-syntax.js';
import { computeLineStarts, formatPath, offsetToLineCol } from './yaml-source.js';
import type { LineCol, PathSegment, PosNode, YamlDocument } from './yaml-source.js';

/** Values an alias may add by repetition (a "billion laughs" file stays small and fast). */
export const MAX_ALIAS_EXPANSION = 100_000;

export interface ParseResult {
  /** null when the text is not one readable YAML document */
  readonly doc: YamlDocument | null;
  readonly problems: InputProblem[];
}

type Entries = Map<string, { keyOffset: number; node: PosNode }>;

interface Frame {
  readonly node: PosNode;
  readonly value: Record<string, unknown> | unknown[];
  /** where this collection sits in its parent (the root: null); paths are made only for problems */
  readonly seg: PathSegment | null;
  /** mappings: the key read, waiting for its value; skip = the entry is dropped (bad key) */
  key?: { text: string; offset: number; skip: boolean; merge: boolean } | undefined;
  /** `<<` values of this mapping, in order */
  merges?: { value: unknown; node: PosNode; offset: number }[];
  /** this collection is itself used as a key (refused) */
  readonly isKey: boolean;
  /** values in this collection, aliases expanded */
  size: number;
  readonly anchor: string | null;
}

interface Anchored {
  readonly value: unknown;
  readonly node: PosNode;
  readonly size: number;
}

const yamlTag = (t: string): string =>
  t.startsWith('!!') ? `tag:yaml.org,2002:${t.slice(2)}` : t.startsWith('!<') ? t.slice(2, -1) : t;

export function parseYaml(text: string, file: string): ParseResult {
  const lineStarts = computeLineStarts(text);
  let events: Event[];
  try {
    events = parseEvents(text, { filename: file });
  } catch (err) {
    return { doc: null, problems: [syntaxProblem(text, file, lineStarts, err)] };
  }
  const problems: InputProblem[] = [];
  const at = (offset: number): LineCol => offsetToLineCol(lineStarts, offset);
  const problem = (offset: number, path: readonly PathSegment[], message: string): void => {
    problems.push({ file, ...at(offset), path: formatPath(path), message });
  };

  const stack: Frame[] = [];
  const anchors = new Map<string, Anchored>();
  let docCount = 0;
  let root: PosNode | null = null;
  let rootValue: unknown = null;
  let expansion = 0;

  /** Attach a finished node (or read it as the pending key) in the collection on top. */
  const attach = (
    node: PosNode,
    value: unknown,
    size: number,
    asKey: string | null,
    mergeKey = false,
  ): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      root = node;
      rootValue = value;
      return;
    }
    top.size += size;
    if (Array.isArray(top.value)) {
      top.value.push(value);
      (top.node.items as PosNode[]).push(node);
      return;
    }
    if (top.key === undefined) {
      top.key = { text: asKey ?? '', offset: node.offset, skip: asKey === null, merge: mergeKey };
      return;
    }
    const { text: key, offset, skip, merge } = top.key;
    top.key = undefined;
    if (skip) return;
    if (merge) {
      if (top.merges) {
        problem(
          offset,
          [...stackPath(), key],
          'duplicate merge key "<<"; list the mappings in one: <<: [*a, *b]',
        );
        return;
      }
      top.merges = [{ value, node, offset }];
      return;
    }
    const entries = top.node.entries as Entries;
    const first = entries.get(key);
    if (first) {
      const f = at(first.keyOffset);
      problem(
        offset,
        [...stackPath(), key],
        `duplicate key ${keyText(key)}, first defined at line ${f.line} column ${f.column}; each key may appear only once`,
      );
      return;
    }
    entries.set(key, { keyOffset: offset, node });
    top.value[key] = value;
  };

  const stackPath = (): PathSegment[] => {
    const path: PathSegment[] = [];
    for (const f of stack) if (f.seg !== null) path.push(f.seg);
    return path;
  };
  const keyPosition = (): boolean => {
    const top = stack[stack.length - 1];
    return top !== undefined && !Array.isArray(top.value) && top.key === undefined;
  };
  const childPath = (): PathSegment[] => {
    const top = stack[stack.length - 1];
    if (!top) return [];
    const path = stackPath();
    path.push(Array.isArray(top.value) ? top.value.length : (top.key?.text ?? ''));
    return path;
  };
  const anchorOf = (ev: { anchorStart: number; anchorEnd: number }): string | null =>
    ev.anchorStart >= 0 ? text.slice(ev.anchorStart, ev.anchorEnd) : null;

  const scalarValue = (ev: ScalarEvent, s: string): unknown => {
    if (ev.tagStart >= 0) {
      const tag = yamlTag(text.slice(ev.tagStart, ev.tagEnd));
      if (tag === '!' || tag === 'tag:yaml.org,2002:str') return s;
      const def = CORE_SCHEMA.lookupScalarTag(tag);
      const v = def ? def.resolve(s, true, tag) : NOT_RESOLVED;
      if (v !== NOT_RESOLVED) return v;
      problem(
        ev.tagStart,
        childPath(),
        `unsupported YAML tag ${quoteText(tag)} for ${quoteText(s)}; remove the tag`,
      );
      return s;
    }
    if (ev.style !== SCALAR_STYLE.PLAIN) return s;
    return CORE_SCHEMA.resolveImplicitScalarTag(s).value;
  };

  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        docCount++;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const isMap = ev.type === EVENT_ID.MAPPING;
        const isKey = keyPosition();
        const top = stack[stack.length - 1];
        const seg: PathSegment | null = !top
          ? null
          : Array.isArray(top.value)
            ? top.value.length
            : (top.key?.text ?? '');
        if (isKey) {
          problem(
            ev.start,
            stackPath(),
            `expected a plain key, found a ${isMap ? 'mapping' : 'list'} used as a key`,
          );
        }
        const node: PosNode = isMap
          ? { kind: 'mapping', offset: ev.start, entries: new Map() }
          : { kind: 'sequence', offset: ev.start, items: [] };
        const value = isMap ? (Object.create(null) as Record<string, unknown>) : [];
        stack.push({ node, value, seg, isKey, size: 1, anchor: anchorOf(ev) });
        break;
      }
      case EVENT_ID.SCALAR: {
        const s = getScalarValue(text, ev);
        const isKey = keyPosition();
        // point at the opening quote of a quoted scalar, at the "|" or ">" of a block scalar
        const quoted = ev.style === SCALAR_STYLE.SINGLE_QUOTED || ev.style === SCALAR_STYLE.DOUBLE_QUOTED;
        let offset = ev.valueStart >= 0 && quoted ? ev.valueStart - 1 : ev.valueStart;
        if (
          ev.valueStart >= 0 &&
          (ev.style === SCALAR_STYLE.LITERAL_BLOCK || ev.style === SCALAR_STYLE.FOLDED_BLOCK)
        )
          offset = blockIndicator(text, ev.valueStart);
        const node: PosNode = { kind: 'scalar', offset, text: s };
        const value = isKey ? s : scalarValue(ev, s);
        const anchor = anchorOf(ev);
        if (anchor !== null) anchors.set(anchor, { value, node, size: 1 });
        // only a plain, untagged `<<` is the merge key ("<<" quoted is a key like any other)
        const mergeKey = isKey && s === '<<' && ev.style === SCALAR_STYLE.PLAIN && ev.tagStart < 0;
        attach(node, value, 1, isKey ? s : null, mergeKey);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = text.slice(ev.anchorStart, ev.anchorEnd);
        const target = anchors.get(name);
        // Problems anywhere inside an alias are reported at the alias (where the user used it).
        const node: PosNode = {
          kind: 'alias',
          offset: Math.max(0, ev.anchorStart - 1),
          ...(target?.node.text !== undefined ? { text: target.node.text } : {}),
          ...(target ? { target: target.node } : {}),
        };
        if (!target) {
          problem(
            node.offset,
            childPath(),
            `expected an alias of an anchor defined above it, found *${escapeText(name)}`,
          );
        }
        const size = target?.size ?? 1;
        expansion += size;
        if (expansion > MAX_ALIAS_EXPANSION) {
          problem(
            node.offset,
            childPath(),
            `expected aliases to repeat at most ${MAX_ALIAS_EXPANSION} values in all; this file repeats more`,
          );
          return { doc: null, problems };
        }
        const aliasKey = keyPosition() ? (target?.node.text ?? null) : null;
        if (keyPosition() && aliasKey === null) {
          problem(
            node.offset,
            childPath().slice(0, -1),
            'expected a plain key, found an alias of a list or mapping',
          );
        }
        attach(node, target?.value ?? null, size, aliasKey);
        break;
      }
      case EVENT_ID.POP: {
        const f = stack.pop();
        if (!f) break; // end of a document
        if (f.merges) applyMerges(f, problem, stackPath);
        if (f.anchor !== null) anchors.set(f.anchor, { value: f.value, node: f.node, size: f.size });
        attach(f.node, f.value, f.size, null);
        break;
      }
    }
  }

  if (docCount > 1) {
    return {
      doc: null,
      problems: [
        { file, line: 1, column: 1, path: '', message: `expected one YAML document, found ${docCount}` },
      ],
    };
  }
  return { doc: { file, text, value: rootValue, root, lineStarts }, problems };
}

/** `<<` entries -> the mapping's missing keys, from the merged mappings in order. */
function applyMerges(
  f: Frame,
  problem: (offset: number, path: readonly PathSegment[], message: string) => void,
  stackPath: () => PathSegment[],
): void {
  if (Array.isArray(f.value)) return;
  const entries = f.node.entries as Entries;
  const into = f.value;
  const deref = (n: PosNode): PosNode => n.target ?? n;
  for (const m of f.merges ?? []) {
    const here = (): PathSegment[] => {
      const p = stackPath();
      if (f.seg !== null) p.push(f.seg);
      p.push('<<');
      return p;
    };
    const sources: { value: Record<string, unknown>; node: PosNode }[] = [];
    const isMap = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v);
    if (isMap(m.value)) sources.push({ value: m.value, node: deref(m.node) });
    else if (Array.isArray(m.value)) {
      const items = deref(m.node).items ?? [];
      m.value.forEach((v: unknown, i) => {
        const n = items[i];
        if (isMap(v) && n) sources.push({ value: v, node: deref(n) });
        else
          problem(
            n ? n.offset : m.offset,
            [...here(), i],
            'expected a mapping to merge (an alias like *defaults), found a list item that is not one',
          );
      });
    } else {
      problem(
        Math.max(0, m.node.offset),
        here(),
        'expected a mapping or a list of mappings to merge (like <<: *defaults), found something else',
      );
    }
    for (const src of sources) {
      for (const [k, v] of Object.entries(src.value)) {
        if (entries.has(k)) continue;
        const e = src.node.entries?.get(k);
        entries.set(k, e ?? { keyOffset: m.offset, node: m.node });
        into[k] = v;
      }
    }
  }
}

/** The "|" or ">" of a block scalar whose content starts at `contentStart` (looked up backwards, bounded). */
function blockIndicator(text: string, contentStart: number): number {
  // the indicator is on the line before the content: skip that line's break, then scan it
  let i = contentStart - 1;
  while (i >= 0 && (text[i] === '\n' || text[i] === '\r' || text[i] === ' ')) i--;
  for (let j = i; j >= 0 && text[j] !== '\n' && text[j] !== '\r'; j--) {
    if (text[j] === '|' || text[j] === '>') return j;
  }
  return contentStart;
}
