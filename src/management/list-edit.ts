/**
 * The smallest file edits for a management change (management.md §3 note). A list change is matched
 * against the items actually in config.yaml (by identity: the key, or key and base-url), so an edit
 * touches only the fields that changed, deletes only the removed items and appends new ones at the
 * end; keys cliproxy does not model (`weight`, `cloak`, comments) stay as the user wrote them.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import type { ConfigEdit } from "../config/write.js";
import { parseYaml, type YamlPath } from "../config/yaml.js";
import { isObject } from "../plain-object.js";

/** The parsed value at `path` in `text`; undefined when absent or the text does not parse. */
export function valueAt(text: string, path: YamlPath): unknown {
  let v: unknown;
  try {
    v = parseYaml(text).value;
  } catch {
    return undefined;
  }
  for (const seg of path) {
    if (typeof seg === "number" ? !Array.isArray(v) : !isObject(v) || !Object.hasOwn(v, seg)) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The edit that sets a scalar: none when the key is absent and the value is its default (nothing to write). */
export function scalarEdits(fileText: string, path: YamlPath, value: unknown, fallback: unknown): ConfigEdit[] {
  if (valueAt(fileText, path) === undefined && isDeepStrictEqual(value, fallback)) return [];
  return [{ path, value }];
}

/** Identity of a list item: trimmed string, or `api-key|base-url` (`name|base-url` for openai-compatibility). */
export function identity(item: unknown): string {
  if (typeof item === "string") return item.trim();
  if (!isObject(item)) return JSON.stringify(item);
  const s = (k: string) => (typeof item[k] === "string" ? (item[k] as string).trim() : "");
  return "name" in item && !("api-key" in item) ? `${s("name")}|${s("base-url")}` : `${s("api-key")}|${s("base-url")}`;
}

function fieldEdits(path: YamlPath, before: unknown, after: unknown): ConfigEdit[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (!isObject(before) || !isObject(after)) return [{ path, value: after }];
  const out: ConfigEdit[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!isDeepStrictEqual(before[k], after[k])) out.push({ path: [...path, k], value: after[k] });
  }
  return out;
}

function patched(raw: unknown, before: unknown, after: unknown): unknown {
  if (!isObject(raw) || !isObject(before) || !isObject(after)) return after;
  const out: Record<string, unknown> = { ...raw };
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (isDeepStrictEqual(before[k], after[k])) continue;
    if (after[k] === undefined) delete out[k];
    else out[k] = after[k];
  }
  return out;
}

/**
 * Edits turning list `key` from `before` into `after` (both YAML-shaped, as the running config renders
 * them). `origin[i]` is the index in `before` that `after[i]` came from, undefined for a new item.
 */
export function listEdits(
  fileText: string,
  key: string,
  before: readonly unknown[],
  after: readonly unknown[],
  origin: ReadonlyArray<number | undefined>,
): ConfigEdit[] {
  const raw = valueAt(fileText, [key]);
  const file = Array.isArray(raw) ? raw : undefined;
  const used = new Set<number>();
  const fileIndex = before.map((item) => {
    const id = identity(item);
    const j = file?.findIndex((f, n) => !used.has(n) && identity(f) === id) ?? -1;
    if (j < 0) return undefined;
    used.add(j);
    return j;
  });
  const kept = origin.filter((o): o is number => o !== undefined);
  const firstNew = origin.findIndex((o) => o === undefined);
  const inPlace =
    file !== undefined &&
    fileIndex.every((j) => j !== undefined) &&
    kept.every((o, n) => n === 0 || o > kept[n - 1]) &&
    (firstNew < 0 || origin.slice(firstNew).every((o) => o === undefined));
  if (inPlace) {
    // inPlace means every item before the change was found in the file.
    const at = (i: number): number => {
      const j = fileIndex[i];
      assert.ok(j !== undefined, `listEdits(): item ${i} of "${key}" has no place in the file`);
      return j;
    };
    const edits: ConfigEdit[] = [];
    after.forEach((item, i) => {
      const o = origin[i];
      if (o !== undefined) edits.push(...fieldEdits([key, at(o)], before[o], item));
    });
    let next = file.length;
    after.forEach((item, i) => {
      if (origin[i] === undefined) edits.push({ path: [key, next++], value: item });
    });
    const gone = before
      .map((_, i) => i)
      .filter((i) => !kept.includes(i))
      .map(at)
      .sort((a, b) => b - a);
    for (const j of gone) edits.push({ path: [key, j], value: undefined });
    return edits;
  }
  const items = after.map((item, i) => {
    const o = origin[i];
    const j = o === undefined ? undefined : fileIndex[o];
    return j === undefined || o === undefined ? item : patched(file?.[j], before[o], item);
  });
  return [{ path: [key], value: items }];
}
