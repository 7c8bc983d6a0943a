/**
 * Surgical edits of config.yaml for the management API (management.md §3). CLIProxyAPI re-encodes
 * the whole document on every save, moving comments and rewriting lines nobody touched; cliproxy
 * changes only the lines of the nodes that changed, found through the parser's line spans, so
 * comments, blank lines, key order and quoting elsewhere stay byte-identical. Writes are atomic
 * (atomic-file.ts), keep the file's mode, and run one at a time.
 */
import { isDeepStrictEqual } from "node:util";
import { readFile, realpath, stat } from "node:fs/promises";
import { writeFileAtomic } from "../atomic-file.js";
import { parseYaml, type YamlDocument, type YamlPath } from "./yaml.js";
import { emitEntry, emitValue, formatScalar, isInline, nest, scalarExtent } from "./write-emit.js";
import { isObject } from "../plain-object.js";

/** One edit: set `value` at `path`, or delete the key or item when `value` is undefined. */
export interface ConfigEdit {
  readonly path: YamlPath;
  readonly value: unknown | undefined;
}

const queues = new Map<string, Promise<unknown>>();

/** Applies `edits` to the file at `path` atomically; calls for one file run one after another. */
export function updateConfigFile(path: string, edits: readonly ConfigEdit[]): Promise<void> {
  const prev = queues.get(path) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => rewrite(path, edits));
  queues.set(path, next);
  void next
    .finally(() => {
      if (queues.get(path) === next) queues.delete(path);
    })
    .catch(() => undefined);
  return next;
}

async function rewrite(link: string, edits: readonly ConfigEdit[]): Promise<void> {
  // Replace the file a symlink points to, not the link itself.
  const path = await realpath(link).catch(() => link);
  let text = "";
  let mode = 0o600;
  try {
    text = await readFile(path, "utf8");
    mode = (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const next = applyEdits(text, edits);
  if (next === text) return;
  await writeFileAtomic(path, next, { mode });
}

/** Replaces the config file at `link` (or the file it links to) with `text` atomically, keeping its mode. */
export async function replaceConfigFile(link: string, text: string): Promise<void> {
  const path = await realpath(link).catch(() => link);
  const mode = await stat(path).then(
    (s) => s.mode & 0o777,
    () => 0o600,
  );
  await writeFileAtomic(path, text, { mode });
}

/** Returns `text` with every edit applied, in order; throws when the text is not valid YAML. */
export function applyEdits(text: string, edits: readonly ConfigEdit[]): string {
  const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
  const crlf = text.includes("\r\n");
  let body = (bom ? text.slice(1) : text).replace(/\r\n/g, "\n");
  for (const e of edits) body = applyEdit(body, e.path, e.value);
  return bom + (crlf ? body.replace(/\n/g, "\r\n") : body);
}

function applyEdit(text: string, path: YamlPath, value: unknown): string {
  const doc = parseYaml(text);
  const found = lookup(doc.value, path);
  if (value === undefined) return found.ok ? remove(text, doc, path) : text;
  if (found.ok) return isDeepStrictEqual(found.value, value) ? text : replace(text, doc, path, found.value, value);
  return insert(text, doc, path, value);
}

function lookup(root: unknown, path: YamlPath): { ok: boolean; value?: unknown } {
  let v = root;
  for (const seg of path) {
    if (typeof seg === "number" ? !Array.isArray(v) || seg >= v.length : !isObject(v) || !Object.hasOwn(v, seg))
      return { ok: false };
    v = (v as Record<string | number, unknown>)[seg];
  }
  return { ok: true, value: v };
}

/** True when the collection at `path` is written in block style (flow ones start with `{` or `[`). */
function isBlock(doc: YamlDocument, lines: string[], path: YamlPath): boolean {
  const p = doc.pos(path);
  if (!p) return path.length === 0;
  const c = lines[p.line - 1]?.[p.column - 1];
  return c !== "{" && c !== "[";
}

interface Anchor {
  readonly prefix: string;
  readonly indent: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Where the node at `path` can be replaced line-wise: its parent is a block collection and the
 * node starts its own line (after indentation, or after the `- ` of its list item).
 */
function anchorOf(doc: YamlDocument, lines: string[], path: YamlPath): Anchor | undefined {
  if (path.length === 0 || !isBlock(doc, lines, path.slice(0, -1))) return undefined;
  const at = typeof path[path.length - 1] === "number" ? doc.pos(path) : doc.keyPos(path);
  const span = doc.span(path);
  if (!at || !span || at.line !== span.start) return undefined;
  const prefix = lines[at.line - 1].slice(0, at.column - 1);
  if (!/^ *(?:- +)*$/.test(prefix)) return undefined;
  return { prefix, indent: at.column - 1, start: span.start, end: span.end };
}

function splice(lines: string[], start: number, end: number, replacement: string[]): string {
  const out = [...lines];
  out.splice(start - 1, end - start + 1, ...replacement);
  return out.join("\n");
}

function replace(text: string, doc: YamlDocument, path: YamlPath, old: unknown, value: unknown, whole = false): string {
  const lines = text.split("\n");
  if (!whole && !isInline(old) && !isInline(value) && isBlock(doc, lines, path)) {
    if (isObject(old) && isObject(value)) {
      let t = text;
      for (const k of Object.keys(old))
        if (!Object.hasOwn(value, k) || value[k] === undefined) t = applyEdit(t, [...path, k], undefined);
      for (const [k, v] of Object.entries(value)) if (v !== undefined) t = applyEdit(t, [...path, k], v);
      return t;
    }
    if (Array.isArray(old) && Array.isArray(value)) {
      let t = text;
      for (let i = old.length - 1; i >= value.length; i--) t = applyEdit(t, [...path, i], undefined);
      for (let i = 0; i < value.length; i++) t = applyEdit(t, [...path, i], value[i]);
      return t;
    }
  }
  const anchor = anchorOf(doc, lines, path);
  if (!anchor) return replaceParent(text, doc, path, value);
  const at = doc.pos(path);
  if (
    at &&
    isInline(value) &&
    isInline(old) &&
    old !== null &&
    at.line === anchor.start &&
    anchor.start === anchor.end
  ) {
    const line = lines[at.line - 1];
    const extent = scalarExtent(line, at.column - 1);
    if (extent)
      return splice(lines, at.line, at.line, [
        line.slice(0, at.column - 1) + formatScalar(value, extent.style) + line.slice(extent.end),
      ]);
  }
  const last = path[path.length - 1];
  const emitted = typeof last === "number" ? emitValue(value, anchor.indent) : emitEntry(last, value, anchor.indent);
  emitted[0] = anchor.prefix + emitted[0].slice(anchor.indent);
  return splice(lines, anchor.start, anchor.end, emitted);
}

/** Re-emits the parent with the change, for nodes inside flow collections or sharing a line. */
function replaceParent(text: string, doc: YamlDocument, path: YamlPath, value: unknown): string {
  if (path.length <= 1) throw new Error("the document is not a block mapping");
  const parentPath = path.slice(0, -1);
  const parent = lookup(doc.value, parentPath).value;
  const updated = setIn(parent, [path[path.length - 1]], value);
  return replace(text, doc, parentPath, parent, updated, true);
}

function remove(text: string, doc: YamlDocument, path: YamlPath): string {
  const lines = text.split("\n");
  const parentPath = path.slice(0, -1);
  const parent = lookup(doc.value, parentPath).value;
  // Removing the last entry leaves `key: []` or `key: {}`, not a bare `key:` that reads as null.
  if (parentPath.length > 0 && (Array.isArray(parent) ? parent.length : Object.keys(parent as object).length) === 1) {
    return replace(text, doc, parentPath, parent, Array.isArray(parent) ? [] : {}, true);
  }
  const anchor = anchorOf(doc, lines, path);
  const isItem = typeof path[path.length - 1] === "number";
  if (anchor && (isItem ? /^ *- +$/.test(anchor.prefix) : /^ *$/.test(anchor.prefix)))
    return splice(lines, anchor.start, anchor.end, []);
  return replaceParent(text, doc, path, undefined);
}

function insert(text: string, doc: YamlDocument, path: YamlPath, value: unknown): string {
  let k = path.length - 1;
  while (k > 0 && !lookup(doc.value, path.slice(0, k)).ok) k--;
  const base = path.slice(0, k);
  const rest = path.slice(k);
  const existing = lookup(doc.value, base).value;
  const lines = text.split("\n");
  const first = rest[0];
  if (base.length === 0) {
    if (existing !== null && !(isObject(existing) && isBlock(doc, lines, [])))
      throw new Error("the document is not a block mapping");
    if (typeof first === "number") throw new Error("the top level of a config file is a mapping, not a list");
    const body = text === "" || text.endsWith("\n") ? text : text + "\n";
    return body + emitEntry(first, nest(rest.slice(1), value), 0).join("\n") + "\n";
  }
  const span = doc.span(base);
  if (
    isObject(existing) &&
    Object.keys(existing).length > 0 &&
    typeof first === "string" &&
    span &&
    isBlock(doc, lines, base)
  ) {
    const indent = (doc.keyPos([...base, Object.keys(existing)[0]])?.column ?? 1) - 1;
    return splice(lines, span.end + 1, span.end, emitEntry(first, nest(rest.slice(1), value), indent));
  }
  if (
    Array.isArray(existing) &&
    existing.length > 0 &&
    first === existing.length &&
    span &&
    isBlock(doc, lines, base)
  ) {
    const dash = dashColumn(doc, lines, [...base, 0]);
    const emitted = emitValue(nest(rest.slice(1), value), dash + 2);
    emitted[0] = `${" ".repeat(dash)}- ${emitted[0].slice(dash + 2)}`;
    return splice(lines, span.end + 1, span.end, emitted);
  }
  return replace(text, doc, base, existing, setIn(existing, rest, value));
}

/** The 0-based column of the `-` that introduces the list item at `path` (`  - - x` has two). */
function dashColumn(doc: YamlDocument, lines: string[], path: YamlPath): number {
  const at = doc.pos(path);
  const start = doc.span(path)?.start ?? at?.line ?? 1;
  if (!at || at.line !== start) return lines[start - 1].lastIndexOf("-");
  let i = at.column - 2;
  while (i > 0 && lines[at.line - 1][i] !== "-") i--;
  return i;
}

/** A copy of `target` with `value` set at `rest` (undefined deletes), creating maps and lists. */
function setIn(target: unknown, rest: YamlPath, value: unknown): unknown {
  if (rest.length === 0) return value;
  const [head, ...tail] = rest;
  // A wrong-kind path is a caller bug; replacing a whole list or map because of it would lose data.
  if (typeof head === "number" ? isObject(target) : Array.isArray(target))
    throw new Error(
      `cannot set ${JSON.stringify(head)}: the value there is a ${isObject(target) ? "mapping" : "list"}`,
    );
  if (typeof head === "number") {
    const list = Array.isArray(target) ? [...target] : [];
    if (head > list.length) throw new Error(`cannot set list index ${head}: the list has ${list.length} entries`);
    if (tail.length === 0 && value === undefined) list.splice(head, 1);
    else list[head] = setIn(list[head], tail, value);
    return list;
  }
  const map: Record<string, unknown> = isObject(target) ? { ...target } : {};
  if (tail.length === 0 && value === undefined) delete map[head];
  else map[head] = setIn(map[head], tail, value);
  return map;
}
