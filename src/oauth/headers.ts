/**
 * What an executor adds for a subscription credential, as pure functions over headers and bodies
 * (providers.md §2.1 OAuth identity, §2.2 Codex OAuth headers, §2.4 Gemini CLI, §2.5 Antigravity).
 * Executors call these after building the API-key request; nothing here sends or logs anything.
 */
import { createHash, randomUUID } from "node:crypto";
import { antigravityRequestUserAgent } from "./antigravity.js";
import { geminiCliUserAgent } from "./gemini.js";
import { isObject } from "../plain-object.js";

/** Gemini CLI's API client header (providers.md §2.4). */
export const GEMINI_CLI_API_CLIENT = "google-genai-sdk/1.41.0 gl-node/v22.19.0";

function parse(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body.toString("utf8")) as unknown;
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Headers of a Codex request made with a ChatGPT token: bearer, account id, `Originator: codex-tui` unless the client sent one. */
export function codexOAuthHeaders(
  headers: Record<string, string>,
  accessToken: string,
  accountId: string | undefined,
): Record<string, string> {
  headers.authorization = `Bearer ${accessToken}`;
  if (accountId) headers["chatgpt-account-id"] = accountId;
  headers.originator ??= "codex-tui";
  return headers;
}

/** What a Code Assist call does. */
export type CodeAssistAction = "generate" | "stream" | "count";

/** The Cloud Code Assist URL for an action: `{root}/v1internal:<method>` (stream with `?alt=sse`). */
export function codeAssistUrl(root: string, action: CodeAssistAction): string {
  const base = root.replace(/\/+$/, "");
  if (action === "stream") return `${base}/v1internal:streamGenerateContent?alt=sse`;
  return `${base}/v1internal:${action === "count" ? "countTokens" : "generateContent"}`;
}

/**
 * The `request` of a Code Assist countTokens call: the generateContent request itself, never the Gemini
 * API's `{generateContentRequest:{…}}` wrapper, without model and safetySettings (CLIProxyAPI HEAD
 * a7e3596b7 antigravity_executor_tokens.go; gemini_cli_executor.go before its removal in 78ba8ba73).
 */
export function codeAssistCountRequest(body: Record<string, unknown>): Record<string, unknown> {
  const inner = body.generateContentRequest;
  const request = {
    ...(isObject(inner) ? inner : body),
  };
  delete request.model;
  delete request.safetySettings;
  return request;
}

/**
 * The Gemini CLI envelope `{"model","project","request":{…}}`; a `model` inside the request is dropped
 * (Code Assist rejects it there); countTokens carries the request only.
 */
export function geminiCliEnvelope(body: Buffer, model: string, project: string, action: CodeAssistAction): Buffer {
  const request = { ...(parse(body) ?? {}) };
  delete request.model;
  const envelope = action === "count" ? { request: codeAssistCountRequest(request) } : { model, project, request };
  return Buffer.from(JSON.stringify(envelope));
}

/** Headers of a Gemini CLI call; the User-Agent is always Gemini CLI's (the client's is ignored). */
export function geminiCliHeaders(accessToken: string, model: string, stream: boolean): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "user-agent": geminiCliUserAgent(model),
    "x-goog-api-client": GEMINI_CLI_API_CLIENT,
  };
}

/** A Code Assist answer (or stream chunk) unwrapped from `{"response":{…}}`. */
export function unwrapCodeAssist(data: unknown): unknown {
  const o = isObject(data) ? data : undefined;
  return o && o.response !== null && typeof o.response === "object" ? o.response : data;
}

/** Antigravity roots to try in order: the file's `base_url` alone, else the configured list. */
export function antigravityBaseUrls(fileBaseUrl: string | undefined, configured: readonly string[]): string[] {
  return fileBaseUrl ? [fileBaseUrl.replace(/\/+$/, "")] : [...configured];
}

/** A session id stable per conversation: `-` + the first user text's SHA-256, top 63 bits, in decimal (HEAD generateStableSessionID). */
export function stableSessionId(request: Record<string, unknown>): string {
  for (const c of Array.isArray(request.contents) ? request.contents : []) {
    const o = c as { role?: unknown; parts?: Array<{ text?: unknown }> };
    const text = o?.role === "user" && Array.isArray(o.parts) ? o.parts[0]?.text : undefined;
    if (typeof text === "string" && text !== "")
      return `-${createHash("sha256").update(text).digest().readBigUInt64BE(0) & 0x7fffffffffffffffn}`;
  }
  return `-${randomUUID()}`;
}

/**
 * The request clean-ups HEAD a7e3596b7 antigravity_executor_request.go makes: `parametersJsonSchema`
 * becomes `parameters`; Claude models get VALIDATED function calling, other models lose
 * `maxOutputTokens`; a top-level toolConfig moves into the request.
 */
function cleanAntigravityRequest(request: Record<string, unknown>, model: string): void {
  for (const tool of Array.isArray(request.tools) ? request.tools : []) {
    for (const fn of Array.isArray((tool as { functionDeclarations?: unknown })?.functionDeclarations)
      ? (tool as { functionDeclarations: Array<Record<string, unknown>> }).functionDeclarations
      : []) {
      if (fn && fn.parametersJsonSchema !== undefined && fn.parameters === undefined) {
        fn.parameters = fn.parametersJsonSchema;
        delete fn.parametersJsonSchema;
      }
    }
  }
  const gen = request.generationConfig as Record<string, unknown> | undefined;
  if (model.includes("claude")) {
    const tc = (request.toolConfig ?? {}) as Record<string, unknown>;
    request.toolConfig = {
      ...tc,
      functionCallingConfig: { ...((tc.functionCallingConfig ?? {}) as Record<string, unknown>), mode: "VALIDATED" },
    };
  } else if (gen && typeof gen === "object") {
    request.generationConfig = { ...gen };
    delete (request.generationConfig as Record<string, unknown>).maxOutputTokens;
  }
}

/** The Antigravity envelope (providers.md §2.5): model, userAgent, requestType, project, requestId, request.sessionId. */
export function antigravityEnvelope(body: Buffer, model: string, project: string, action: CodeAssistAction): Buffer {
  const parsed = parse(body) ?? {};
  const request: Record<string, unknown> = { ...parsed };
  delete request.safetySettings;
  if (action === "count") return Buffer.from(JSON.stringify({ request: codeAssistCountRequest(request) }));
  cleanAntigravityRequest(request, model);
  request.sessionId ??= stableSessionId(request);
  return Buffer.from(
    JSON.stringify({
      model,
      userAgent: "antigravity",
      requestType: /image/i.test(model) ? "image_gen" : "agent",
      project,
      requestId: `agent-${randomUUID()}`,
      request,
    }),
  );
}

/** Headers of an Antigravity call; a credential `user_agent` replaces the default. */
export function antigravityHeaders(accessToken: string, stream: boolean, userAgent?: string): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "user-agent": antigravityRequestUserAgent(userAgent),
  };
}

/** A built upstream call (providers/executor.ts UpstreamCall). */
export interface BuiltCall {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly stream: boolean;
}

/**
 * Turns a Claude or Codex call built for a token-file credential (with the token as its key) into the
 * subscription request: for Claude the bearer (the executor built the rest); for Codex the bearer,
 * the ChatGPT account id and the codex-tui originator. Other types are returned unchanged.
 */
export function applyOAuthCall(
  call: BuiltCall,
  token: { type: string; accessToken: string; accountId?: string },
): BuiltCall {
  const headers = { ...call.headers };
  if (token.type === "claude") {
    // The Claude executor already built the subscription request (providers/claude-oauth.ts); only the bearer is ensured here.
    delete headers["x-api-key"];
    headers.authorization = `Bearer ${token.accessToken}`;
    return { ...call, headers };
  }
  if (token.type === "codex")
    return { ...call, headers: codexOAuthHeaders(headers, token.accessToken, token.accountId) };
  return call;
}
