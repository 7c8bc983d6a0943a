/**
 * Block-style YAML for values the config writer inserts: two-space indentation, lists indented
 * under their key (as config.example.yaml writes them), strings double-quoted, empty collections
 * in flow style (`[]`, `{}`). Only new or changed nodes are emitted; the rest of a file is kept.
 */

/** A plain (unquoted) key needs no escaping when it is made of these characters. */
const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/;
/** Plain scalars that a reader would not take as a string. */
const NON_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** The quoting style of an existing scalar, kept when its value is replaced. */
export type ScalarStyle = "plain" | "double" | "single";

/** True for values written on one line: scalars and empty collections. */
export function isInline(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object" && value !== null) return Object.keys(value).length === 0;
  return true;
}

/** A mapping key, quoted only when it must be: `null`, `1e3`, `true` plain would read back as other types. */
export function formatKey(key: string): string {
  return PLAIN_KEY.test(key) && !NON_STRING.test(key) ? key : JSON.stringify(key);
}

/** One inline value in the given style (strings that cannot be plain are double-quoted). */
export function formatScalar(value: unknown, style: ScalarStyle = "double"): string {
  if (Array.isArray(value)) return "[]";
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return "{}";
  if (typeof value !== "string") return String(value);
  if (style === "single" && !/[\n\r\t]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (style === "plain" && isPlainSafe(value)) return value;
  return JSON.stringify(value);
}

function isPlainSafe(s: string): boolean {
  return (
    s !== "" &&
    s.trim() === s &&
    !NON_STRING.test(s) &&
    !/^[-?:,\[\]{}#&*!|>'"%@`]/.test(s) &&
    !/: |\s#|[\n\r\t]/.test(s) &&
    !s.endsWith(":")
  );
}

/** Lines for `key: value` at `indent` spaces. */
export function emitEntry(key: string, value: unknown, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (isInline(value)) return [`${pad}${formatKey(key)}: ${formatScalar(value)}`];
  return [`${pad}${formatKey(key)}:`, ...emitValue(value, indent + 2)];
}

/**
 * Lines for a value starting at column `indent`: a mapping's entries, a list's `- ` items, or one
 * scalar line. Callers place the first line after a key or a dash by replacing its indentation.
 */
export function emitValue(value: unknown, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (isInline(value)) return [pad + formatScalar(value)];
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const item of value) {
      const lines = emitValue(item, indent + 2);
      out.push(`${pad}- ${lines[0].slice(indent + 2)}`, ...lines.slice(1));
    }
    return out;
  }
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    if (v !== undefined) out.push(...emitEntry(k, v, indent));
  return out;
}

/** `value` nested under the remaining keys of a path (`["a","b"]`, 1 → `{a: {b: 1}}`). */
export function nest(keys: readonly (string | number)[], value: unknown): unknown {
  let v = value;
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i];
    v = typeof k === "number" ? (k === 0 ? [v] : undefined) : { [k]: v };
    if (v === undefined) throw new Error(`cannot create list index ${k}: a new list starts at index 0`);
  }
  return v;
}

/** Where an existing single-line scalar's text ends on its line (after a closing quote, before a comment). */
export function scalarExtent(line: string, start: number): { end: number; style: ScalarStyle } | undefined {
  const c = line[start];
  if (c === "|" || c === ">" || c === "[" || c === "{" || c === "&" || c === "*" || c === "!") return undefined;
  if (c === '"') {
    for (let i = start + 1; i < line.length; i++) {
      if (line[i] === "\\") i++;
      else if (line[i] === '"') return { end: i + 1, style: "double" };
    }
    return undefined;
  }
  if (c === "'") {
    for (let i = start + 1; i < line.length; i++) {
      if (line[i] === "'" && line[i + 1] === "'") i++;
      else if (line[i] === "'") return { end: i + 1, style: "single" };
    }
    return undefined;
  }
  const comment = line.slice(start).search(/\s#/);
  const text = comment < 0 ? line.slice(start) : line.slice(start, start + comment);
  return { end: start + text.trimEnd().length, style: "plain" };
}
