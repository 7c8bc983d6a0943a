/**
 * OpenAI-compatible executor (providers.md §2.6): Chat Completions at `{base-url}/chat/completions`
 * (no `/v1` added: the entry's base URL already names the API root). Streams ask for usage so the
 * usage counters work for every upstream.
 */
import { editBody } from "./body-edit.js";
import { applyCustomHeaders, bodyJson, obj, type BuildInput, type Executor, type UpstreamCall } from "./executor.js";

/** Builds the upstream request for an OpenAI-compatible credential. */
export function buildOpenAICompatRequest(input: BuildInput): UpstreamCall {
  const { cred } = input;
  // editBody reports a body that is not an object.
  const parsed = bodyJson(input) ?? {};
  const stream = parsed.stream === true;
  const set: Record<string, unknown> = {};
  if (parsed.model !== input.upstreamModel) set.model = input.upstreamModel;
  const options = obj(parsed.stream_options);
  if (stream && options?.include_usage !== true) set.stream_options = { ...options, include_usage: true };
  const body = editBody(input.body, { set });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "user-agent": "cli-proxy-openai-compat",
  };
  if (stream) headers["cache-control"] = "no-cache";
  if (cred.apiKey !== "") headers.authorization = `Bearer ${cred.apiKey}`;
  applyCustomHeaders(headers, cred.headers);
  return { url: `${cred.baseUrl.replace(/\/+$/, "")}/chat/completions`, headers, body, stream };
}

/** The OpenAI-compatible executor. */
export const OPENAI_COMPAT: Executor = {
  kind: "openai-compat",
  dialect: "openai-chat",
  canCount: false,
  build: buildOpenAICompatRequest,
  isFinal: (_event, data) => data === "[DONE]",
  usageKind: "openai",
};
