/**
 * Codex executor (providers.md §2.2), API-key credentials: the Responses API at `{root}/responses`,
 * always streamed upstream; the hub's Codex profile (translate/codex.ts) folds non-stream answers.
 * `Originator: codex-tui` and `Chatgpt-Account-Id` are added only for token-file credentials (here and
 * in oauth/headers.ts applyOAuthCall), never for `codex-api-key`.
 */
import { randomUUID } from "node:crypto";
import { editBody } from "./body-edit.js";
import { applyCustomHeaders, bodyJson, clientHeader, isApiKeyCredential, obj, type BuildInput, type Executor, type UpstreamCall } from "./executor.js";

/** Codex CLI's own User-Agent, used when the client sent none. */
export const CODEX_USER_AGENT = "codex-tui/0.135.0 (Mac OS 26.5.0; arm64) iTerm.app/3.6.10 (codex-tui; 0.135.0)";

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
  const body = editBody(input.body, { set, remove: REMOVED });
  const ua = clientHeader(h, "user-agent") ?? CODEX_USER_AGENT;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream",
    authorization: `Bearer ${cred.apiKey}`,
    "user-agent": ua,
    connection: "Keep-Alive",
  };
  for (const name of ["version", "x-codex-turn-metadata", "x-client-request-id", "x-codex-beta-features", "originator"]) {
    const v = clientHeader(h, name);
    if (v !== undefined) headers[name] = v;
  }
  const session = clientHeader(h, "session_id");
  if (session !== undefined) headers.session_id = session;
  else if (ua.includes("Mac OS")) headers.session_id = randomUUID();
  if (!isApiKeyCredential(cred) && headers.originator === undefined) headers.originator = "codex-tui";
  applyCustomHeaders(headers, cred.headers);
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
