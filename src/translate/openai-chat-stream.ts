/** OpenAI Chat Completions responses and streams ⇄ IR (translation.md §3.3, §3.6, §3.7). */
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
import { classifySignature } from "./thinking.js";
import { renderError } from "./errors.js";
import { isObject } from "../plain-object.js";

const FROM_CHAT: Readonly<Record<string, Finish>> = {
  stop: "end",
  length: "length",
  tool_calls: "tool_use",
  function_call: "tool_use",
  content_filter: "filter",
};
const TO_CHAT: Readonly<Record<Finish, string>> = {
  end: "stop",
  stop_sequence: "stop",
  length: "length",
  tool_use: "tool_calls",
  filter: "content_filter",
  pause: "stop",
  context: "length",
  error: "stop",
};

/** Chat usage → IR. */
export function decodeChatUsage(u: unknown): Usage {
  if (!isObject(u)) return {};
  const pd = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const cd = isObject(u.completion_tokens_details) ? u.completion_tokens_details : {};
  return compact({
    input: num(u.prompt_tokens),
    output: num(u.completion_tokens),
    cacheRead: num(pd.cached_tokens),
    cacheWrite: num(pd.cache_write_tokens),
    reasoning: num(cd.reasoning_tokens),
  });
}

/** IR usage → Chat usage; detail objects appear only when their counts are known. */
export function encodeChatUsage(u: Usage): Json {
  const out: Json = {
    prompt_tokens: u.input ?? 0,
    completion_tokens: u.output ?? 0,
    total_tokens: (u.input ?? 0) + (u.output ?? 0),
  };
  if (u.cacheRead !== undefined || u.cacheWrite !== undefined) {
    out.prompt_tokens_details = compact({ cached_tokens: u.cacheRead ?? 0, cache_write_tokens: u.cacheWrite });
  }
  if (u.reasoning !== undefined) out.completion_tokens_details = { reasoning_tokens: u.reasoning };
  return out;
}

// reasoning_content arrives as a string, an array of strings, or objects with `text` depending on the upstream.
function reasoningText(v: unknown): string {
  if (typeof v === "string") return v;
  return arr(v)
    .map((x) => (typeof x === "string" ? x : isObject(x) ? (str(x.text) ?? "") : ""))
    .join("");
}

/** Reads a non-stream Chat response into IR. */
export function decodeChatResponse(body: Json): IrResponse {
  const choice = isObject(arr(body.choices)[0]) ? (arr(body.choices)[0] as Json) : {};
  const m = isObject(choice.message) ? choice.message : {};
  const parts: Part[] = [];
  const thinking = reasoningText(m.reasoning_content ?? m.reasoning);
  if (thinking) parts.push({ type: "thinking", text: thinking });
  if (typeof m.content === "string" && m.content !== "") parts.push({ type: "text", text: m.content });
  for (const c of arr(m.tool_calls)) {
    if (!isObject(c) || !isObject(c.function)) continue;
    const args = c.function.arguments;
    parts.push({
      type: "toolCall",
      id: str(c.id) ?? "",
      name: str(c.function.name) ?? "",
      args: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    });
  }
  const hasCalls = parts.some((p) => p.type === "toolCall");
  const finish = FROM_CHAT[str(choice.finish_reason) ?? ""] ?? "end";
  return compact({
    id: str(body.id),
    parts,
    finish: finish === "tool_use" && !hasCalls ? "end" : finish,
    usage: decodeChatUsage(body.usage),
  });
}

function chatId(id: string | undefined): string {
  return id ?? newId("chatcmpl-");
}

function toolCallJson(p: { id: string; name: string; args: string; signature?: string }, extra: Json = {}): Json {
  const call: Json = {
    ...extra,
    id: p.id || newId("call_"),
    type: "function",
    function: { name: p.name, arguments: p.args },
  };
  const sig = p.signature && classifySignature(p.signature);
  if (sig && sig.origin === "gemini") call.extra_content = { google: { thought_signature: sig.value } };
  return call;
}

/** Writes IR as a non-stream `chat.completion`. */
export function encodeChatResponse(res: IrResponse, ctx: Ctx): Json {
  const text = res.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
  const thinking = res.parts.flatMap((p) => (p.type === "thinking" && !p.redacted ? [p.text] : [])).join("");
  const calls = res.parts.flatMap((p) => (p.type === "toolCall" ? [toolCallJson(p)] : []));
  const message: Json = { role: "assistant", content: text === "" && calls.length > 0 ? null : text, refusal: null };
  if (thinking !== "") message.reasoning_content = thinking;
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: chatId(res.id),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: ctx.requestModel,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: calls.length > 0 ? "tool_calls" : TO_CHAT[res.finish] },
    ],
    usage: encodeChatUsage(res.usage),
  };
}

/** Decoder state for an upstream Chat stream. */
export interface ChatDecodeState {
  started: boolean;
  calls: Map<number, { id?: string; name?: string; pending: string; irIndex?: number; key: number }>;
  nextCall: number;
  finish?: Finish;
  done: boolean;
}

/** Fresh decoder state. */
export function newChatDecodeState(): ChatDecodeState {
  return { started: false, calls: new Map(), nextCall: 0, done: false };
}

/** One upstream Chat chunk → IR events; `[DONE]` closes. */
export function decodeChatEvent(s: ChatDecodeState, e: SseEvent, parsed?: unknown): IrEvent[] {
  if (e.data.trim() === "[DONE]") return finishChat(s);
  const d = eventObject(e.data, parsed);
  if (!d) return [];
  if (isObject(d.error)) {
    s.done = true;
    return [
      {
        kind: "error",
        error: {
          status: num(d.error.code) ?? 500,
          type: str(d.error.type),
          message: str(d.error.message) ?? "Upstream error",
        },
      },
    ];
  }
  const out: IrEvent[] = [];
  if (!s.started) {
    s.started = true;
    out.push({ kind: "start", id: str(d.id) });
  }
  const choice = isObject(arr(d.choices)[0]) ? (arr(d.choices)[0] as Json) : undefined;
  const delta = choice && isObject(choice.delta) ? choice.delta : {};
  const thinking = reasoningText(delta.reasoning_content ?? delta.reasoning);
  if (thinking) out.push({ kind: "thinking", text: thinking });
  if (typeof delta.content === "string" && delta.content !== "") out.push({ kind: "text", text: delta.content });
  for (const t of arr(delta.tool_calls)) if (isObject(t)) out.push(...decodeToolDelta(s, t));
  if (choice && typeof choice.finish_reason === "string") s.finish = FROM_CHAT[choice.finish_reason] ?? "end";
  if (isObject(d.usage)) out.push({ kind: "usage", usage: decodeChatUsage(d.usage) });
  return out;
}

// id and name may arrive in different chunks (and repeat): a call starts once both are known.
function decodeToolDelta(s: ChatDecodeState, t: Json): IrEvent[] {
  const key = num(t.index) ?? 0;
  let c = s.calls.get(key);
  if (!c) s.calls.set(key, (c = { pending: "", key }));
  const f = isObject(t.function) ? t.function : {};
  if (c.id === undefined && str(t.id)) c.id = t.id as string;
  if (c.name === undefined && str(f.name)) c.name = f.name as string;
  const args = str(f.arguments) ?? "";
  if (c.irIndex !== undefined) return args === "" ? [] : [{ kind: "toolArgs", index: c.irIndex, delta: args }];
  c.pending += args;
  return c.id !== undefined && c.name !== undefined ? startCall(s, c) : [];
}

function startCall(
  s: ChatDecodeState,
  c: { id?: string; name?: string; pending: string; irIndex?: number; key: number },
): IrEvent[] {
  c.irIndex = s.nextCall++;
  // An id the upstream never sent is made by the client's encoder, with its dialect's prefix (toolu_ for Claude).
  const out: IrEvent[] = [{ kind: "toolStart", index: c.irIndex, id: c.id ?? "", name: c.name ?? "", order: c.key }];
  if (c.pending !== "") out.push({ kind: "toolArgs", index: c.irIndex, delta: c.pending });
  c.pending = "";
  return out;
}

/** Closes a Chat stream at `[DONE]` or end of body; a call never given an id gets one now. */
export function finishChat(s: ChatDecodeState, eof = false): IrEvent[] {
  if (s.done) return [];
  s.done = true;
  const out: IrEvent[] = [];
  for (const c of s.calls.values()) if (c.irIndex === undefined && c.name !== undefined) out.push(...startCall(s, c));
  if (eof && s.finish === undefined && !s.started)
    return [
      { kind: "error", error: { status: 502, type: "api_error", message: "Upstream stream ended before completion" } },
    ];
  let reason = s.finish ?? "end";
  if (reason === "tool_use" && s.nextCall === 0) reason = "end"; // "tool_calls" with no call announced
  out.push({ kind: "finish", reason });
  return out;
}

/** Encoder state for a Chat client stream. */
export interface ChatEncodeState {
  id?: string;
  created: number;
  roleSent: boolean;
  toolIndex: Map<number, number>;
  usage: Usage;
  toolSeen: boolean;
  done: boolean;
  /** `{"id":…,"object":…,"created":…,"model":…` without its closing brace, once the id is known. */
  head?: string;
}

/** Fresh encoder state. */
export function newChatEncodeState(): ChatEncodeState {
  return {
    created: Math.floor(Date.now() / 1000),
    roleSent: false,
    toolIndex: new Map(),
    usage: {},
    toolSeen: false,
    done: false,
  };
}

/** One IR event → Chat client chunks (`[DONE]` after the finish). */
export function encodeChatEvent(s: ChatEncodeState, e: IrEvent, ctx: Ctx): SseEvent[] {
  if (s.done) return [];
  if (e.kind === "start") s.id ??= e.id;
  if (e.kind === "usage") return (void (s.usage = { ...s.usage, ...e.usage }), []);
  if (e.kind === "error") {
    s.done = true;
    return [{ data: JSON.stringify(renderError("openai-chat", e.error)) }];
  }
  s.id ??= chatId(undefined);
  // The members every chunk repeats are serialised once per stream (#17); the bytes are JSON.stringify's.
  s.head ??= JSON.stringify({
    id: s.id,
    object: "chat.completion.chunk",
    created: s.created,
    model: ctx.requestModel,
  }).slice(0, -1);
  const chunk = (choices: Json[], extra?: Json): SseEvent => {
    const more = extra ? JSON.stringify(extra).slice(1, -1) : "";
    return { data: `${s.head},"choices":${JSON.stringify(choices)}${more ? `,${more}` : ""}}` };
  };
  const delta = (d: Json, finish: string | null = null) => chunk([{ index: 0, delta: d, finish_reason: finish }]);
  const out: SseEvent[] = [];
  // The role chunk goes out as soon as the upstream's stream starts (see encodeClaudeEvent).
  if (!s.roleSent) {
    s.roleSent = true;
    out.push(delta({ role: "assistant", content: "" }));
  }
  switch (e.kind) {
    case "text":
      out.push(delta({ content: e.text }));
      break;
    case "thinking":
      out.push(delta({ reasoning_content: e.text }));
      break;
    case "signature":
      break; // Chat has no field for thinking signatures
    case "toolStart": {
      s.toolSeen = true;
      const index = s.toolIndex.size;
      s.toolIndex.set(e.index, index);
      out.push(
        delta({ tool_calls: [toolCallJson({ id: e.id, name: e.name, args: "", signature: e.signature }, { index })] }),
      );
      break;
    }
    case "toolArgs": {
      const index = s.toolIndex.get(e.index);
      if (index !== undefined && e.delta !== "")
        out.push(delta({ tool_calls: [{ index, function: { arguments: e.delta } }] }));
      break;
    }
    case "toolEnd":
      break; // Chat calls carry their own index, so they need no closing
    case "finish":
      s.done = true;
      out.push(delta({}, s.toolSeen ? "tool_calls" : TO_CHAT[e.reason]));
      // Clients that did not ask for usage may not expect a chunk with empty choices.
      if (isObject(ctx.clientRequest?.stream_options) && ctx.clientRequest.stream_options.include_usage === true) {
        out.push(chunk([], { usage: encodeChatUsage(s.usage) }));
      }
      out.push({ data: "[DONE]" });
      break;
  }
  return out;
}
