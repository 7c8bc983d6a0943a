/** Shared helpers for provider tests: client requests with the test key, SSE fakes, config builders. */
import type { ServerResponse } from "node:http";
import { providerKey, type OpenAICompat, type ProviderKey } from "../../src/config/schema.js";

/** The client key every provider test configures. */
export const CLIENT_KEY = "sk-client";

/** POSTs JSON to the proxy with the client key. */
export function post(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** GETs from the proxy with the client key. */
export function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, { headers: { authorization: `Bearer ${CLIENT_KEY}`, ...headers } });
}

/** A provider key pointing at a fake. */
export function key(apiKey: string, baseUrl: string, fields: Partial<ProviderKey> = {}): ProviderKey {
  return providerKey(apiKey, { baseUrl, ...fields });
}

/** An openai-compatibility entry pointing at a fake. */
export function compat(
  name: string,
  baseUrl: string,
  keys: string[],
  models: Array<{ name: string; alias?: string }>,
  fields: Partial<OpenAICompat> = {},
): OpenAICompat {
  return {
    name,
    baseUrl,
    apiKeyEntries: keys.map((k) => ({ apiKey: k, proxyUrl: "" })),
    models: models.map((m) => ({ name: m.name, alias: m.alias ?? "" })),
    prefix: "",
    priority: 0,
    headers: {},
    disableCooling: false,
    ...fields,
  };
}

/** Writes an SSE answer from raw event texts (each already ending in a blank line) and ends it. */
export function sendSse(res: ServerResponse, events: string[]): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events) res.write(e);
  res.end();
}

/** A minimal Anthropic message answer. */
export function claudeMessage(text = "hi", usage = { input_tokens: 10, output_tokens: 5 }): Record<string, unknown> {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage,
  };
}

/** A complete Anthropic SSE stream. */
export const CLAUDE_STREAM = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":10,"output_tokens":1}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  ": ping\n\n",
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
];

/** A complete OpenAI chat SSE stream with usage. */
export const CHAT_STREAM = [
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"llama-3","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}\n\n',
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"llama-3","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"llama-3","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}\n\n',
  "data: [DONE]\n\n",
];

/** A minimal chat completion answer. */
export function chatCompletion(text = "hi", model = "llama-3"): Record<string, unknown> {
  return {
    id: "c1",
    object: "chat.completion",
    created: 1,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
  };
}

/** A Gemini SSE stream (CRLF framed, as Google sends it). */
export const GEMINI_STREAM = [
  'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},"index":0}],"modelVersion":"gemini-2.5-flash"}\r\n\r\n',
  'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2,"totalTokenCount":6},"modelVersion":"gemini-2.5-flash"}\r\n\r\n',
];

/** A minimal Gemini generateContent answer. */
export function geminiAnswer(text = "hi"): Record<string, unknown> {
  return {
    candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 },
    modelVersion: "gemini-2.5-flash",
  };
}

/** A complete Responses (Codex) SSE stream. */
export const RESPONSES_STREAM = [
  'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-5","output":[]}}\n\n',
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1,"item_id":"m1","output_index":0,"content_index":0,"delta":"hi"}\n\n',
  'event: response.output_item.done\ndata: {"type":"response.output_item.done","sequence_number":2,"output_index":0,"item":{"id":"m1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"hi","annotations":[]}]}}\n\n',
  'event: response.completed\ndata: {"type":"response.completed","sequence_number":3,"response":{"id":"resp_1","object":"response","status":"completed","model":"gpt-5","output":[],"usage":{"input_tokens":8,"output_tokens":2,"total_tokens":10}}}\n\n',
];

import { buildCredential, type CredentialSpec } from "../../src/providers/credentials.js";
import { makeConfig, type Config } from "../../src/config/schema.js";
import type { BuildInput } from "../../src/providers/executor.js";
import type { Credential, LocalCall } from "../../src/providers/types.js";

/** A credential for builder unit tests. */
export function cred(kind: Credential["kind"], fields: Partial<CredentialSpec> = {}): Credential {
  const provider = kind === "openai-compat" ? "local" : kind;
  const id = kind === "openai-compat" ? "openai-compatibility[local][0]" : `${kind}-api-key[0]`;
  return buildCredential({ id, provider, kind, apiKey: "k-123", ...fields }, false);
}

/** A builder input from a JSON body and optional client headers. */
export function input(
  c: Credential,
  body: Record<string, unknown> | string,
  opts: Partial<Omit<BuildInput, "cred" | "body">> & {
    headers?: Record<string, string>;
    alt?: string;
    config?: Config;
  } = {},
): BuildInput {
  const raw = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  const json = JSON.parse(raw.toString()) as Record<string, unknown>;
  const call: LocalCall = {
    endpoint: "anthropic-messages",
    body: raw,
    json,
    model: String(json.model ?? ""),
    headers: opts.headers ?? {},
    alt: opts.alt,
  };
  return {
    cred: c,
    call,
    body: raw,
    upstreamModel: opts.upstreamModel ?? String(json.model ?? ""),
    stream: opts.stream ?? json.stream === true,
    action: opts.action ?? "generate",
    config: opts.config ?? makeConfig(),
  };
}
