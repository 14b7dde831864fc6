// The parsed YAML document: its value, a position tree to map any key path back to line:col,
// and the text each scalar was written as. Built by yaml-build.ts. Pure: no fs.
import { escapeText, quoteText } from '../validation/echo.js';

export type PathSegment = string | number;
export type KeyPath = readonly PathSegment[];

/** Position of one YAML node; offsets are 0-based into the source, -1 = not in the source. */
export interface PosNode {
  readonly kind: 'mapping' | 'sequence' | 'scalar' | 'alias';
  /** where the node's text starts (-1 for an empty scalar, e.g. `key:` with nothing after) */
  readonly offset: number;
  /** mapping entries by key as written (the first of duplicates; the value keeps it too) */
  readonly entries?: Map<string, { readonly keyOffset: number; readonly node: PosNode }>;
  readonly items?: PosNode[];
  /** a scalar (or an alias of one): its text as written, quotes and escapes decoded */
  readonly text?: string;
  /** an alias: the anchored node (merge keys read its entries; paths stop at the alias) */
  readonly target?: PosNode;
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

/** Where each line starts; a line ends at LF, CRLF or a lone CR (as YAML reads it). */
export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
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
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? escapeText(seg) : `.${escapeText(seg)}`;
    else out += `[${quoteText(seg)}]`;
  }
  return out;
}

/** Describe a value for "found ..." in messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (an empty value)';
  if (typeof v === 'string') return `the string ${quoteText(v)}`;
  if (typeof v === 'number') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return `the boolean ${String(v)}`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
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

/** The text a scalar at `path` was written as (an alias: its anchor's), or undefined. */
export function scalarText(doc: YamlDocument, path: KeyPath): string | undefined {
  const { node, depth } = walk(doc.root, path);
  return node && depth === path.length ? node.text : undefined;
}
