/** Gemini responses and `alt=sse` streams ⇄ IR (translation.md §3.5, §3.6, §3.7). */
import type { SseEvent } from "../sse/read.js";
import {
  argsObject,
  arr,
  compact,
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
import { clientToolName } from "./gemini.js";
import { renderError } from "./errors.js";
import { isObject } from "../plain-object.js";

const FROM_GEMINI: Readonly<Record<string, Finish>> = {
  STOP: "end",
  FINISH_REASON_UNSPECIFIED: "end",
  MAX_TOKENS: "length",
  ...Object.fromEntries(
    [
      "SAFETY",
      "RECITATION",
      "BLOCKLIST",
      "PROHIBITED_CONTENT",
      "SPII",
      "IMAGE_SAFETY",
      "IMAGE_PROHIBITED_CONTENT",
      "IMAGE_RECITATION",
    ].map((r) => [r, "filter"]),
  ),
};
const TO_GEMINI: Readonly<Record<Finish, string>> = {
  end: "STOP",
  stop_sequence: "STOP",
  length: "MAX_TOKENS",
  tool_use: "STOP",
  filter: "SAFETY",
  pause: "STOP",
  context: "MAX_TOKENS",
  error: "OTHER",
};

function gemFinish(r: unknown): Finish | undefined {
  return typeof r === "string" ? (FROM_GEMINI[r] ?? "error") : undefined;
}

/** Gemini usageMetadata → IR; output includes thoughts (translation.md §4.2). */
export function decodeGeminiUsage(u: unknown): Usage {
  if (!isObject(u)) return {};
  const cand = num(u.candidatesTokenCount);
  const thoughts = num(u.thoughtsTokenCount);
  return compact({
    input: num(u.promptTokenCount),
    output: cand === undefined && thoughts === undefined ? undefined : (cand ?? 0) + (thoughts ?? 0),
    cacheRead: num(u.cachedContentTokenCount),
    reasoning: thoughts,
  });
}

function encodeGeminiUsage(u: Usage): Json {
  const input = u.input ?? 0;
  const output = u.output ?? 0;
  return compact({
    promptTokenCount: input,
    candidatesTokenCount: output - (u.reasoning ?? 0),
    thoughtsTokenCount: u.reasoning || undefined,
    cachedContentTokenCount: u.cacheRead || undefined,
    totalTokenCount: input + output,
  });
}

// Gemini CLI, Antigravity and Vertex wrap each answer in {"response": …}.
function unwrap(body: Json): Json {
  return isObject(body.response) ? body.response : body;
}

function candidate(body: Json): Json {
  const c = arr(body.candidates)[0];
  return isObject(c) ? c : {};
}

/** Gemini parts → IR parts, in order; ids are left empty for the client encoder to mint in its own style. */
function partsOf(c: Json, ctx: Ctx): Part[] {
  const content = isObject(c.content) ? c.content : {};
  return arr(content.parts).flatMap((p): Part[] => {
    if (!isObject(p)) return [];
    const signature = str(p.thoughtSignature ?? p.thought_signature);
    const fc = p.functionCall ?? p.function_call;
    if (isObject(fc))
      return [
        compact({
          type: "toolCall" as const,
          id: str(fc.id) ?? "",
          name: clientToolName(str(fc.name) ?? "", ctx),
          args: JSON.stringify(fc.args ?? {}),
          signature,
        }),
      ];
    if (typeof p.text === "string" && p.thought === true)
      return [compact({ type: "thinking" as const, text: p.text, signature })];
    const sig: Part[] = signature ? [{ type: "thinking", text: "", signature }] : [];
    return typeof p.text === "string" && p.text !== "" ? [...sig, { type: "text", text: p.text }] : sig;
  });
}

/** Reads a non-stream generateContent response into IR. */
export function decodeGeminiResponse(raw: Json, ctx: Ctx): IrResponse {
  const body = unwrap(raw);
  const c = candidate(body);
  return compact({
    id: str(body.responseId),
    parts: mergeThoughts(partsOf(c, ctx)),
    finish: gemFinish(c.finishReason) ?? "end",
    usage: decodeGeminiUsage(body.usageMetadata),
  });
}

// Gemini splits one thought over several parts and signs only the last: they are one signed thinking block,
// as in a stream (Claude clients would otherwise get unsigned blocks they cannot replay).
function mergeThoughts(parts: Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (
      p.type === "thinking" &&
      last?.type === "thinking" &&
      !last.redacted &&
      !p.redacted &&
      last.signature === undefined
    ) {
      out[out.length - 1] = compact({ type: "thinking" as const, text: last.text + p.text, signature: p.signature });
    } else out.push(p);
  }
  return out;
}

function partJson(p: Part): Json[] {
  if (p.type === "text") return [{ text: p.text }];
  if (p.type === "thinking" && !p.redacted)
    return [compact({ text: p.text, thought: true, thoughtSignature: p.signature })];
  if (p.type === "toolCall")
    return [compact({ functionCall: { name: p.name, args: argsObject(p.args) }, thoughtSignature: p.signature })];
  return [];
}

function chunkJson(parts: Json[], ctx: Ctx, id: string | undefined, extra: Json = {}, cand: Json = {}): Json {
  return compact({
    candidates: [{ content: { role: "model", parts }, ...cand, index: 0 }],
    ...extra,
    modelVersion: ctx.requestModel,
    responseId: id,
  });
}

/** Writes IR as a non-stream generateContent response. */
export function encodeGeminiResponse(res: IrResponse, ctx: Ctx): Json {
  return chunkJson(
    res.parts.flatMap(partJson),
    ctx,
    res.id,
    { usageMetadata: encodeGeminiUsage(res.usage) },
    { finishReason: TO_GEMINI[res.finish] },
  );
}

/** Decoder state for an upstream Gemini stream. */
export interface GeminiDecodeState {
  started: boolean;
  nextCall: number;
  done: boolean;
}

/** Fresh decoder state. */
export function newGeminiDecodeState(): GeminiDecodeState {
  return { started: false, nextCall: 0, done: false };
}

/** One upstream Gemini chunk → IR events; the chunk carrying `finishReason` ends the stream. */
export function decodeGeminiEvent(s: GeminiDecodeState, e: SseEvent, ctx: Ctx, given?: unknown): IrEvent[] {
  if (s.done) return [];
  if (e.data.trim() === "[DONE]") return finishGemini(s);
  const parsed = eventObject(e.data, given);
  if (!parsed) return [];
  const body = unwrap(parsed);
  if (isObject(body.error)) {
    s.done = true;
    return [
      {
        kind: "error",
        error: {
          status: num(body.error.code) ?? 500,
          type: str(body.error.status),
          message: str(body.error.message) ?? "Upstream error",
        },
      },
    ];
  }
  const out: IrEvent[] = [];
  // Usage first: a client's opening event (message_start) then carries the input count it already knows.
  if (isObject(body.usageMetadata)) out.push({ kind: "usage", usage: decodeGeminiUsage(body.usageMetadata) });
  if (!s.started) {
    s.started = true;
    out.push({ kind: "start", id: str(body.responseId) });
  }
  const c = candidate(body);
  for (const p of partsOf(c, ctx)) {
    if (p.type === "text") out.push({ kind: "text", text: p.text });
    else if (p.type === "thinking") {
      if (p.text !== "") out.push({ kind: "thinking", text: p.text });
      if (p.signature) out.push({ kind: "signature", signature: p.signature });
    } else if (p.type === "toolCall") {
      const index = s.nextCall++;
      out.push(compact({ kind: "toolStart" as const, index, id: p.id, name: p.name, signature: p.signature }));
      out.push({ kind: "toolArgs", index, delta: p.args }, { kind: "toolEnd", index });
    }
  }
  const finish = gemFinish(c.finishReason);
  if (finish) {
    s.done = true;
    out.push({ kind: "finish", reason: finish });
  }
  return out;
}

/** Closes a Gemini stream that ended without a `finishReason`. */
export function finishGemini(s: GeminiDecodeState): IrEvent[] {
  if (s.done) return [];
  s.done = true;
  if (!s.started)
    return [
      { kind: "error", error: { status: 502, type: "api_error", message: "Upstream stream ended before completion" } },
    ];
  return [{ kind: "finish", reason: "end" }];
}

/** Encoder state for a Gemini client stream. */
export interface GeminiEncodeState {
  id?: string;
  pendingSignature?: string;
  calls: Array<{ index: number; name: string; args: string; signature?: string }>;
  usage: Usage;
  done: boolean;
}

/** Fresh encoder state. */
export function newGeminiEncodeState(): GeminiEncodeState {
  return { calls: [], usage: {}, done: false };
}

/** One IR event → Gemini client chunks; tool calls are held until complete, as Gemini sends whole calls. */
export function encodeGeminiEvent(s: GeminiEncodeState, e: IrEvent, ctx: Ctx): SseEvent[] {
  if (s.done) return [];
  const chunk = (parts: Json[], extra?: Json, cand?: Json): SseEvent => ({
    data: JSON.stringify(chunkJson(parts, ctx, s.id, extra, cand)),
  });
  const withSig = (p: Json): Json => {
    if (s.pendingSignature !== undefined && p.thoughtSignature === undefined) p.thoughtSignature = s.pendingSignature;
    s.pendingSignature = undefined;
    return p;
  };
  switch (e.kind) {
    case "start":
      s.id ??= e.id;
      return [];
    case "usage":
      s.usage = { ...s.usage, ...e.usage };
      return [];
    case "text":
      return [chunk([withSig({ text: e.text })])];
    case "thinking":
      return [chunk([withSig({ text: e.text, thought: true })])];
    case "signature":
      s.pendingSignature = e.signature;
      return [];
    case "toolStart":
      s.calls.push(compact({ index: e.index, name: e.name, args: "", signature: e.signature }));
      return [];
    case "toolArgs": {
      const call = s.calls.find((c) => c.index === e.index);
      if (call) call.args += e.delta;
      return [];
    }
    case "toolEnd":
      return []; // calls are sent whole at the finish, in call order
    case "finish": {
      s.done = true;
      const parts = s.calls.map((c) =>
        withSig(compact({ functionCall: { name: c.name, args: argsObject(c.args) }, thoughtSignature: c.signature })),
      );
      if (s.pendingSignature !== undefined) parts.push(withSig({ text: "" }));
      return [chunk(parts, { usageMetadata: encodeGeminiUsage(s.usage) }, { finishReason: TO_GEMINI[e.reason] })];
    }
    case "error":
      s.done = true;
      return [{ data: JSON.stringify(renderError("gemini", e.error)) }];
  }
}
