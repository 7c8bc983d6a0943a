/**
 * What the Amp CLI sees of a locally served answer (amp.md PR-19): its own model name, tool names in the casing it
 * sent, `signature: ""` on tool_use/thinking blocks, and (buffered answers only) thinking dropped next to tool calls.
 * The provider layer applies these hooks to every client-dialect JSON body and every SSE data JSON (amp.md N23: the
 * client sees its requested model everywhere), so no byte-level stream handling lives here.
 */
import type { ResponseRewriter } from "../providers/types.js";
import { isObject } from "../plain-object.js";

type Obj = Record<string, unknown>;

/** Lower-cased tool name → the request's casing, or null when the request lists two casings. */
export type ToolCasing = ReadonlyMap<string, string | null>;

/** Amp's own tools, in the casing Amp expects when the request gives no hint (amp.md PR-19 step 2). */
const FIXED_CASING: Readonly<Record<string, string>> = {
  bash: "Bash",
  read: "Read",
  grep: "Grep",
  glob: "glob",
  task: "Task",
  check: "Check",
};

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The tool names a request declares, in every dialect's place for them (plus Anthropic `tool_choice.name`). */
export function requestToolCasing(json: Obj): ToolCasing {
  const names: string[] = [];
  for (const t of arr(json.tools)) {
    if (!isObject(t)) continue;
    if (typeof t.name === "string") names.push(t.name);
    if (isObject(t.function) && typeof t.function.name === "string") names.push(t.function.name);
    for (const d of [...arr(t.functionDeclarations), ...arr(t.function_declarations)]) {
      if (isObject(d) && typeof d.name === "string") names.push(d.name);
    }
  }
  const choice = json.tool_choice;
  if (isObject(choice) && choice.type === "tool" && typeof choice.name === "string") names.push(choice.name);
  const out = new Map<string, string | null>();
  for (const n of names) {
    const k = n.toLowerCase();
    const seen = out.get(k);
    if (seen === undefined) out.set(k, n);
    else if (seen !== n) out.set(k, null);
  }
  return out;
}

/** The casing to show for a tool name the model returned. */
export function restoreToolName(name: string, casing: ToolCasing): string {
  const k = name.toLowerCase();
  const fromRequest = casing.get(k);
  if (fromRequest === null) return name;
  if (fromRequest !== undefined) return fromRequest;
  return FIXED_CASING[k] ?? name;
}

/** Options of one request's rewriter. */
export interface RewriteOptions {
  /** The model the client asked for; "" leaves model fields alone. */
  readonly originalModel: string;
  /** Drop thinking blocks from buffered answers that contain a tool call. */
  readonly suppressThinking: boolean;
  readonly tools: ToolCasing;
}

function fixName(o: unknown, casing: ToolCasing): void {
  if (isObject(o) && typeof o.name === "string") o.name = restoreToolName(o.name, casing);
}

function fixBlock(block: unknown, casing: ToolCasing): void {
  if (!isObject(block) || (block.type !== "tool_use" && block.type !== "thinking")) return;
  if (!("signature" in block)) block.signature = "";
  if (block.type === "tool_use") fixName(block, casing);
}

function fixToolNames(data: Obj, casing: ToolCasing): void {
  // OpenAI chat: message.tool_calls (whole answer) and delta.tool_calls (stream chunks).
  for (const c of arr(data.choices)) {
    if (!isObject(c)) continue;
    for (const holder of [c.message, c.delta]) {
      if (isObject(holder))
        for (const call of arr(holder.tool_calls)) if (isObject(call)) fixName(call.function, casing);
    }
  }
  // OpenAI Responses: output items, whole or one per output_item event.
  const items = [...arr(data.output), ...(isObject(data.response) ? arr(data.response.output) : []), data.item];
  for (const it of items) if (isObject(it) && it.type === "function_call") fixName(it, casing);
  // Gemini: candidates[].content.parts[].functionCall.
  const candidates = [...arr(data.candidates), ...(isObject(data.response) ? arr(data.response.candidates) : [])];
  for (const cand of candidates) {
    if (isObject(cand) && isObject(cand.content))
      for (const p of arr(cand.content.parts)) if (isObject(p)) fixName(p.functionCall, casing);
  }
}

function rewrite(data: Obj, o: RewriteOptions, buffered: boolean): Obj {
  const content = data.content;
  if (Array.isArray(content)) {
    for (const b of content) fixBlock(b, o.tools);
    if (buffered && o.suppressThinking && content.some((b) => isObject(b) && b.type === "tool_use")) {
      data.content = content.filter((b) => !(isObject(b) && b.type === "thinking"));
    }
  }
  fixBlock(data.content_block, o.tools);
  if (isObject(data.message) && Array.isArray(data.message.content))
    for (const b of data.message.content) fixBlock(b, o.tools);
  fixToolNames(data, o.tools);
  if (o.originalModel !== "") {
    for (const holder of [data, data.message, data.response]) {
      if (!isObject(holder)) continue;
      if ("model" in holder) holder.model = o.originalModel;
      if ("modelVersion" in holder) holder.modelVersion = o.originalModel;
    }
  }
  return data;
}

/** The rewriter for one Amp request served locally. */
export function createRewriter(options: RewriteOptions): ResponseRewriter {
  return {
    json: (body) => rewrite(body, options, true),
    // Thinking blocks are never removed from streams: it would break the block index alignment.
    event: (data) => rewrite(data, options, false),
  };
}
