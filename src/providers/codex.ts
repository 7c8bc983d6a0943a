/**
 * Codex executor (providers.md §2.2), API-key credentials: the Responses API at `{root}/responses`,
 * always streamed upstream; the hub's Codex profile (translate/codex.ts) folds non-stream answers.
 * `Originator: codex-tui` and `Chatgpt-Account-Id` are added only for token-file credentials (here and
 * in oauth/headers.ts applyOAuthCall), never for `codex-api-key`.
 */
import { createHash } from "node:crypto";
import { editBody } from "./body-edit.js";
import { codexImageEdits } from "./codex-image.js";
import {
  applyCustomHeaders,
  bodyJson,
  clientHeader,
  obj,
  type BuildInput,
  type Executor,
  type UpstreamCall,
} from "./executor.js";

/**
 * Codex CLI's own User-Agent, sent on every request whatever the client's (CLIProxyAPI HEAD a7e3596b7
 * codex_executor_request.go applyCodexCloakingHeaders): other agents meet Cloudflare 1010/403 blocks.
 */
export const CODEX_USER_AGENT = "codex-tui/0.146.0 (Mac OS 26.5.0; arm64) iTerm.app/3.6.10 (codex-tui; 0.146.0)";

const OID_NAMESPACE = Buffer.from("6ba7b8129dad11d180b400c04fd430c8", "hex");

/** RFC 4122 name-based UUID (version 5, SHA-1) in the OID namespace, as Go's uuid.NewSHA1(uuid.NameSpaceOID, …). */
export function uuidV5(name: string): string {
  const h = createHash("sha1").update(OID_NAMESPACE).update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The client's key as presented (for a stable per-client cache key; never sent anywhere). */
function presentedKey(call: BuildInput["call"]): string | undefined {
  const auth = clientHeader(call.headers, "authorization");
  return (
    auth?.replace(/^Bearer\s+/i, "") ??
    clientHeader(call.headers, "x-api-key") ??
    clientHeader(call.headers, "x-goog-api-key")
  );
}

/**
 * The prompt cache key (HEAD codex_executor_request.go cacheHelper): the client's `prompt_cache_key`;
 * for Claude Code, one per session and model; otherwise one per client key. Sent in the body and as Session-Id.
 */
export function codexCacheKey(input: BuildInput): string | undefined {
  const own = input.call.json.prompt_cache_key;
  if (typeof own === "string" && own.trim() !== "") return own.trim();
  if (input.call.endpoint.startsWith("anthropic")) {
    const session = clientHeader(input.call.headers, "x-claude-code-session-id");
    if (!session) return undefined;
    const agent = clientHeader(input.call.headers, "x-claude-code-agent-id") ?? "main";
    return uuidV5(
      ["cli-proxy-api:codex:claude-code", input.upstreamModel, `claude:${session}:agent:${agent}`].join("\0"),
    );
  }
  const key = presentedKey(input.call);
  return key ? uuidV5(`cli-proxy-api:codex:prompt-cache:${key}`) : undefined;
}

/** Fields the Codex backend rejects (providers.md §2.2). */
const REMOVED = ["previous_response_id", "prompt_cache_retention", "safety_identifier", "stream_options"];

/** Builds the upstream request for a Codex credential. */
export function buildCodexRequest(input: BuildInput): UpstreamCall {
  const { cred, call } = input;
  const h = call.headers;
  // The translator or client gave no object: editBody will report it.
  const parsed = bodyJson(input) ?? {};
  const set: Record<string, unknown> = {};
  if (parsed.model !== input.upstreamModel) set.model = input.upstreamModel;
  if (parsed.stream !== true) set.stream = true;
  if (parsed.instructions === undefined || parsed.instructions === null) set.instructions = "";
  const cacheKey = codexCacheKey(input);
  if (cacheKey && parsed.prompt_cache_key !== cacheKey) set.prompt_cache_key = cacheKey;
  const image = codexImageEdits(input, parsed, input.config.disableImageGeneration);
  const body = editBody(input.body, { set: { ...set, ...image.set }, remove: [...REMOVED, ...image.remove] });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream",
    authorization: `Bearer ${cred.apiKey}`,
    connection: "Keep-Alive",
  };
  for (const name of [
    "version",
    "x-codex-turn-metadata",
    "x-client-request-id",
    "x-codex-beta-features",
    "x-codex-window-id",
    "thread-id",
    "session-id",
  ]) {
    const v = clientHeader(h, name);
    if (v !== undefined) headers[name] = v;
  }
  if (cacheKey) headers["session-id"] = cacheKey;
  applyCustomHeaders(headers, cred.headers);
  // Forced last, over client and credential headers alike (HEAD applyCodexCloakingHeaders).
  headers["user-agent"] = CODEX_USER_AGENT;
  headers.originator = "codex-tui";
  return { url: `${cred.baseUrl.replace(/\/+$/, "")}/responses`, headers, body, stream: true };
}

/** Codex reports an overloaded model with a non-429 status; it is a rate limit for cooldowns (providers.md §2.2). */
export function codexFailureStatus(status: number, body: string): number {
  return status !== 429 && /model is at capacity|model_at_capacity|at capacity/i.test(body) ? 429 : status;
}

const FINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** The Codex executor. */
export const CODEX: Executor = {
  kind: "codex",
  dialect: "openai-responses",
  canCount: false,
  build: buildCodexRequest,
  failureStatus: codexFailureStatus,
  isFinal: (event, data) => FINAL.has(event ?? "") || FINAL.has(String(obj(data)?.type ?? "")),
  usageKind: "responses",
};
