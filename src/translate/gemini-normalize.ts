/**
 * Gemini → Gemini normalisation (translation.md §2.2, scenario S16): the fixes a Gemini client's own body needs before
 * Google accepts it. Gemini rejects an empty `functionResponse.name` and a history whose first turn is the model's;
 * some clients send both (CLIProxyAPI's gemini translator and executor repair them the same way). A body that needs
 * none of this is reported as unchanged, so it still passes byte for byte.
 */
import { arr, type Json } from "./ir.js";
import { isObject } from "../plain-object.js";

/** The body with Gemini's request rules applied, or undefined when it already follows them. */
export function normalizeGeminiRequest(body: Json): Json | undefined {
  let changed = false;
  const out: Json = { ...body };
  const tools = arr(body.tools).map((t) => {
    if (!isObject(t)) return t;
    const key = Array.isArray(t.functionDeclarations)
      ? "functionDeclarations"
      : Array.isArray(t.function_declarations)
        ? "function_declarations"
        : undefined;
    if (!key) return t;
    const decls = (t[key] as unknown[]).map((d) => {
      if (!isObject(d) || d.parameters === undefined || d.parametersJsonSchema !== undefined) return d;
      changed = true; // `parameters` is the OpenAPI subset; the JSON-schema carrier accepts what clients send
      const { parameters, ...rest } = d;
      return { ...rest, parametersJsonSchema: parameters };
    });
    return { ...t, [key]: decls };
  });
  if (Array.isArray(body.tools)) out.tools = tools;
  const gc = isObject(body.generationConfig) ? body.generationConfig : undefined;
  if (gc && gc.responseSchema !== undefined && gc.responseJsonSchema === undefined) {
    const { responseSchema, ...rest } = gc;
    out.generationConfig = { ...rest, responseJsonSchema: responseSchema };
    changed = true;
  }
  if (Array.isArray(body.contents)) {
    const contents = fixContents(body.contents);
    if (contents) ((out.contents = contents), (changed = true));
  }
  return changed ? out : undefined;
}

// Roles filled by alternation from `user`, empty response names backfilled, a leading user turn added.
function fixContents(input: unknown[]): unknown[] | undefined {
  let changed = false;
  let prev = "";
  let calls: string[] = [];
  const contents = input.map((c) => {
    if (!isObject(c)) return c;
    let item = c;
    if (c.role !== "user" && c.role !== "model") {
      item = { ...c, role: prev === "user" ? "model" : "user" };
      changed = true;
    }
    prev = item.role as string;
    const parts = arr(item.parts);
    if (item.role === "model") {
      const names = parts.flatMap((p) =>
        isObject(p) && isObject(p.functionCall) && typeof p.functionCall.name === "string" ? [p.functionCall.name] : [],
      );
      if (names.length > 0) calls = names;
      return item;
    }
    let k = 0;
    let fixed = false;
    const next = parts.map((p) => {
      if (!isObject(p) || !isObject(p.functionResponse)) return p;
      const name = calls[k++];
      if (p.functionResponse.name !== "" && p.functionResponse.name !== undefined) return p;
      if (name === undefined) return p;
      fixed = true;
      return { ...p, functionResponse: { ...p.functionResponse, name } };
    });
    if (k > 0) calls = [];
    if (!fixed) return item;
    changed = true;
    return { ...item, parts: next };
  });
  const first = contents[0];
  if (isObject(first) && first.role === "model") {
    contents.unshift({ role: "user", parts: [{ text: "" }] });
    changed = true;
  }
  return changed ? contents : undefined;
}
