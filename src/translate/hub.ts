/**
 * Translation between the four client/upstream dialects.
 *
 * Why a hub: pairwise translators (the reference has 27 pairs) drift apart — the same fix lands in
 * one pair only, the same concept gets different spellings. Here every dialect decodes into one
 * internal shape (ir.ts) and encodes from it, so four dialects need four codecs, not twelve
 * translators, and each rule (finish reasons, usage, ids, signatures) lives in one place.
 * The cost is that the IR must carry everything; what it cannot carry is listed in the tests as
 * lossy. Per-request context (`Ctx`: the client's model name and, when given, its original request)
 * goes to the response side for the things only the request knows (tool names, include_usage).
 * Same-dialect traffic never enters the hub: it is forwarded as is. Codex is not a fifth codec but
 * the Responses codec plus a profile (codex.ts): pass "codex" as the upstream and the hub applies it,
 * including for Responses clients, whose events then pass through nearly untouched.
 *
 * For callers: pass `clientRequest` in the response/stream options when you have it — without it
 * Chat clients get no usage chunk (include_usage unknown), Gemini-sanitised tool names are not
 * restored, and Responses snapshots echo defaults. A Gemini client's body does not say whether it
 * streams (the URL does), so set `stream` on the translated request yourself. Thrown `HttpError`s
 * (400) mark requests the target dialect cannot express.
 */
import type { SseEvent } from "../sse/read.js";
import {
  foldEvents,
  type Ctx,
  type Format,
  type IrEvent,
  type IrRequest,
  type IrResponse,
  type Json,
  type Reasoning,
} from "./ir.js";
import { decodeAnthropicRequest, encodeAnthropicRequest } from "./anthropic.js";
import {
  decodeAnthropicResponse,
  decodeClaudeEvent,
  encodeAnthropicResponse,
  encodeClaudeEvent,
  finishClaude,
  newClaudeDecodeState,
  newClaudeEncodeState,
} from "./anthropic-stream.js";
import { decodeChatRequest, encodeChatRequest } from "./openai-chat.js";
import {
  decodeChatEvent,
  decodeChatResponse,
  encodeChatEvent,
  encodeChatResponse,
  finishChat,
  newChatDecodeState,
  newChatEncodeState,
} from "./openai-chat-stream.js";
import { decodeGeminiRequest, encodeGeminiRequest } from "./gemini.js";
import {
  decodeGeminiEvent,
  decodeGeminiResponse,
  encodeGeminiEvent,
  encodeGeminiResponse,
  finishGemini,
  newGeminiDecodeState,
  newGeminiEncodeState,
} from "./gemini-stream.js";
import { decodeResponsesRequest, encodeResponsesRequest } from "./openai-responses.js";
import {
  decodeResponsesEvent,
  decodeResponsesResponse,
  encodeResponsesResponse,
  finishResponses,
  newResponsesDecodeState,
} from "./openai-responses-stream.js";
import { encodeResponsesEvent, newResponsesEncodeState } from "./openai-responses-encode.js";
import { decodeError, renderError } from "./errors.js";
import { normalizeGeminiRequest } from "./gemini-normalize.js";
import { parseModelName } from "./model-suffix.js";
import { newToolOrderState, orderToolEvents } from "./tool-order.js";
import { codexRequest, foldCodexEvents, passCodexEvent, restoreCodexName, type CodexPassState } from "./codex.js";

export { estimateInputTokens } from "./count.js";
import { isObject } from "../plain-object.js";

export type { Format };

/** An upstream's wire: a dialect, or "codex" — Responses with the Codex profile (codex.ts). */
export type Upstream = Format | "codex";

/** The dialect an upstream wire is written in. */
export function wireOf(u: Upstream): Format {
  return u === "codex" ? "openai-responses" : u;
}

/** Turns upstream SSE events into IR events; `end` runs when the upstream body ends. */
interface Decoder {
  /** `parsed`: the event's data already parsed by the caller, when at hand. */
  push(e: SseEvent, parsed?: unknown): IrEvent[];
  end(): IrEvent[];
}
/** Turns IR events into client SSE events. */
type Encoder = (e: IrEvent) => SseEvent[];

interface Codec {
  decodeRequest(body: Json): IrRequest;
  encodeRequest(ir: IrRequest, model: string, from: Format): Json;
  decodeResponse(body: Json, ctx: Ctx): IrResponse;
  encodeResponse(res: IrResponse, ctx: Ctx): Json;
  decoder(ctx: Ctx): Decoder;
  encoder(ctx: Ctx): Encoder;
}

const CODECS: Record<Format, Codec> = {
  anthropic: {
    decodeRequest: decodeAnthropicRequest,
    encodeRequest: (ir, model) => encodeAnthropicRequest(ir, model),
    decodeResponse: decodeAnthropicResponse,
    encodeResponse: encodeAnthropicResponse,
    decoder: () => {
      const s = newClaudeDecodeState();
      return { push: (e, p) => decodeClaudeEvent(s, e, p), end: () => finishClaude(s, true) };
    },
    encoder: (ctx) => {
      const s = newClaudeEncodeState();
      return (e) => encodeClaudeEvent(s, e, ctx);
    },
  },
  "openai-chat": {
    decodeRequest: decodeChatRequest,
    // Claude clients send one stop as a list; Chat upstreams get it back as a string (reference behaviour).
    encodeRequest: (ir, model, from) => encodeChatRequest(ir, model, from === "anthropic"),
    decodeResponse: decodeChatResponse,
    encodeResponse: encodeChatResponse,
    decoder: () => {
      const s = newChatDecodeState();
      return { push: (e, p) => decodeChatEvent(s, e, p), end: () => finishChat(s, true) };
    },
    encoder: (ctx) => {
      const s = newChatEncodeState();
      return (e) => encodeChatEvent(s, e, ctx);
    },
  },
  "openai-responses": {
    decodeRequest: decodeResponsesRequest,
    encodeRequest: (ir, model) => encodeResponsesRequest(ir, model),
    decodeResponse: decodeResponsesResponse,
    encodeResponse: encodeResponsesResponse,
    decoder: () => {
      const s = newResponsesDecodeState();
      return { push: (e, p) => decodeResponsesEvent(s, e, p), end: () => finishResponses(s) };
    },
    encoder: (ctx) => {
      const s = newResponsesEncodeState();
      return (e) => encodeResponsesEvent(s, e, ctx);
    },
  },
  gemini: {
    decodeRequest: decodeGeminiRequest,
    encodeRequest: (ir, model) => encodeGeminiRequest(ir, model),
    decodeResponse: decodeGeminiResponse,
    encodeResponse: encodeGeminiResponse,
    decoder: (ctx) => {
      const s = newGeminiDecodeState();
      return { push: (e, p) => decodeGeminiEvent(s, e, ctx, p), end: () => finishGemini(s) };
    },
    encoder: (ctx) => {
      const s = newGeminiEncodeState();
      return (e) => encodeGeminiEvent(s, e, ctx);
    },
  },
};

function codec(f: Format): Codec {
  const c = CODECS[f] as Codec | undefined;
  if (!c) throw new Error(`Cannot translate "${String(f)}": no codec`);
  return c;
}

/** Whether requests from `from` clients can be served by a `to` upstream. */
export function canTranslate(from: Format, to: Upstream): boolean {
  const wire = wireOf(to);
  return from === wire || (CODECS[from] !== undefined && CODECS[wire] !== undefined);
}

/** Options for translateRequest. */
export interface RequestOptions {
  /** Whether the client streams; needed for Gemini clients, whose body cannot say (the URL does). */
  stream?: boolean;
}

/** Client request (in `from`) → upstream request body (in `to`), model set to `model`. */
export function translateRequest(
  from: Format,
  to: Upstream,
  body: Json,
  model: string,
  opts: RequestOptions = {},
): Json {
  if (to === "codex") return codexRequest(translateRequest(from, "openai-responses", body, model, opts));
  const suffix = parseModelName(model);
  if (from === "gemini" && to === "gemini") body = normalizeGeminiRequest(body) ?? body;
  if (from === to)
    return suffix.reasoning
      ? withReasoning(from, body, suffix.reasoning, suffix.base)
      : { ...body, model: suffix.base };
  const ir = codec(from).decodeRequest(body);
  // A thinking suffix on the model name wins over body fields (translation.md §5.1).
  const reasoning = suffix.reasoning ?? parseModelName(ir.model).reasoning;
  if (reasoning) ir.reasoning = { ...reasoning, includeThoughts: reasoning.level !== "none" && reasoning.budget !== 0 };
  ir.model = suffix.base;
  if (opts.stream !== undefined) ir.stream = opts.stream;
  return codec(to).encodeRequest(ir, suffix.base, from);
}

// The thinking fields each dialect has; only these change when a suffix applies to a same-dialect body.
const THINKING_KEYS: Record<Format, string[]> = {
  anthropic: ["thinking", "max_tokens", "temperature", "top_p", "top_k"],
  "openai-chat": ["reasoning_effort"],
  "openai-responses": ["reasoning"],
  gemini: [],
};

/**
 * A same-dialect body with a model-name thinking suffix applied (translation.md §5.1; scenario S36: `model(8192)`
 * becomes the budget, body fields ignored): everything else is kept as the client sent it; the thinking fields are what
 * the dialect's encoder writes for them.
 */
function withReasoning(f: Format, body: Json, reasoning: Reasoning, model: string): Json {
  const ir = codec(f).decodeRequest(body);
  ir.reasoning = { ...reasoning, includeThoughts: reasoning.level !== "none" && reasoning.budget !== 0 };
  const encoded = codec(f).encodeRequest(ir, model, f);
  const out: Json = f === "gemini" ? { ...body } : { ...body, model };
  for (const k of THINKING_KEYS[f]) {
    if (encoded[k] === undefined) delete out[k];
    else out[k] = encoded[k];
  }
  if (f === "openai-responses" && isObject(body.reasoning) && body.reasoning.summary !== undefined) {
    out.reasoning = { ...(out.reasoning as Json), summary: body.reasoning.summary }; // the suffix sets the effort only
  }
  if (f === "anthropic") {
    // output_config also carries structured-output settings: only its effort is the suffix's to set.
    const { effort: _old, ...rest } = (isObject(body.output_config) ? body.output_config : {}) as Json;
    const effort = isObject(encoded.output_config) ? encoded.output_config.effort : undefined;
    const merged = effort === undefined ? rest : { ...rest, effort };
    if (Object.keys(merged).length > 0) out.output_config = merged;
    else delete out.output_config;
  }
  if (f === "gemini") {
    const gc = (encoded.generationConfig ?? {}) as Json;
    const current = (body.generationConfig ?? body.generation_config ?? {}) as Json;
    const { thinking_config: _snake, thinkingConfig: _camel, ...rest } = current;
    out.generationConfig = { ...rest, thinkingConfig: gc.thinkingConfig };
    delete out.generation_config;
  }
  return out;
}

/** Upstream non-stream response (in `from`) → client response (in `to`). */
export function translateResponse(from: Upstream, to: Format, body: Json, opts: Ctx): Json {
  if (from === to) return body;
  const ir = codec(wireOf(from)).decodeResponse(body, opts);
  if (from === "codex") for (const p of ir.parts) if (p.type === "toolCall") p.name = restoreCodexName(p.name, opts);
  return codec(to).encodeResponse(ir, opts);
}

/**
 * Folds a whole upstream SSE stream (already parsed) into a client non-stream response, for upstreams
 * that only stream. Undefined when a Codex stream never completed (the caller's 408).
 */
export function translateStreamToResponse(from: Upstream, to: Format, events: SseEvent[], opts: Ctx): Json | undefined {
  if (from === "codex" && to === "openai-responses") return foldCodexEvents(events, opts);
  const dec = decoder(from, opts);
  const folded = foldEvents([...events.flatMap((e) => dec.push(e)), ...dec.end()]);
  if ("status" in folded) return renderError(to, folded);
  return codec(to).encodeResponse(folded, opts);
}

// Codex answers with the shortened tool names it was sent; clients get the names they declared.
function decoder(from: Upstream, opts: Ctx): Decoder {
  const dec = codec(wireOf(from)).decoder(opts);
  if (from !== "codex") return dec;
  const restore = (events: IrEvent[]) =>
    events.map((e) => (e.kind === "toolStart" ? { ...e, name: restoreCodexName(e.name, opts) } : e));
  return { push: (e, p) => restore(dec.push(e, p)), end: () => restore(dec.end()) };
}

/** Per-stream state machine: upstream SSE event (in `from`) → zero or more client SSE events (in `to`). */
export interface StreamTranslator {
  /** `parsed`: the event's data as the caller already parsed it (any value; only an object is used). */
  push(e: SseEvent, parsed?: unknown): SseEvent[];
  /** Closing events if the upstream ended without its terminal event. */
  end(): SseEvent[];
}

/** A fresh stream translator for one response. */
export function createStreamTranslator(from: Upstream, to: Format, opts: Ctx): StreamTranslator {
  if (from === to) return { push: (e) => [e], end: () => [] };
  if (from === "codex" && to === "openai-responses") {
    const s: CodexPassState = { items: [] };
    return { push: (e, p) => [passCodexEvent(s, e, opts, p)], end: () => [] };
  }
  const dec = decoder(from, opts);
  const enc = codec(to).encoder(opts);
  // Claude blocks and Responses items cannot interleave, so parallel calls are put one after another.
  const order = to === "anthropic" || to === "openai-responses" ? newToolOrderState() : undefined;
  const encode = (e: IrEvent) => (order ? orderToolEvents(order, e).flatMap(enc) : enc(e));
  return {
    push: (e, p) => dec.push(e, p).flatMap(encode),
    end: () => dec.end().flatMap(encode),
  };
}

/** Translates an upstream error body/status into the client's dialect error JSON. */
export function translateError(to: Format, status: number, upstreamBody: string): Json {
  return renderError(to, decodeError(status, upstreamBody));
}
