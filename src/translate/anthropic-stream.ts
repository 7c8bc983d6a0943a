/** Anthropic Messages responses and streams ⇄ IR (translation.md §3.2, §3.6, §3.7). */
import assert from "node:assert/strict";
import type { SseEvent } from "../sse/read.js";
import {
  argsObject,
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
import { claudeToolId } from "./anthropic.js";
import { anthropicErrorType } from "../errors.js";
import { REDACTED_PREFIX } from "./thinking.js";
import { isObject } from "../plain-object.js";

const FROM_CLAUDE: Readonly<Record<string, Finish>> = {
  end_turn: "end",
  stop_sequence: "stop_sequence",
  max_tokens: "length",
  tool_use: "tool_use",
  refusal: "filter",
  sensitive: "filter",
  pause_turn: "pause",
  model_context_window_exceeded: "context",
};
const TO_CLAUDE: Readonly<Record<Finish, string>> = {
  end: "end_turn",
  stop_sequence: "stop_sequence",
  length: "max_tokens",
  tool_use: "tool_use",
  filter: "refusal",
  pause: "pause_turn",
  context: "model_context_window_exceeded",
  error: "end_turn",
};

/** Claude usage → IR; only the fields present are set, so stream pieces merge. */
export function decodeClaudeUsage(u: unknown): Usage {
  if (!isObject(u)) return {};
  const inp = num(u.input_tokens);
  const read = num(u.cache_read_input_tokens);
  const write = num(u.cache_creation_input_tokens);
  const details = isObject(u.output_tokens_details) ? u.output_tokens_details : {};
  return compact({
    input: inp === undefined ? undefined : inp + (read ?? 0) + (write ?? 0),
    output: num(u.output_tokens),
    cacheRead: read,
    cacheWrite: write,
    reasoning: num(details.thinking_tokens),
  });
}

/** IR usage → Claude input fields (Claude counts cached tokens apart from `input_tokens`). */
function claudeInput(u: Usage): Json {
  const out: Json = { input_tokens: Math.max(0, (u.input ?? 0) - (u.cacheRead ?? 0) - (u.cacheWrite ?? 0)) };
  if (u.cacheWrite) out.cache_creation_input_tokens = u.cacheWrite;
  if (u.cacheRead) out.cache_read_input_tokens = u.cacheRead;
  return out;
}

function messageId(id: string | undefined): string {
  return id?.startsWith("msg_") ? id : newId("msg_");
}

/** Reads a non-stream Messages response into IR. */
export function decodeAnthropicResponse(body: Json): IrResponse {
  const parts: Part[] = arr(body.content).flatMap((b): Part[] => {
    if (!isObject(b)) return [];
    if (b.type === "text") return [{ type: "text", text: str(b.text) ?? "" }];
    if (b.type === "thinking")
      return [compact({ type: "thinking" as const, text: str(b.thinking) ?? "", signature: str(b.signature) })];
    if (b.type === "redacted_thinking") return [{ type: "thinking", text: str(b.data) ?? "", redacted: true }];
    if (b.type === "tool_use")
      return [{ type: "toolCall", id: str(b.id) ?? "", name: str(b.name) ?? "", args: JSON.stringify(b.input ?? {}) }];
    return [];
  });
  return compact({
    id: str(body.id),
    parts,
    finish: FROM_CLAUDE[str(body.stop_reason) ?? ""] ?? "end",
    stopSequence: str(body.stop_sequence),
    usage: decodeClaudeUsage(body.usage),
  });
}

/** Writes IR as a non-stream Messages response. */
export function encodeAnthropicResponse(res: IrResponse, ctx: Ctx): Json {
  const content = res.parts.flatMap((p): Json[] => {
    if (p.type === "text") return [{ type: "text", text: p.text }];
    if (p.type === "thinking")
      return [
        p.redacted
          ? { type: "redacted_thinking", data: p.text }
          : { type: "thinking", thinking: p.text, signature: p.signature ?? "" },
      ];
    if (p.type === "toolCall")
      return [{ type: "tool_use", id: claudeToolId(p.id), name: p.name, input: argsObject(p.args) }];
    return [];
  });
  const finish = res.parts.some((p) => p.type === "toolCall") ? "tool_use" : res.finish;
  return {
    id: messageId(res.id),
    type: "message",
    role: "assistant",
    model: ctx.requestModel,
    content,
    stop_reason: TO_CLAUDE[finish],
    stop_sequence: res.stopSequence ?? null,
    usage: { ...claudeInput(res.usage), output_tokens: res.usage.output ?? 0 },
  };
}

/** Decoder state for an upstream Claude stream. */
export interface ClaudeDecodeState {
  calls: Map<number, number>; // block index → IR call index
  nextCall: number;
  finish?: Finish;
  stopSequence?: string;
  done: boolean;
}

/** Fresh decoder state. */
export function newClaudeDecodeState(): ClaudeDecodeState {
  return { calls: new Map(), nextCall: 0, done: false };
}

/** One upstream Claude event → IR events. */
export function decodeClaudeEvent(s: ClaudeDecodeState, e: SseEvent, parsed?: unknown): IrEvent[] {
  const d = eventObject(e.data, parsed);
  if (!d) return [];
  const type = str(d.type) ?? e.event;
  const index = num(d.index) ?? 0;
  switch (type) {
    case "message_start": {
      const m = isObject(d.message) ? d.message : {};
      return [
        { kind: "usage", usage: decodeClaudeUsage(m.usage) },
        { kind: "start", id: str(m.id) },
      ];
    }
    case "content_block_start": {
      const b = isObject(d.content_block) ? d.content_block : {};
      if (b.type === "text" && str(b.text)) return [{ kind: "text", text: b.text as string }];
      if (b.type === "thinking" && str(b.thinking)) return [{ kind: "thinking", text: b.thinking as string }];
      // Redacted thinking travels as a marked signature, so a Responses client can hand it back (REDACTED_PREFIX).
      if (b.type === "redacted_thinking" && str(b.data))
        return [{ kind: "signature", signature: `${REDACTED_PREFIX}${b.data as string}` }];
      if (b.type !== "tool_use") return [];
      const call = s.nextCall++;
      s.calls.set(index, call);
      const out: IrEvent[] = [
        { kind: "toolStart", index: call, id: str(b.id) ?? newId("toolu_"), name: str(b.name) ?? "" },
      ];
      if (isObject(b.input) && Object.keys(b.input).length > 0)
        out.push({ kind: "toolArgs", index: call, delta: JSON.stringify(b.input) });
      return out;
    }
    case "content_block_delta": {
      const delta = isObject(d.delta) ? d.delta : {};
      if (delta.type === "text_delta") return [{ kind: "text", text: str(delta.text) ?? "" }];
      if (delta.type === "thinking_delta") return [{ kind: "thinking", text: str(delta.thinking) ?? "" }];
      if (delta.type === "signature_delta") return [{ kind: "signature", signature: str(delta.signature) ?? "" }];
      const call = s.calls.get(index);
      if (delta.type === "input_json_delta" && call !== undefined)
        return [{ kind: "toolArgs", index: call, delta: str(delta.partial_json) ?? "" }];
      return [];
    }
    case "content_block_stop": {
      const call = s.calls.get(index);
      return call === undefined ? [] : [{ kind: "toolEnd", index: call }];
    }
    case "message_delta": {
      const delta = isObject(d.delta) ? d.delta : {};
      if (typeof delta.stop_reason === "string") s.finish = FROM_CLAUDE[delta.stop_reason] ?? "end";
      if (typeof delta.stop_sequence === "string") s.stopSequence = delta.stop_sequence;
      return isObject(d.usage) ? [{ kind: "usage", usage: decodeClaudeUsage(d.usage) }] : [];
    }
    case "message_stop":
      return finishClaude(s);
    case "error": {
      s.done = true;
      const err = isObject(d.error) ? d.error : {};
      return [
        { kind: "error", error: { status: 500, type: str(err.type), message: str(err.message) ?? "Upstream error" } },
      ];
    }
    default:
      return []; // ping; text and thinking blocks close when the next one starts
  }
}

/** Closes a Claude stream: finish if one was announced, else an error (the upstream was cut off). */
export function finishClaude(s: ClaudeDecodeState, eof = false): IrEvent[] {
  if (s.done) return [];
  s.done = true;
  if (eof && s.finish === undefined)
    return [
      { kind: "error", error: { status: 502, type: "api_error", message: "Upstream stream ended before completion" } },
    ];
  return [compact({ kind: "finish" as const, reason: s.finish ?? "end", stopSequence: s.stopSequence })];
}

/** Encoder state for a Claude client stream. */
export interface ClaudeEncodeState {
  id?: string;
  started: boolean;
  nextIndex: number;
  open?: { kind: "text" | "thinking" | "tool"; index: number; callIndex?: number };
  usage: Usage;
  inputSent: boolean;
  toolSeen: boolean;
  done: boolean;
}

/** Fresh encoder state. */
export function newClaudeEncodeState(): ClaudeEncodeState {
  return { started: false, nextIndex: 0, usage: {}, inputSent: false, toolSeen: false, done: false };
}

function ev(event: string, data: Json): SseEvent {
  return { event, data: JSON.stringify({ type: event, ...data }) };
}

/** One IR event → Claude client events. */
export function encodeClaudeEvent(s: ClaudeEncodeState, e: IrEvent, ctx: Ctx): SseEvent[] {
  if (s.done) return [];
  if (e.kind === "start") s.id ??= e.id;
  if (e.kind === "usage") return (void (s.usage = { ...s.usage, ...e.usage }), []);
  const out: SseEvent[] = [];
  // message_start goes out when the upstream's stream starts, not with the first content: time to first
  // event is then the proxy's, not the model's (input usage then comes with message_delta).
  if (!s.started && e.kind !== "error") {
    s.started = true;
    s.inputSent = s.usage.input !== undefined;
    const message = {
      id: messageId(s.id),
      type: "message",
      role: "assistant",
      model: ctx.requestModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...claudeInput(s.usage), output_tokens: s.usage.output ?? 0 },
    };
    out.push(ev("message_start", { message }));
  }
  const close = () => {
    if (s.open) out.push(ev("content_block_stop", { index: s.open.index }));
    s.open = undefined;
  };
  const open = (kind: "text" | "thinking" | "tool", block: Json, callIndex?: number) => {
    close();
    s.open = { kind, index: s.nextIndex++, callIndex };
    out.push(ev("content_block_start", { index: s.open.index, content_block: block }));
  };
  const delta = (d: Json) => {
    assert.ok(s.open, "a delta goes to the block just opened");
    out.push(ev("content_block_delta", { index: s.open.index, delta: d }));
  };
  switch (e.kind) {
    case "text":
      if (s.open?.kind !== "text") open("text", { type: "text", text: "" });
      delta({ type: "text_delta", text: e.text });
      break;
    case "thinking":
      if (s.open?.kind !== "thinking") open("thinking", { type: "thinking", thinking: "", signature: "" });
      delta({ type: "thinking_delta", thinking: e.text });
      break;
    case "signature":
      if (s.open?.kind !== "thinking") open("thinking", { type: "thinking", thinking: "", signature: "" });
      delta({ type: "signature_delta", signature: e.signature });
      close(); // a signature ends its thinking block
      break;
    case "toolStart":
      s.toolSeen = true;
      open("tool", { type: "tool_use", id: claudeToolId(e.id), name: e.name, input: {} }, e.index);
      break;
    case "toolArgs":
      if (s.open?.callIndex === e.index && e.delta !== "") delta({ type: "input_json_delta", partial_json: e.delta });
      break;
    case "toolEnd":
      if (s.open?.callIndex === e.index) close();
      break;
    case "finish": {
      close();
      s.done = true;
      const usage: Json = { output_tokens: s.usage.output ?? 0 };
      if (!s.inputSent && s.usage.input !== undefined) Object.assign(usage, claudeInput(s.usage));
      const reason = s.toolSeen ? "tool_use" : TO_CLAUDE[e.reason];
      out.push(ev("message_delta", { delta: { stop_reason: reason, stop_sequence: e.stopSequence ?? null }, usage }));
      out.push(ev("message_stop", {}));
      break;
    }
    case "error":
      s.done = true;
      out.push(
        ev("error", { error: { type: anthropicErrorType(e.error.status, e.error.type), message: e.error.message } }),
      );
      break;
  }
  return out;
}
