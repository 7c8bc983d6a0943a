/** Anthropic Messages requests ⇄ IR (translation.md §2). Responses and streams are in anthropic-stream.ts. */
import { HttpError } from "../errors.js";
import {
  argsObject,
  arr,
  compact,
  newId,
  num,
  str,
  toolResultContent,
  type IrRequest,
  type Json,
  type Message,
  type Part,
  type Reasoning,
  type Tool,
  type ToolChoice,
} from "./ir.js";
import { normalizeSchema } from "./gemini-schema.js";
import { budgetOf, levelOf, signatureFor } from "./thinking.js";
import { claudeEffort, thinkingSpec } from "./model-thinking.js";
import { isObject } from "../plain-object.js";

/** Claude requires `max_tokens`; the reference uses this when the client gave none. */
export const DEFAULT_CLAUDE_MAX_TOKENS = 32000;
const BILLING_HEADER = "x-anthropic-billing-header:";

/** Claude tool-use ids must match ^[a-zA-Z0-9_-]+$; the mapping is deterministic so later turns still match. */
export function claudeToolId(id: string): string {
  return id === "" ? newId("toolu_") : id.replace(/[^a-zA-Z0-9_-]/g, "_");
}

/** Reads a Messages request into IR. */
export function decodeAnthropicRequest(body: Json): IrRequest {
  const system = (
    typeof body.system === "string"
      ? [body.system]
      : arr(body.system).map((b) => (isObject(b) ? str(b.text) : undefined))
  ).filter((t): t is string => t !== undefined && t !== "" && !t.startsWith(BILLING_HEADER));
  const names = new Map<string, string>();
  const messages: Message[] = [];
  for (const m of arr(body.messages)) {
    if (!isObject(m)) continue;
    const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : arr(m.content);
    const parts = blocks.flatMap((b) => decodeBlock(b, names));
    // A system message inside the conversation stays where it is, as a reminder in a user turn (CLIProxyAPI's form).
    if (m.role === "system")
      for (const p of parts) if (p.type === "text") p.text = `<system-reminder>\n${p.text}\n</system-reminder>`;
    messages.push({ role: m.role === "assistant" ? "assistant" : "user", parts });
  }
  const tc = isObject(body.tool_choice) ? body.tool_choice : undefined;
  const toolChoice: ToolChoice | undefined =
    tc?.type === "auto"
      ? "auto"
      : tc?.type === "none"
        ? "none"
        : tc?.type === "any"
          ? "required"
          : tc?.type === "tool" && typeof tc.name === "string"
            ? { name: tc.name }
            : undefined;
  const meta = isObject(body.metadata) ? body.metadata : undefined;
  return compact({
    model: str(body.model) ?? "",
    system,
    messages,
    tools: arr(body.tools).flatMap(decodeTool),
    toolChoice,
    parallelToolCalls: tc?.disable_parallel_tool_use === true ? false : undefined,
    temperature: num(body.temperature),
    topP: num(body.top_p),
    topK: num(body.top_k),
    maxOutputTokens: num(body.max_tokens),
    stop: arr(body.stop_sequences).filter((s): s is string => typeof s === "string"),
    reasoning: decodeThinking(body),
    stream: body.stream === true,
    user: str(meta?.user_id),
    // Claude's fast mode (speed:"fast", service_tier "fast"/"priority") is OpenAI's priority tier.
    serviceTier:
      body.speed === "fast" || body.service_tier === "fast" || body.service_tier === "priority"
        ? "priority"
        : undefined,
  });
}

function decodeTool(t: unknown): Tool[] {
  if (!isObject(t) || typeof t.name !== "string") return [];
  if (typeof t.type === "string" && t.type.startsWith("web_search_")) {
    // Claude Code's WebSearch: a server tool that other providers have as their own built-in search.
    const domains = arr(t.allowed_domains).filter((d): d is string => typeof d === "string");
    const webSearch = compact({
      allowedDomains: domains.length > 0 ? domains : undefined,
      userLocation: isObject(t.user_location) ? t.user_location : undefined,
    });
    return [{ name: t.name, schema: {}, webSearch }];
  }
  if (t.input_schema === undefined && t.type !== undefined && t.type !== "custom") return [];
  return [
    compact({ name: t.name, description: str(t.description), schema: isObject(t.input_schema) ? t.input_schema : {} }),
  ];
}

function decodeThinking(body: Json): Reasoning | undefined {
  const t = isObject(body.thinking) ? body.thinking : undefined;
  const effort = isObject(body.output_config) ? str(body.output_config.effort) : undefined;
  if (t?.type === "disabled") return { level: "none" };
  if (t?.type === "enabled") {
    const budget = num(t.budget_tokens);
    return budget === undefined ? { level: "auto", includeThoughts: true } : { budget, includeThoughts: true };
  }
  if (t?.type === "adaptive") return { level: effort ?? "xhigh", includeThoughts: true };
  return effort ? { level: effort } : undefined;
}

function decodeBlock(b: unknown, names: Map<string, string>): Part[] {
  if (!isObject(b)) return [];
  const src = isObject(b.source) ? b.source : {};
  switch (b.type) {
    case "text":
      return [{ type: "text", text: str(b.text) ?? "" }];
    case "image":
      return [
        src.type === "url"
          ? { type: "image", url: str(src.url) }
          : { type: "image", mime: str(src.media_type), data: str(src.data) },
      ];
    case "document":
      if (src.type === "text") return [{ type: "text", text: str(src.data) ?? "" }];
      return [
        compact({
          type: "file" as const,
          mime: str(src.media_type),
          data: str(src.data),
          url: str(src.url),
          filename: str(b.title),
        }),
      ];
    case "thinking":
      return [compact({ type: "thinking" as const, text: str(b.thinking) ?? "", signature: str(b.signature) })];
    case "redacted_thinking":
      return [{ type: "thinking", text: str(b.data) ?? "", redacted: true }];
    case "tool_use": {
      const id = str(b.id) ?? "";
      const name = str(b.name) ?? "";
      names.set(id, name);
      return [{ type: "toolCall", id, name, args: JSON.stringify(b.input ?? {}) }];
    }
    case "tool_result": {
      const callId = str(b.tool_use_id) ?? "";
      const content = toolResultContent(b.content, (c) => arr(c).flatMap((x) => decodeBlock(x, names)));
      return [
        compact({
          type: "toolResult" as const,
          callId,
          name: names.get(callId),
          content,
          isError: b.is_error === true ? true : undefined,
        }),
      ];
    }
    default:
      return []; // server-tool blocks and citations have no portable form
  }
}

/** Writes IR as a Messages request for `model`. */
export function encodeAnthropicRequest(ir: IrRequest, model: string): Json {
  if (ir.n !== undefined && ir.n > 1)
    throw new HttpError(400, "invalid_request_error", "Cannot request n > 1 from Anthropic");
  if (ir.responseFormat?.strict)
    throw new HttpError(400, "invalid_request_error", "Cannot enforce a strict response schema on Anthropic");
  const messages: Json[] = [];
  // A call answered twice (a client retry) is answered once, at the first place, with the last answer.
  const answers = new Map<string, Part>();
  for (const m of ir.messages)
    for (const p of m.parts) if (p.type === "toolResult" && p.callId !== "") answers.set(p.callId, p);
  const answered = new Set<string>();
  for (const m of ir.messages) {
    const results = m.parts.flatMap((p) => {
      if (p.type !== "toolResult" || p.callId === "") return p.type === "toolResult" ? [p] : [];
      if (answered.has(p.callId)) return [];
      answered.add(p.callId);
      return [answers.get(p.callId) ?? p]; // the map holds every answered call, this one included
    });
    const parts = m.role === "user" ? [...results, ...m.parts.filter((p) => p.type !== "toolResult")] : m.parts;
    const content = parts.flatMap((p) => encodeBlock(p, m.role));
    if (content.length === 0) continue;
    const prev = messages[messages.length - 1];
    // Claude wants tool results at the head of a user turn, so consecutive turns are merged.
    if (prev?.role === m.role) (prev.content as Json[]).push(...content);
    else messages.push({ role: m.role, content });
  }
  const out: Json = {
    model,
    max_tokens: ir.maxOutputTokens ?? thinkingSpec(model)?.maxOutput ?? DEFAULT_CLAUDE_MAX_TOKENS,
  };
  if (ir.system.length > 0) out.system = ir.system.map((text) => ({ type: "text", text }));
  // Claude needs at least one message; a system-only request gets an empty user turn (as CLIProxyAPI sends).
  out.messages = messages.length > 0 ? messages : [{ role: "user", content: [{ type: "text", text: "" }] }];
  if (ir.tools.length > 0) {
    out.tools = ir.tools.map((t) =>
      t.webSearch
        ? compact({
            type: "web_search_20250305",
            name: t.name,
            allowed_domains: t.webSearch.allowedDomains,
            user_location: t.webSearch.userLocation,
          })
        : compact({ name: t.name, description: t.description, input_schema: normalizeSchema(t.schema, "lower") }),
    );
  }
  const choice = encodeChoice(ir);
  if (choice) out.tool_choice = choice;
  if (ir.temperature !== undefined) out.temperature = ir.temperature;
  else if (ir.topP !== undefined) out.top_p = ir.topP; // Claude rejects both together
  if (ir.topK !== undefined) out.top_k = ir.topK;
  if (ir.stop.length > 0) out.stop_sequences = ir.stop;
  const userId = ir.user ?? (typeof ir.metadata?.user_id === "string" ? ir.metadata.user_id : undefined);
  if (userId !== undefined) out.metadata = { user_id: userId };
  encodeThinking(ir, out, choice, model);
  out.stream = ir.stream;
  return out;
}

function encodeChoice(ir: IrRequest): Json | undefined {
  const c = ir.toolChoice;
  const choice: Json | undefined =
    c === undefined
      ? undefined
      : c === "auto"
        ? { type: "auto" }
        : c === "none"
          ? { type: "none" }
          : c === "required"
            ? { type: "any" }
            : { type: "tool", name: c.name };
  if (ir.parallelToolCalls === false && choice?.type !== "none")
    return { ...(choice ?? { type: "auto" }), disable_parallel_tool_use: true };
  return choice;
}

function encodeThinking(ir: IrRequest, out: Json, choice: Json | undefined, model: string): void {
  if (!ir.reasoning) return;
  const level = levelOf(ir.reasoning);
  if (level === "none") return void (out.thinking = { type: "disabled" });
  // A forced tool choice cannot carry thinking (the API rejects it).
  if (choice?.type === "any" || choice?.type === "tool") return;
  const spec = thinkingSpec(model);
  if (spec?.adaptive && spec.levels && level !== undefined) {
    // Adaptive models choose their own budget; the client's level becomes an effort (translation.md §5.2).
    out.thinking = { type: "adaptive" };
    const effort = claudeEffort(level, spec.levels);
    if (effort) out.output_config = { effort };
    return void dropSampling(out);
  }
  let budget = budgetOf(ir.reasoning);
  if (budget === undefined) return;
  if (budget < 0) budget = 8192; // "auto": Claude has no dynamic budget, so use the medium level's
  budget = Math.max(spec?.min ?? 1024, Math.min(budget, spec?.max ?? Infinity)); // 1024 is the API minimum
  const max = out.max_tokens as number;
  if (ir.maxOutputTokens === undefined && budget >= max) out.max_tokens = budget + DEFAULT_CLAUDE_MAX_TOKENS;
  else if (budget >= max) budget = max - 1;
  if (budget < 1024) return; // max_tokens too small to think at all
  out.thinking = { type: "enabled", budget_tokens: budget };
  dropSampling(out);
}

function dropSampling(out: Json): void {
  delete out.top_p;
  delete out.top_k;
  if (out.temperature !== undefined) out.temperature = 1; // required with thinking
}

function encodeBlock(p: Part, role: "user" | "assistant"): Json[] {
  switch (p.type) {
    case "text":
      return p.text === "" ? [] : [{ type: "text", text: p.text }];
    case "image":
      if (role === "assistant") return [];
      if (p.data !== undefined)
        return [{ type: "image", source: { type: "base64", media_type: p.mime ?? "image/png", data: p.data } }];
      return p.url ? [{ type: "image", source: { type: "url", url: p.url } }] : [];
    case "file":
      if (role === "assistant") return [];
      if (p.data !== undefined)
        return [
          { type: "document", source: { type: "base64", media_type: p.mime ?? "application/pdf", data: p.data } },
        ];
      return p.url ? [{ type: "document", source: { type: "url", url: p.url } }] : [];
    case "thinking": {
      if (role !== "assistant") return [];
      if (p.redacted) return [{ type: "redacted_thinking", data: p.text }];
      // Claude verifies signatures: a foreign or missing one would fail the whole request.
      const signature = signatureFor("claude", p.signature);
      return signature ? [{ type: "thinking", thinking: p.text, signature }] : [];
    }
    case "toolCall":
      return [{ type: "tool_use", id: claudeToolId(p.id), name: p.name, input: argsObject(p.args) }];
    case "toolResult": {
      const content = typeof p.content === "string" ? p.content : p.content.flatMap((c) => encodeBlock(c, "user"));
      return [
        compact({
          type: "tool_result",
          tool_use_id: claudeToolId(p.callId),
          content,
          is_error: p.isError ? true : undefined,
        }),
      ];
    }
  }
}
