// YAML text -> plain value plus a position tree, so any key path can be mapped back to
// line:col in the source. Pure: no fs.
//
// js-yaml v5 exposes its parser's event stream (`parseEvents`) with source offsets for every
// scalar, mapping and sequence, in block and flow style alike. We build the value with
// `constructFromEvents` from the same events (so value and positions can never disagree) and,
// in one pass over the events, a tree of offsets. Duplicate keys are detected here (with the
// path and both positions) instead of letting js-yaml throw on the first one, so all of them
// are reported at once.
import {
  EVENT_ID,
  SCALAR_STYLE,
  YAMLException,
  constructFromEvents,
  getScalarValue,
  parseEvents,
} from 'js-yaml';
import type { Event } from 'js-yaml';
import type { InputProblem } from '../errors.js';

export type PathSegment = string | number;
export type KeyPath = readonly PathSegment[];

/** Position of one YAML node; offsets are 0-based into the source, -1 = not in the source. */
export interface PosNode {
  readonly kind: 'mapping' | 'sequence' | 'scalar' | 'alias';
  /** where the node's text starts (-1 for an empty scalar, e.g. `key:` with nothing after) */
  readonly offset: number;
  /** mapping entries by key (first occurrence wins, as js-yaml keeps the last value: see dupes) */
  readonly entries?: Map<string, { readonly keyOffset: number; readonly node: PosNode }>;
  readonly items?: PosNode[];
}

export interface YamlDocument {
  readonly file: string;
  readonly text: string;
  readonly value: unknown;
  /** null when the document is empty */
  readonly root: PosNode | null;
  readonly lineStarts: readonly number[];
}

export interface LineCol {
  readonly line: number;
  readonly column: number;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 0-based offset -> 1-based line and column. */
export function offsetToLineCol(lineStarts: readonly number[], offset: number): LineCol {
  if (offset < 0) return { line: 1, column: 1 };
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (lineStarts[lo] as number) + 1 };
}

/** Render a key path the way messages show it: `applications.web.ports[0].external`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Describe a value for "found ..." in messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (an empty value)';
  if (typeof v === 'string') {
    const s = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return `the string ${JSON.stringify(s)}`;
  }
  if (typeof v === 'number') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return `the boolean ${String(v)}`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

interface Frame {
  node: {
    kind: 'mapping' | 'sequence';
    offset: number;
    entries?: Map<string, { keyOffset: number; node: PosNode }>;
    items?: PosNode[];
  };
  /** for mappings: the pending key, once read */
  pendingKey?: { key: string; offset: number } | undefined;
  path: PathSegment[];
}

type ParseResult = { ok: true; doc: YamlDocument } | { ok: false; problems: InputProblem[] };

function yamlErrorProblem(file: string, lineStarts: readonly number[], err: unknown): InputProblem {
  if (err instanceof YAMLException) {
    const mark = err.mark;
    const pos = mark ? { line: mark.line + 1, column: mark.column + 1 } : offsetToLineCol(lineStarts, 0);
    return { file, ...pos, path: '', message: `invalid YAML: ${err.reason}` };
  }
  return { file, line: 1, column: 1, path: '', message: `invalid YAML: ${String(err)}` };
}

/**
 * Parse one YAML document. An empty file (or only comments) gives value null and root null;
 * several documents, syntax errors and duplicate keys give problems.
 */
export function parseYaml(text: string, file: string): ParseResult {
  const lineStarts = computeLineStarts(text);
  let events: Event[];
  try {
    events = parseEvents(text, { filename: file });
  } catch (err) {
    return { ok: false, problems: [yamlErrorProblem(file, lineStarts, err)] };
  }

  const problems: InputProblem[] = [];
  const roots: (PosNode | null)[] = [];
  const stack: Frame[] = [];
  let docRoot: PosNode | null = null;
  let docCount = 0;
  let complexKey = false;

  const at = (offset: number): LineCol => offsetToLineCol(lineStarts, offset);

  const attach = (node: PosNode, keyText: string | null): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      docRoot = node;
      return;
    }
    if (top.node.kind === 'sequence') {
      top.node.items?.push(node);
      return;
    }
    // mapping: either this node is a key or a value
    if (top.pendingKey === undefined) {
      top.pendingKey = { key: keyText ?? '', offset: node.offset };
      return;
    }
    const { key, offset } = top.pendingKey;
    top.pendingKey = undefined;
    const entries = top.node.entries as Map<string, { keyOffset: number; node: PosNode }>;
    if (key === '__proto__') {
      // a JavaScript object cannot hold this key faithfully: refuse it rather than lose it
      problems.push({
        file,
        ...at(offset),
        path: formatPath([...top.path, key]),
        message: 'expected a key other than "__proto__", found "__proto__"',
      });
      return;
    }
    const first = entries.get(key);
    if (first) {
      const p = at(offset);
      const f = at(first.keyOffset);
      problems.push({
        file,
        ...p,
        path: formatPath([...top.path, key]),
        message: `duplicate key ${JSON.stringify(key)}, first defined at line ${f.line} column ${f.column}; each key may appear only once`,
      });
      return;
    }
    entries.set(key, { keyOffset: offset, node });
  };

  const childPath = (): PathSegment[] => {
    const top = stack[stack.length - 1];
    if (!top) return [];
    if (top.node.kind === 'sequence') return [...top.path, top.node.items?.length ?? 0];
    return [...top.path, top.pendingKey?.key ?? ''];
  };

  const isKeyPosition = (): boolean => {
    const top = stack[stack.length - 1];
    return top !== undefined && top.node.kind === 'mapping' && top.pendingKey === undefined;
  };

  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        docCount++;
        docRoot = null;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const kind = ev.type === EVENT_ID.MAPPING ? 'mapping' : 'sequence';
        const node =
          kind === 'mapping'
            ? { kind, offset: ev.start, entries: new Map<string, { keyOffset: number; node: PosNode }>() }
            : { kind, offset: ev.start, items: [] as PosNode[] };
        const path = childPath();
        if (isKeyPosition()) {
          // a list or mapping used as a key: plain objects cannot hold it
          complexKey = true;
          problems.push({
            file,
            ...at(ev.start),
            path: formatPath(path.slice(0, -1)),
            message: `expected a plain key, found a ${kind === 'mapping' ? 'mapping' : 'list'} used as a key`,
          });
        }
        attach(node as PosNode, isKeyPosition() ? '[complex key]' : null);
        stack.push({ node: node as Frame['node'], path });
        break;
      }
      case EVENT_ID.SCALAR: {
        const keyText = isKeyPosition() ? getScalarValue(text, ev) : null;
        // point at the opening quote of a quoted scalar
        const quoted = ev.style === SCALAR_STYLE.SINGLE_QUOTED || ev.style === SCALAR_STYLE.DOUBLE_QUOTED;
        let offset = ev.valueStart >= 0 && quoted ? ev.valueStart - 1 : ev.valueStart;
        if (
          ev.valueStart >= 0 &&
          (ev.style === SCALAR_STYLE.LITERAL_BLOCK || ev.style === SCALAR_STYLE.FOLDED_BLOCK)
        ) {
          // the content starts on the next line: point at the "|" or ">" indicator instead
          const head = text.slice(0, ev.valueStart);
          const indicator = Math.max(head.lastIndexOf('|'), head.lastIndexOf('>'));
          if (indicator >= 0) offset = indicator;
        }
        attach({ kind: 'scalar', offset }, keyText);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = text.slice(ev.anchorStart, ev.anchorEnd);
        // An alias re-uses the anchored node's value. Problems anywhere inside it are reported
        // at the alias (where the user used it), so the alias has no children of its own.
        const node: PosNode = { kind: 'alias', offset: Math.max(0, ev.anchorStart - 1) };
        attach(node, isKeyPosition() ? name : null);
        break;
      }
      case EVENT_ID.POP:
        if (stack.length > 0) stack.pop();
        else roots.push(docRoot);
        break;
    }
  }

  if (docCount > 1) {
    return {
      ok: false,
      problems: [
        { file, line: 1, column: 1, path: '', message: `expected one YAML document, found ${docCount}` },
      ],
    };
  }

  let value: unknown = null;
  try {
    // json: true = a duplicate key overrides instead of throwing; we report duplicates above.
    const docs = constructFromEvents(events, { source: text, filename: file, json: true });
    value = docs.length === 0 ? null : docs[0];
  } catch (err) {
    // complex keys were reported above, with their position
    if (!complexKey) problems.push(yamlErrorProblem(file, lineStarts, err));
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, doc: { file, text, value, root: roots[0] ?? docRoot, lineStarts } };
}

/** The node at a key path, and the key offset of its last segment when it is a mapping entry. */
function walk(
  root: PosNode | null,
  path: KeyPath,
): { node: PosNode | null; keyOffset: number; depth: number } {
  let node = root;
  let keyOffset = -1;
  let depth = 0;
  for (const seg of path) {
    if (!node) break;
    if (typeof seg === 'number') {
      const next = node.items?.[seg];
      if (!next) break;
      node = next;
      keyOffset = -1;
    } else {
      const e = node.entries?.get(seg);
      if (!e) break;
      node = e.node;
      keyOffset = e.keyOffset;
    }
    depth++;
  }
  return { node, keyOffset, depth };
}

/**
 * Where to point for a key path. `target`:
 * - 'value': the value's text (an empty value: its key);
 * - 'key': the key of the last segment (a list item: the item);
 * - 'parent': the key naming the node (e.g. for a missing required key inside it).
 * A path that does not exist points at its deepest existing ancestor.
 */
export function locate(doc: YamlDocument, path: KeyPath, target: 'value' | 'key' = 'value'): LineCol {
  const { node, keyOffset, depth } = walk(doc.root, path);
  if (!node) return { line: 1, column: 1 };
  let offset: number;
  if (depth < path.length) {
    // the path goes further than the document: point at the deepest thing that exists
    offset = node.kind !== 'alias' && keyOffset >= 0 ? keyOffset : node.offset;
  } else if (target === 'key') {
    offset = keyOffset >= 0 ? keyOffset : node.offset;
  } else {
    offset = node.offset >= 0 ? node.offset : keyOffset;
  }
  if (offset < 0) offset = keyOffset >= 0 ? keyOffset : 0;
  return offsetToLineCol(doc.lineStarts, offset);
}

/** Like `locate(..., 'key')` for the node itself: where the mapping that holds a missing key is named. */
export function locateParent(doc: YamlDocument, path: KeyPath): LineCol {
  const { node, keyOffset } = walk(doc.root, path);
  if (!node) return { line: 1, column: 1 };
  const offset = keyOffset >= 0 ? keyOffset : node.offset >= 0 ? node.offset : 0;
  return offsetToLineCol(doc.lineStarts, offset);
}
