/**
 * The Codex profile of the Responses dialect (translation.md §1.2, §2.3, §2.6, §5.1; scenarios S08, S09, S12, S30).
 * Codex is the Responses wire with house rules: always streamed, never stored, no sampling or output-limit fields, tool
 * names ≤ 64 characters, call ids ≤ 64, and a `response.completed` whose `output` is empty (the items arrive only as
 * `output_item.done` events). The request side works on a Responses body (the client's own or the hub's translation);
 * the response side restores the tool names the client declared and refills the empty output.
 */
import { createHash } from "node:crypto";
import type { SseEvent } from "../sse/read.js";
import { arr, str, type Ctx, type Json } from "./ir.js";
import { isObject } from "../plain-object.js";

/** Codex's limit on tool names and call ids. */
export const CODEX_NAME_LIMIT = 64;

/** Fields Codex rejects or ignores; removed from every request (translation.md §2.6, scenario S12). */
const SCRUBBED = [
  "max_output_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "truncation",
  "user",
  "context_management",
  "previous_response_id",
  "prompt_cache_retention",
  "prompt_cache_options",
  "safety_identifier",
  "stream_options",
];

/**
 * Short names for over-long tool names (translation.md scenario S09): `mcp__<last segment>` for MCP tools, else the
 * first 64 characters; a collision gets `_1`, `_2`… within the limit. Names that fit are kept and reserved first.
 */
export function shortToolNames(names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set(names.filter((n) => n.length <= CODEX_NAME_LIMIT));
  for (const n of used) out.set(n, n);
  for (const name of names) {
    if (out.has(name)) continue;
    let base = name;
    if (name.startsWith("mcp__")) {
      const last = name.slice(name.lastIndexOf("__") + 2);
      if (last !== "") base = `mcp__${last}`;
    }
    base = base.slice(0, CODEX_NAME_LIMIT);
    let short = base;
    for (let i = 1; used.has(short); i++) short = `${base.slice(0, CODEX_NAME_LIMIT - String(i).length - 1)}_${i}`;
    used.add(short);
    out.set(name, short);
  }
  return out;
}

/** Every tool name a client request declares, in any of the four dialects' shapes. */
export function declaredToolNames(body: Json | undefined): string[] {
  const out: string[] = [];
  for (const t of arr(body?.tools)) {
    if (!isObject(t)) continue;
    if (typeof t.name === "string") out.push(t.name);
    if (isObject(t.function) && typeof t.function.name === "string") out.push(t.function.name);
    for (const d of arr(t.functionDeclarations ?? t.function_declarations))
      if (isObject(d) && typeof d.name === "string") out.push(d.name);
  }
  return out;
}

/** Maps a name Codex answered with back to the name the client declared (inverse of shortToolNames). */
export function restoreCodexName(name: string, ctx: Ctx): string {
  for (const [long, short] of shortToolNames(declaredToolNames(ctx.clientRequest))) if (short === name) return long;
  return name;
}

/** A call id within Codex's limit: long ids keep a readable head plus a digest, so the next turn maps the same way. */
export function codexCallId(id: string): string {
  if (id.length <= CODEX_NAME_LIMIT) return id;
  return `${id.slice(0, CODEX_NAME_LIMIT - 17)}_${createHash("sha256").update(id).digest("hex").slice(0, 16)}`;
}

function userMessage(text: string): Json {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}

// Codex has no prompt cache breakpoints and rejects the key on content parts.
function withoutBreakpoints(it: Json): Json {
  if (!Array.isArray(it.content) || !it.content.some((c) => isObject(c) && "prompt_cache_breakpoint" in c)) return it;
  return {
    ...it,
    content: it.content.map((c) => {
      if (!isObject(c)) return c;
      const { prompt_cache_breakpoint: _drop, ...rest } = c;
      return rest;
    }),
  };
}

/** Applies the Codex profile to a Responses request body (a new object; `body` is not changed). */
export function codexRequest(body: Json): Json {
  const out: Json = { ...body };
  for (const k of SCRUBBED) delete out[k];
  // Codex keeps only the priority tier; anything else is an error there.
  if (out.service_tier !== "priority") delete out.service_tier;
  const names = shortToolNames(declaredToolNames(body));
  const rename = (n: unknown) => (typeof n === "string" ? (names.get(n) ?? n) : n);
  const input = typeof body.input === "string" ? [userMessage(body.input)] : arr(body.input);
  out.input = input.map((raw) => {
    if (!isObject(raw)) return raw;
    const it = withoutBreakpoints(raw);
    // Codex rejects `system` messages; developer is the same thing there.
    if ((it.type ?? "message") === "message" && it.role === "system") return { ...it, role: "developer" };
    if (it.type === "function_call")
      return {
        ...it,
        name: rename(it.name),
        ...(typeof it.call_id === "string" ? { call_id: codexCallId(it.call_id) } : {}),
      };
    if (it.type === "function_call_output" && typeof it.call_id === "string")
      return { ...it, call_id: codexCallId(it.call_id) };
    return it;
  });
  if (Array.isArray(body.tools)) {
    out.tools = body.tools.map((t) => {
      if (!isObject(t)) return t;
      if (typeof t.type === "string" && t.type.startsWith("web_search_preview")) return { ...t, type: "web_search" };
      if (t.type !== "function") return t;
      const tool: Json = { ...t, name: rename(t.name) };
      if (isObject(t.parameters) && "$schema" in t.parameters) {
        const { $schema: _drop, ...rest } = t.parameters;
        tool.parameters = rest;
      }
      return tool;
    });
    if (out.tool_choice === undefined && body.tools.length > 0) out.tool_choice = "auto";
  }
  // The preview spelling of the built-in search is not accepted by Codex, in tools or in the choice.
  if (
    isObject(out.tool_choice) &&
    typeof out.tool_choice.type === "string" &&
    out.tool_choice.type.startsWith("web_search_preview")
  ) {
    out.tool_choice = { ...out.tool_choice, type: "web_search" };
  }
  if (isObject(out.tool_choice) && out.tool_choice.type === "function")
    out.tool_choice = { ...out.tool_choice, name: rename(out.tool_choice.name) };
  out.parallel_tool_calls = body.parallel_tool_calls !== false;
  const reasoning = isObject(body.reasoning) ? body.reasoning : {};
  out.reasoning = {
    ...reasoning,
    effort: str(reasoning.effort) ?? "medium",
    summary: str(reasoning.summary) ?? "auto",
  };
  // Codex accepts only the encrypted reasoning in `include` (file_search_call.results and the like are errors there).
  out.include = ["reasoning.encrypted_content"];
  out.stream = true;
  out.store = false;
  return out;
}

/** Restores client tool names on one Responses item (function calls only). */
function restoreItem(item: unknown, ctx: Ctx): unknown {
  if (!isObject(item) || item.type !== "function_call" || typeof item.name !== "string") return item;
  const name = restoreCodexName(item.name, ctx);
  return name === item.name ? item : { ...item, name };
}

/** State of a Codex stream passed to a Responses client. */
export interface CodexPassState {
  items: Array<[number, unknown]>;
}

/**
 * One Codex event for a Responses client: unchanged (the same object) unless it names a shortened tool, or it is the
 * terminal response with an empty `output`, which is refilled from the `output_item.done` items in `output_index` order
 * (translation.md S30: Codex's completed event has an empty output) so SDKs that read the final snapshot see them.
 */
export function passCodexEvent(s: CodexPassState, e: SseEvent, ctx: Ctx, parsed?: unknown): SseEvent {
  let d: unknown = parsed;
  if (!isObject(d))
    try {
      d = JSON.parse(e.data);
    } catch {
      return e;
    }
  if (!isObject(d)) return e;
  if (d.type === "response.output_item.done" || d.type === "response.output_item.added") {
    const item = restoreItem(d.item, ctx);
    if (d.type === "response.output_item.done")
      s.items.push([typeof d.output_index === "number" ? d.output_index : s.items.length, item]);
    return item === d.item ? e : { ...e, data: JSON.stringify({ ...d, item }) };
  }
  if ((d.type === "response.completed" || d.type === "response.incomplete") && isObject(d.response)) {
    const response = refillOutput(d.response, s.items, ctx);
    return response === d.response ? e : { ...e, data: JSON.stringify({ ...d, response }) };
  }
  return e;
}

/** The terminal response with its empty output refilled and tool names restored; the same object when nothing changes. */
export function refillOutput(response: Json, items: ReadonlyArray<[number, unknown]>, ctx: Ctx): Json {
  const output = arr(response.output);
  if (output.length > 0) {
    const restored = output.map((it) => restoreItem(it, ctx));
    return restored.every((it, i) => it === output[i]) ? response : { ...response, output: restored };
  }
  if (items.length === 0) return response;
  return { ...response, output: [...items].sort((a, b) => a[0] - b[0]).map(([, item]) => item) };
}

/** Folds a whole Codex stream into the Responses object a non-stream client gets; undefined if it never completed. */
export function foldCodexEvents(events: readonly SseEvent[], ctx: Ctx): Json | undefined {
  const s: CodexPassState = { items: [] };
  for (const e of events) {
    const out = passCodexEvent(s, e, ctx);
    let d: unknown;
    try {
      d = JSON.parse(out.data);
    } catch {
      continue;
    }
    if (isObject(d) && (d.type === "response.completed" || d.type === "response.incomplete") && isObject(d.response))
      return d.response;
  }
  return undefined;
}
