/**
 * The one internal shape every dialect decodes into and encodes from (see hub.ts for why).
 * Requests, whole responses and stream events each have an IR form; dialect files never talk to
 * each other, only to these types.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { isObject } from "../plain-object.js";

/** A JSON object as it arrives on the wire: untrusted and loosely typed. */
export type Json = Record<string, unknown>;

/** One piece of message content. `args` stay a JSON string so fragments and bad JSON survive. */
export type Part =
  | { type: "text"; text: string }
  | { type: "image"; mime?: string; data?: string; url?: string }
  | { type: "file"; mime?: string; data?: string; url?: string; fileId?: string; filename?: string }
  | { type: "thinking"; text: string; signature?: string; redacted?: boolean }
  | { type: "toolCall"; id: string; name: string; args: string; signature?: string }
  | { type: "toolResult"; callId: string; name?: string; content: string | Part[]; isError?: boolean };

/** One conversation turn; system text lives in `IrRequest.system`. */
export interface Message {
  role: "user" | "assistant";
  parts: Part[];
}

/** A function tool; names are kept exactly as the client declared them. */
export interface Tool {
  name: string;
  description?: string;
  schema: Json;
  /** A provider-run web search (Claude `web_search_2025…`, Responses `web_search`): no schema, the provider calls it. */
  webSearch?: { allowedDomains?: string[]; userLocation?: Json };
}

/** Tool choice: a mode or one named function. */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** Thinking control: `level` is none|auto|minimal|low|medium|high|xhigh|max; `budget` in tokens. */
export interface Reasoning {
  level?: string;
  budget?: number;
  includeThoughts?: boolean;
  summary?: string;
}

/** Structured-output request. */
export interface ResponseFormat {
  kind: "text" | "json_object" | "json_schema";
  name?: string;
  schema?: Json;
  strict?: boolean;
}

/** A client request in dialect-neutral form. */
export interface IrRequest {
  model: string;
  system: string[];
  messages: Message[];
  tools: Tool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stop: string[];
  n?: number;
  seed?: number;
  reasoning?: Reasoning;
  responseFormat?: ResponseFormat;
  stream: boolean;
  includeUsage?: boolean;
  user?: string;
  metadata?: Json;
  /** "priority" when the client asked for its provider's fast/priority processing. */
  serviceTier?: string;
}

/** Token counts; `input` includes cached tokens and `output` includes reasoning (translation.md §4.2). */
export interface Usage {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** Why generation ended (translation.md §4.1). */
export type Finish = "end" | "stop_sequence" | "length" | "tool_use" | "filter" | "pause" | "context" | "error";

/** A whole, non-streamed answer. */
export interface IrResponse {
  id?: string;
  parts: Part[]; // text, thinking and toolCall only
  finish: Finish;
  stopSequence?: string;
  usage: Usage;
}

/** A decoded upstream error. */
export interface IrError {
  status: number;
  type?: string;
  code?: string;
  message: string;
}

/** One stream event between an upstream decoder and a client encoder. Tool calls start with id and name known. */
export type IrEvent =
  | { kind: "start"; id?: string }
  | { kind: "text"; text: string }
  | { kind: "thinking"; text: string }
  | { kind: "signature"; signature: string }
  | { kind: "toolStart"; index: number; id: string; name: string; signature?: string; order?: number } // order: the upstream's own index
  | { kind: "toolArgs"; index: number; delta: string }
  | { kind: "toolEnd"; index: number } // only from upstreams that mark a call's end; others end at finish
  | { kind: "usage"; usage: Usage }
  | { kind: "finish"; reason: Finish; stopSequence?: string }
  | { kind: "error"; error: IrError };

/** What both directions of one request may need: the client's own request and model name. */
export interface Ctx {
  requestModel: string;
  clientRequest?: Json;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random id `<prefix><n alphanumerics>`, for ids a dialect requires but the upstream lacks. */
export function newId(prefix: string, n = 24): string {
  const bytes = randomBytes(n);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** `parsed` when the caller already parsed the event's data into an object (#17: parse once), else parseObject(data). */
export function eventObject(data: string, parsed?: unknown): Json | undefined {
  return isObject(parsed) ? parsed : parseObject(data);
}

/** An SSE event's data as a JSON object; undefined for anything else (keep-alive text, bad JSON, arrays). */
export function parseObject(data: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(data);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a value as an array, treating anything else as empty. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Reads a value as a string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Reads a value as a finite number, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Parses tool arguments to an object; anything else becomes `{}` (dialects that need objects reject the rest). */
export function argsObject(args: string): Json {
  try {
    const v: unknown = JSON.parse(args === "" ? "{}" : args);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

/** Splits a `data:` URL into mime and base64 payload. */
export function parseDataUrl(url: string): { mime: string; data: string } | undefined {
  const m = /^data:([^;,]*)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return m ? { mime: m[1] || "application/octet-stream", data: m[2] } : undefined;
}

/** Joins the text parts of tool-result content, as dialects without rich results need. */
export function contentText(content: string | Part[]): string {
  if (typeof content === "string") return content;
  return content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n\n");
}

/**
 * A tool result's content: strings stay, part lists are decoded, and any other JSON value (an object,
 * a number, null, a list of non-parts) is kept as its JSON text — an object is a tool's answer, not nothing.
 */
export function toolResultContent(raw: unknown, decode: (content: unknown) => Part[]): string | Part[] {
  if (typeof raw === "string") return raw;
  if (raw === undefined) return "";
  if (Array.isArray(raw)) {
    const parts = decode(raw);
    if (parts.length > 0 || raw.length === 0) return parts;
  }
  return JSON.stringify(raw);
}

/** Drops undefined values so rendered JSON carries only what is known. */
export function compact<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** Sums two usage records field by field, later non-undefined values winning (streams report in pieces). */
export function mergeUsage(a: Usage, b: Usage): Usage {
  return compact({ ...a, ...compact({ ...b }) } as Json) as Usage;
}

/** Folds an IR event stream into a whole response: the single non-stream path for every dialect. */
export function foldEvents(events: IrEvent[]): IrResponse | IrError {
  const res: IrResponse = { parts: [], finish: "end", usage: {} };
  const calls = new Map<number, Extract<Part, { type: "toolCall" }>>();
  const order = new Map<Part, number>();
  for (const e of events) {
    const last = res.parts[res.parts.length - 1];
    switch (e.kind) {
      case "start":
        res.id = e.id;
        break;
      case "text":
        if (last?.type === "text") last.text += e.text;
        else res.parts.push({ type: "text", text: e.text });
        break;
      case "thinking":
        if (last?.type === "thinking" && last.signature === undefined) last.text += e.text;
        else res.parts.push({ type: "thinking", text: e.text });
        break;
      case "signature":
        if (last?.type === "thinking" && last.signature === undefined) last.signature = e.signature;
        else res.parts.push({ type: "thinking", text: "", signature: e.signature });
        break;
      case "toolStart": {
        const call = { type: "toolCall" as const, id: e.id, name: e.name, args: "", signature: e.signature };
        if (call.signature === undefined) delete call.signature;
        calls.set(e.index, call);
        if (e.order !== undefined) order.set(call, e.order);
        res.parts.push(call);
        break;
      }
      case "toolArgs": {
        const call = calls.get(e.index);
        if (call) call.args += e.delta;
        break;
      }
      case "toolEnd":
        break;
      case "usage":
        res.usage = mergeUsage(res.usage, e.usage);
        break;
      case "finish":
        res.finish = e.reason;
        if (e.stopSequence !== undefined) res.stopSequence = e.stopSequence;
        break;
      case "error":
        return e.error;
    }
  }
  if (calls.size > 0) res.finish = "tool_use";
  // Calls take their slots in the order of the upstream's own index, not the order their first chunk arrived.
  if (order.size > 1) {
    const slots = res.parts.flatMap((p, i) => (order.has(p) ? [i] : []));
    const rank = (p: Part): number => {
      const n = order.get(p);
      assert.ok(n !== undefined, "a slotted call has its upstream index");
      return n;
    };
    const sorted = slots.map((i) => res.parts[i]).sort((a, b) => rank(a) - rank(b));
    slots.forEach((slot, k) => (res.parts[slot] = sorted[k]));
  }
  return res;
}

/** A wire dialect. */
export type Format = "openai-chat" | "openai-responses" | "anthropic" | "gemini";
