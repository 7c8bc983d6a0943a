/**
 * Tool-schema fixes (translation.md §2.3, §6). Gemini's declaration schema is an OpenAPI subset that answers
 * unsupported keywords with a 400, so instead of losing them we move their meaning into `description`. Keys directly
 * under `properties` are property names, never keywords.
 */
import { type Json } from "./ir.js";
import { isObject } from "../plain-object.js";

/** Makes a tool schema acceptable to Claude/OpenAI: an object schema with `properties`, lower-case types. */
export function normalizeSchema(schema: unknown, _mode: "lower"): Json {
  const s = isObject(schema) ? (withProperties(lowerTypes(schema)) as Json) : {};
  liftRootUnion(s);
  if (s.type === undefined || s.type === "object") {
    s.type = "object";
    if (!isObject(s.properties)) s.properties = {};
  }
  return s;
}

/**
 * Anthropic (and OpenAI) reject a tool whose input schema has `anyOf`/`oneOf` at the root, and one
 * such MCP tool fails every request. The root becomes one object holding every branch's properties;
 * the branches' `required` lists are alternatives, so none of them is merged.
 */
function liftRootUnion(s: Json): void {
  for (const key of ["anyOf", "oneOf"]) {
    if (!Array.isArray(s[key])) continue;
    const props: Json = isObject(s.properties) ? { ...s.properties } : {};
    for (const b of s[key] as unknown[])
      if (isObject(b) && isObject(b.properties)) for (const [k, v] of Object.entries(b.properties)) props[k] ??= v;
    delete s[key];
    s.type = "object";
    s.properties = props;
  }
}

// An object schema without `properties` is rejected by strict validators at any depth, not only the root.
function withProperties(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withProperties);
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] =
      k === "properties" && isObject(x)
        ? Object.fromEntries(Object.entries(x).map(([n, p]) => [n, withProperties(p)]))
        : withProperties(x);
  }
  if (out.type === "object" && !isObject(out.properties)) out.properties = {};
  return out;
}

// Gemini-originated schemas spell types in upper case (OBJECT); other dialects want lower case.
function lowerTypes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerTypes);
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === "properties" && isObject(x))
      out[k] = Object.fromEntries(Object.entries(x).map(([n, p]) => [n, lowerTypes(p)]));
    else if (k === "type" && typeof x === "string") out[k] = x.toLowerCase();
    else if (k === "type" && Array.isArray(x)) out[k] = x.map((t) => (typeof t === "string" ? t.toLowerCase() : t));
    else out[k] = lowerTypes(x);
  }
  return out;
}

const HINT_KEYS = [
  "minLength",
  "maxLength",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "pattern",
  "minItems",
  "maxItems",
  "uniqueItems",
  "format",
  "default",
  "examples",
];
const DROP_KEYS = new Set([
  ...HINT_KEYS,
  "$schema",
  "$defs",
  "definitions",
  "const",
  "$ref",
  "$id",
  "additionalProperties",
  "propertyNames",
  "patternProperties",
  "enumTitles",
  "prefill",
  "deprecated",
  "nullable",
  "title",
]);
const PLACEHOLDER_REASON = "Brief explanation of why you are calling this tool";

/** Cleans a JSON schema for Gemini's function declarations (translation.md §6, Gemini profile). */
export function cleanGeminiSchema(schema: unknown): Json {
  const s = isObject(schema) ? cleanChild(schema) : {};
  if (s.type === undefined) s.type = "object";
  if (s.type === "object" && !isObject(s.properties)) s.properties = {};
  return s;
}

function addHint(node: Json, hint: string): void {
  const d = typeof node.description === "string" && node.description !== "" ? node.description : "";
  node.description = d === "" ? hint : `${d} (${hint})`;
}

function clean(input: Json): Json {
  const node: Json = { ...input };
  if (typeof node.$ref === "string") {
    const def = node.$ref.slice(node.$ref.lastIndexOf("/") + 1);
    const d = typeof node.description === "string" ? `${node.description} ` : "";
    return { type: "object", description: `${d}(See: ${def})` };
  }
  const union = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (union) return clean(pickBranch(node, union.filter(isObject)));
  const nullable = Array.isArray(node.type) && node.type.includes("null");
  if (node.const !== undefined && node.enum === undefined) node.enum = [node.const];
  if (Array.isArray(node.enum)) {
    node.enum = node.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e)));
    node.type = "string";
    const n = (node.enum as string[]).length;
    if (n >= 2 && n <= 10) addHint(node, `Allowed: ${(node.enum as string[]).join(", ")}`);
  }
  if (node.additionalProperties === false) addHint(node, "No extra properties allowed");
  for (const k of HINT_KEYS) {
    const v = node[k];
    if (v !== undefined && (typeof v !== "object" || v === null)) addHint(node, `${k}: ${String(v)}`);
  }
  if (Array.isArray(node.allOf)) {
    const props: Json = { ...(isObject(node.properties) ? node.properties : {}) };
    const req = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    for (const m of node.allOf) {
      if (!isObject(m)) continue;
      if (isObject(m.properties)) Object.assign(props, m.properties);
      if (Array.isArray(m.required)) for (const r of m.required) req.add(r as string);
    }
    node.properties = props;
    node.required = [...req];
    delete node.allOf;
  }
  if (Array.isArray(node.type)) {
    const types = node.type.filter((t): t is string => typeof t === "string");
    const real = types.filter((t) => t !== "null");
    node.type = real[0] ?? "string";
    if (real.length > 1) addHint(node, `Accepts: ${real.join(" | ")}`);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (DROP_KEYS.has(k) || k.startsWith("x-")) continue;
    if (k === "required" && isObject(node.properties)) continue; // cleanProperties writes it
    if (k === "properties" && isObject(v)) out.properties = cleanProperties(v, out, node);
    else if (k === "items" && isObject(v)) out.items = cleanChild(v);
    else if (k === "items" && Array.isArray(v)) out.items = v.filter(isObject).map(cleanChild);
    else out[k] = v;
  }
  if (nullable) out[NULLABLE] = true;
  if (Array.isArray(out.required)) {
    const props = isObject(out.properties) ? out.properties : {};
    const req = (out.required as unknown[]).filter((r): r is string => typeof r === "string" && r in props);
    if (req.length > 0) out.required = req;
    else delete out.required;
  }
  return out;
}

const NULLABLE = "\0nullable"; // private marker, removed by the parent

// Only properties can be nullable-and-optional; elsewhere the marker is just dropped.
function cleanChild(v: Json): Json {
  const c = clean(v);
  delete c[NULLABLE];
  return c;
}

function cleanProperties(props: Json, out: Json, node: Json): Json {
  const cleaned: Json = {};
  let required = Array.isArray(node.required) ? (node.required as unknown[]) : undefined;
  for (const [name, p] of Object.entries(props)) {
    if (!isObject(p)) continue;
    if (name === "_" || (name === "reason" && p.description === PLACEHOLDER_REASON)) {
      required = required?.filter((r) => r !== name);
      continue;
    }
    const c = clean(p);
    if (c[NULLABLE]) {
      delete c[NULLABLE];
      const d = typeof c.description === "string" ? c.description : "";
      c.description = d === "" ? "(nullable)" : `${d} (nullable)`;
      required = required?.filter((r) => r !== name);
    }
    cleaned[name] = c;
  }
  if (required) out.required = required;
  return cleaned;
}

function rank(b: Json): number {
  if (b.type === "object" || isObject(b.properties)) return 3;
  if (b.type === "array" || b.items !== undefined) return 2;
  return b.type === "null" ? 0 : 1;
}

function pickBranch(parent: Json, branches: Json[]): Json {
  let best = branches[0] ?? {};
  for (const b of branches) if (rank(b) > rank(best)) best = b;
  const rest: Json = { ...parent };
  delete rest.anyOf;
  delete rest.oneOf;
  const merged: Json = { ...rest, ...best };
  const pd = typeof parent.description === "string" ? parent.description : undefined;
  const cd = typeof best.description === "string" ? best.description : undefined;
  if (pd && cd) merged.description = `${pd} (${cd})`;
  else if (pd) merged.description = pd;
  const types = [
    ...new Set(
      branches.map((b) => (typeof b.type === "string" ? b.type : isObject(b.properties) ? "object" : undefined)),
    ),
  ].filter((t): t is string => t !== undefined && t !== "null");
  if (types.length > 1) addHint(merged, `Accepts: ${types.join(" | ")}`);
  return merged;
}
