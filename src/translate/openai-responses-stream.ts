/** OpenAI Responses objects and streams ⇄ IR (translation.md §3.4, §3.6, §3.7). */
import assert from "node:assert/strict";
import type { SseEvent } from "../sse/read.js";
import {
  arr,
  compact,
  newId,
  num,
  str,
  type Ctx,
  type Finish,
  type IrEvent,
  type IrResponse,
  type Json,
  type Part,
  type Usage,
  eventObject,
} from "./ir.js";
import { streamErrorStatus } from "./errors.js";
import { REDACTED_PREFIX } from "./thinking.js";
import { isObject } from "../plain-object.js";

/** Responses usage → IR. */
export function decodeResponsesUsage(u: unknown): Usage {
  if (!isObject(u)) return {};
  const id = isObject(u.input_tokens_details) ? u.input_tokens_details : {};
  const od = isObject(u.output_tokens_details) ? u.output_tokens_details : {};
  return compact({
    input: num(u.input_tokens),
    output: num(u.output_tokens),
    cacheRead: num(id.cached_tokens),
    cacheWrite: num(id.cache_write_tokens),
    reasoning: num(od.reasoning_tokens),
  });
}

export function encodeUsage(u: Usage): Json {
  return {
    input_tokens: u.input ?? 0,
    input_tokens_details: { cached_tokens: u.cacheRead ?? 0, cache_write_tokens: u.cacheWrite ?? 0 },
    output_tokens: u.output ?? 0,
    output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    total_tokens: (u.input ?? 0) + (u.output ?? 0),
  };
}

export const messageItem = (id: string, text: string, status = "completed"): Json => ({
  id,
  type: "message",
  status,
  role: "assistant",
  content: status === "completed" ? [{ type: "output_text", annotations: [], text }] : [],
});
export const reasoningItem = (id: string, text: string, sig?: string): Json =>
  compact({
    id,
    type: "reasoning",
    summary: text === "" ? [] : [{ type: "summary_text", text }],
    encrypted_content: sig,
  });
export const callItem = (callId: string, name: string, args: string, status = "completed"): Json => ({
  id: `fc_${callId}`,
  type: "function_call",
  status,
  call_id: callId,
  name,
  arguments: args,
});

// The openai SDK `Response` type requires these; they echo the client's request (translation.md §3.4).
export function snapshot(
  id: string,
  createdAt: number,
  status: string,
  output: Json[],
  ctx: Ctx,
  extra: Json = {},
): Json {
  const r = ctx.clientRequest ?? {};
  return {
    id,
    object: "response",
    created_at: createdAt,
    status,
    model: ctx.requestModel,
    output,
    error: null,
    incomplete_details: null,
    instructions: r.instructions ?? null,
    metadata: r.metadata ?? {},
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    temperature: r.temperature ?? null,
    tool_choice: r.tool_choice ?? "auto",
    tools: r.tools ?? [],
    top_p: r.top_p ?? null,
    ...compact({
      max_output_tokens: r.max_output_tokens,
      previous_response_id: r.previous_response_id,
      reasoning: r.reasoning,
      store: r.store,
      text: r.text,
      truncation: r.truncation,
      user: r.user,
    }),
    ...extra,
  };
}

export function responseId(id: string | undefined): string {
  return id?.startsWith("resp_") ? id : newId("resp_");
}

export function terminal(reason: Finish): { status: string; incomplete?: string } {
  if (reason === "length" || reason === "context") return { status: "incomplete", incomplete: "max_output_tokens" };
  if (reason === "filter") return { status: "incomplete", incomplete: "content_filter" };
  return { status: "completed" };
}

/** Reads a Responses object into IR. */
export function decodeResponsesResponse(body: Json): IrResponse {
  const parts: Part[] = arr(body.output).flatMap((it): Part[] => {
    if (!isObject(it)) return [];
    if (it.type === "message")
      return arr(it.content).flatMap((c): Part[] =>
        isObject(c) && c.type === "output_text" ? [{ type: "text", text: str(c.text) ?? "" }] : [],
      );
    if (it.type === "reasoning") {
      const text = arr(it.summary)
        .map((s) => (isObject(s) ? (str(s.text) ?? "") : ""))
        .join("");
      return [compact({ type: "thinking" as const, text, signature: str(it.encrypted_content) })];
    }
    if (it.type === "function_call")
      return [
        { type: "toolCall", id: str(it.call_id) ?? "", name: str(it.name) ?? "", args: str(it.arguments) ?? "{}" },
      ];
    return [];
  });
  return compact({
    id: str(body.id),
    parts,
    finish: finishOf(body),
    stopSequence: typeof body.stop_sequence === "string" && body.stop_sequence !== "" ? body.stop_sequence : undefined,
    usage: decodeResponsesUsage(body.usage),
  });
}

function finishOf(r: Json): Finish {
  const reason = isObject(r.incomplete_details) ? str(r.incomplete_details.reason) : undefined;
  if (reason === "max_output_tokens") return "length";
  if (reason === "content_filter") return "filter";
  if (r.status === "failed") return "error";
  // Codex reports which stop sequence ended the answer (a backend field the openai SDK type lacks).
  return typeof r.stop_sequence === "string" && r.stop_sequence !== "" ? "stop_sequence" : "end";
}

function finishEvent(r: Json): IrEvent {
  const reason = finishOf(r);
  return reason === "stop_sequence"
    ? { kind: "finish", reason, stopSequence: r.stop_sequence as string }
    : { kind: "finish", reason };
}

/** Writes IR as a Responses object. */
export function encodeResponsesResponse(res: IrResponse, ctx: Ctx): Json {
  const output: Json[] = [];
  for (const p of res.parts) {
    if (p.type === "text") {
      const last = output[output.length - 1];
      if (last?.type === "message") ((last.content as Json[])[0].text as string) += p.text;
      else output.push(messageItem(newId("msg_"), p.text));
    } else if (p.type === "thinking") {
      output.push(
        p.redacted
          ? reasoningItem(newId("rs_"), "", `${REDACTED_PREFIX}${p.text}`)
          : reasoningItem(newId("rs_"), p.text, p.signature),
      );
    } else if (p.type === "toolCall") output.push(callItem(p.id || newId("call_"), p.name, p.args));
  }
  const t = terminal(res.finish);
  return snapshot(responseId(res.id), Math.floor(Date.now() / 1000), t.status, output, ctx, {
    incomplete_details: t.incomplete ? { reason: t.incomplete } : null,
    usage: encodeUsage(res.usage),
  });
}

/** Decoder state for an upstream Responses stream. */
export interface ResponsesDecodeState {
  calls: Map<string, { index: number; argsSeen: boolean }>; // by item id
  nextCall: number;
  textSeen: Set<string>; // item ids whose text or summary arrived as deltas
  signatures: Map<string, string>; // reasoning item id → encrypted_content seen when it was added
  done: boolean;
}

/** Fresh decoder state. */
export function newResponsesDecodeState(): ResponsesDecodeState {
  return { calls: new Map(), nextCall: 0, textSeen: new Set(), signatures: new Map(), done: false };
}

/** One upstream Responses event → IR events. */
export function decodeResponsesEvent(s: ResponsesDecodeState, e: SseEvent, parsed?: unknown): IrEvent[] {
  if (s.done) return [];
  const d = eventObject(e.data, parsed);
  if (!d) return [];
  const item = isObject(d.item) ? d.item : {};
  const itemId = str(d.item_id) ?? str(item.id) ?? "";
  const resp = isObject(d.response) ? d.response : {};
  switch (str(d.type) ?? e.event) {
    case "response.created":
      return [{ kind: "start", id: str(resp.id) }];
    case "response.output_item.added":
      // Codex may send a reasoning item's signature only here; its `.done` can omit it.
      if (item.type === "reasoning" && typeof item.encrypted_content === "string")
        s.signatures.set(itemId, item.encrypted_content);
      return item.type === "function_call" ? startCall(s, item) : [];
    case "response.output_text.delta":
    case "response.reasoning_summary_text.delta":
    case "response.reasoning_text.delta": {
      s.textSeen.add(itemId);
      const text = str(d.delta) ?? "";
      return d.type === "response.output_text.delta" ? [{ kind: "text", text }] : [{ kind: "thinking", text }];
    }
    case "response.function_call_arguments.delta": {
      const c = s.calls.get(itemId);
      if (!c) return [];
      c.argsSeen = true;
      return [{ kind: "toolArgs", index: c.index, delta: str(d.delta) ?? "" }];
    }
    case "response.function_call_arguments.done": {
      const c = s.calls.get(itemId);
      if (!c || c.argsSeen) return [];
      c.argsSeen = true;
      return [{ kind: "toolArgs", index: c.index, delta: str(d.arguments) ?? "" }];
    }
    case "response.output_item.done":
      return itemDone(s, item, itemId);
    case "response.completed":
    case "response.incomplete":
      s.done = true;
      return [{ kind: "usage", usage: decodeResponsesUsage(resp.usage) }, finishEvent(resp)];
    case "response.failed":
    case "error": {
      s.done = true;
      const err = isObject(resp.error) ? resp.error : isObject(d.error) ? d.error : d;
      const type = str(err.type) ?? str(d.error_type);
      const code = str(err.code);
      const message = str(err.message) || type || code || "Upstream error";
      return [{ kind: "error", error: compact({ status: streamErrorStatus(type, code), code, type, message }) }];
    }
    default:
      return [];
  }
}

function startCall(s: ResponsesDecodeState, item: Json): IrEvent[] {
  const index = s.nextCall++;
  s.calls.set(str(item.id) ?? "", { index, argsSeen: false });
  return [{ kind: "toolStart", index, id: str(item.call_id) ?? "", name: str(item.name) ?? "" }];
}

// A `.done` item fills in whatever its deltas did not deliver.
function itemDone(s: ResponsesDecodeState, item: Json, itemId: string): IrEvent[] {
  const out: IrEvent[] = [];
  if (item.type === "message" && !s.textSeen.has(itemId)) {
    const text = arr(item.content)
      .map((c) => (isObject(c) ? (str(c.text) ?? "") : ""))
      .join("");
    if (text !== "") out.push({ kind: "text", text });
  } else if (item.type === "reasoning") {
    const text = arr(item.summary)
      .map((c) => (isObject(c) ? (str(c.text) ?? "") : ""))
      .join("");
    if (!s.textSeen.has(itemId) && text !== "") out.push({ kind: "thinking", text });
    const signature = str(item.encrypted_content) ?? s.signatures.get(itemId);
    if (signature) out.push({ kind: "signature", signature });
  } else if (item.type === "function_call") {
    if (!s.calls.has(itemId)) out.push(...startCall(s, item));
    const c = s.calls.get(itemId);
    assert.ok(c, "startCall() records the call it starts");
    if (!c.argsSeen) out.push({ kind: "toolArgs", index: c.index, delta: str(item.arguments) ?? "" });
    c.argsSeen = true;
    out.push({ kind: "toolEnd", index: c.index });
  }
  return out;
}

/** Closes a Responses stream cut off before its terminal event (spec: a 408). */
export function finishResponses(s: ResponsesDecodeState): IrEvent[] {
  if (s.done) return [];
  s.done = true;
  return [{ kind: "error", error: { status: 408, message: "Stream disconnected before completion" } }];
}
