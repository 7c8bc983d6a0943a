/**
 * OpenAI-compatible executor (providers.md §2.6): Chat Completions at `{base-url}/chat/completions`
 * (no `/v1` added: the entry's base URL already names the API root). Streams ask for usage so the
 * usage counters work for every upstream.
 */
import { editBody } from "./body-edit.js";
import {
  applyCustomHeaders,
  bodyJson,
  clientHeader,
  obj,
  type BuildInput,
  type Executor,
  type UpstreamCall,
} from "./executor.js";
import { uuidV5 } from "./codex.js";

/**
 * The `prompt_cache_key` of an entry with `support-prompt-cache-key: true` (CLIProxyAPI HEAD a7e3596b7
 * openai_compat_executor.go applyPromptCacheKey): the client's own key (also one given in a Responses or
 * other body the translator dropped); for Claude Code (Messages with its session header) one per session,
 * agent and model, as helps/claude_code_session.go ClaudeCodePromptCache derives it. HEAD's last fallback, a
 * session id derived from the conversation's content (sdk/cliproxy/session), is not reimplemented: no key then.
 */
export function compatCacheKey(input: BuildInput): string | undefined {
  const { cred, config, call } = input;
  const entry = config.openaiCompatibility.find(
    (e) => e.baseUrl === cred.baseUrl && (e.name.trim().toLowerCase() || "openai-compatibility") === cred.provider,
  );
  if (!entry?.supportPromptCacheKey) return undefined;
  for (const v of [call.json.prompt_cache_key, bodyJson(input)?.prompt_cache_key])
    if (typeof v === "string" && v.trim() !== "") return v.trim();
  if (!call.endpoint.startsWith("anthropic")) return undefined;
  const session = clientHeader(call.headers, "x-claude-code-session-id");
  if (!session) return undefined;
  const agent = clientHeader(call.headers, "x-claude-code-agent-id") ?? "main";
  return uuidV5(
    ["cli-proxy-api:codex:claude-code", input.upstreamModel, `claude:${session}:agent:${agent}`].join("\0"),
  );
}

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
  const cacheKey = compatCacheKey(input);
  if (cacheKey && parsed.prompt_cache_key !== cacheKey) set.prompt_cache_key = cacheKey;
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
