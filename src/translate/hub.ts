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
 * Same-dialect traffic never enters the hub: it is forwarded as is.
 *
 * For callers: pass `clientRequest` in the response/stream options when you have it — without it
 * Chat clients get no usage chunk (include_usage unknown), Gemini-sanitised tool names are not
 * restored, and Responses snapshots echo defaults. A Gemini client's body does not say whether it
 * streams (the URL does), so set `stream` on the translated request yourself. Thrown `HttpError`s
 * (400) mark requests the target dialect cannot express.
 */
import type { SseEvent } from "../sse/read.js";
import { foldEvents, type Ctx, type IrEvent, type IrRequest, type IrResponse, type Json } from "./ir.js";
import { decodeAnthropicRequest, encodeAnthropicRequest } from "./anthropic.js";
import {
  decodeAnthropicResponse, decodeClaudeEvent, encodeAnthropicResponse, encodeClaudeEvent, finishClaude,
  newClaudeDecodeState, newClaudeEncodeState,
} from "./anthropic-stream.js";
import { decodeChatRequest, encodeChatRequest } from "./openai-chat.js";
import {
  decodeChatEvent, decodeChatResponse, encodeChatEvent, encodeChatResponse, finishChat, newChatDecodeState, newChatEncodeState,
} from "./openai-chat-stream.js";
import { decodeGeminiRequest, encodeGeminiRequest } from "./gemini.js";
import {
  decodeGeminiEvent, decodeGeminiResponse, encodeGeminiEvent, encodeGeminiResponse, finishGemini, newGeminiDecodeState, newGeminiEncodeState,
} from "./gemini-stream.js";
import { decodeResponsesRequest, encodeResponsesRequest } from "./openai-responses.js";
import {
  decodeResponsesEvent, decodeResponsesResponse, encodeResponsesEvent, encodeResponsesResponse, finishResponses,
  newResponsesDecodeState, newResponsesEncodeState,
} from "./openai-responses-stream.js";
import { decodeError, renderError } from "./errors.js";
import { parseModelSuffix } from "./thinking.js";

/** A wire dialect. */
export type Format = "openai-chat" | "openai-responses" | "anthropic" | "gemini";

/** Turns upstream SSE events into IR events; `end` runs when the upstream body ends. */
interface Decoder { push(e: SseEvent): IrEvent[]; end(): IrEvent[] }
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
      return { push: (e) => decodeClaudeEvent(s, e), end: () => finishClaude(s, true) };
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
      return { push: (e) => decodeChatEvent(s, e), end: () => finishChat(s, true) };
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
      return { push: (e) => decodeResponsesEvent(s, e), end: () => finishResponses(s) };
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
      return { push: (e) => decodeGeminiEvent(s, e, ctx), end: () => finishGemini(s) };
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
export function canTranslate(from: Format, to: Format): boolean {
  return from === to || (CODECS[from] !== undefined && CODECS[to] !== undefined);
}

/** Client request (in `from`) → upstream request body (in `to`), model set to `model`. */
export function translateRequest(from: Format, to: Format, body: Json, model: string): Json {
  const suffix = parseModelSuffix(model);
  if (from === to) return { ...body, model: suffix.model };
  const ir = codec(from).decodeRequest(body);
  // A thinking suffix on the model name wins over body fields (spec §5.1).
  const reasoning = suffix.reasoning ?? parseModelSuffix(ir.model).reasoning;
  if (reasoning) ir.reasoning = { ...reasoning, includeThoughts: reasoning.level !== "none" && reasoning.budget !== 0 };
  ir.model = suffix.model;
  return codec(to).encodeRequest(ir, suffix.model, from);
}

/** Upstream non-stream response (in `from`) → client response (in `to`). */
export function translateResponse(from: Format, to: Format, body: Json, opts: Ctx): Json {
  if (from === to) return body;
  return codec(to).encodeResponse(codec(from).decodeResponse(body, opts), opts);
}

/** Folds a whole upstream SSE stream (already parsed) into a client non-stream response, for upstreams that only stream. */
export function translateStreamToResponse(from: Format, to: Format, events: SseEvent[], opts: Ctx): Json {
  const dec = codec(from).decoder(opts);
  const folded = foldEvents([...events.flatMap((e) => dec.push(e)), ...dec.end()]);
  if ("status" in folded) return renderError(to, folded);
  return codec(to).encodeResponse(folded, opts);
}

/** Per-stream state machine: upstream SSE event (in `from`) → zero or more client SSE events (in `to`). */
export interface StreamTranslator {
  push(e: SseEvent): SseEvent[];
  /** Closing events if the upstream ended without its terminal event. */
  end(): SseEvent[];
}

/** A fresh stream translator for one response. */
export function createStreamTranslator(from: Format, to: Format, opts: Ctx): StreamTranslator {
  if (from === to) return { push: (e) => [e], end: () => [] };
  const dec = codec(from).decoder(opts);
  const enc = codec(to).encoder(opts);
  return {
    push: (e) => dec.push(e).flatMap(enc),
    end: () => dec.end().flatMap(enc),
  };
}

/** Translates an upstream error body/status into the client's dialect error JSON. */
export function translateError(to: Format, status: number, upstreamBody: string): Json {
  return renderError(to, decodeError(status, upstreamBody));
}
