/**
 * Claude executor: Anthropic Messages at `{root}/v1/messages?beta=true` (count_tokens beside it).
 * Two wire profiles, as CLIProxyAPI HEAD a7e3596b7 internal/runtime/executor/claude_executor_request.go
 * applyClaudeHeadersWithNativeProfile chooses them:
 * - API keys keep the caller's fingerprint: its Anthropic-Beta (plus body `betas`), anthropic-*,
 *   x-stainless-*, x-claude-code-* and user-agent headers pass as sent; nothing is invented
 *   (strict gateways reject betas their caller did not send).
 * - Subscription tokens (`sk-ant-oat…`) speak as Claude Code 2.1.220 (claude-oauth.ts builds the body
 *   and betas); a request that already is Claude Code keeps its own headers.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { VERSION } from "../version.js";
import { editBody } from "./body-edit.js";
import { catalogModel } from "./catalog.js";
import { cacheSections, countCacheControls, ensureCacheControl } from "./claude-cache.js";
import { CLAUDE_DEVICE, claudeOAuthBody, isClaudeCodeRequest } from "./claude-oauth.js";
import { restoreToolNames } from "./claude-tools.js";
import {
  applyCustomHeaders,
  bodyJson,
  clientHeader,
  isApiKeyCredential,
  obj,
  type BuildInput,
  type Executor,
  type UpstreamCall,
} from "./executor.js";

/** Anthropic's public root: the only one that gets `x-api-key` instead of a bearer token. */
export const ANTHROPIC_ROOT = "https://api.anthropic.com";

/** True for a Claude subscription token (`sk-ant-oat…`). */
export function isClaudeOAuthToken(token: string): boolean {
  return token.includes("sk-ant-oat");
}

/** Client headers that describe the caller's software and pass on the API-key profile (copyClaudeCallerFingerprintHeaders). */
function callerFingerprint(name: string): boolean {
  return (
    ["user-agent", "x-app", "x-client-request-id", "x-client-app", "x-anthropic-additional-protection"].includes(
      name,
    ) || /^(anthropic-|x-stainless-|x-claude-code-|x-claude-remote-)/.test(name)
  );
}

/** The client's Anthropic-Beta plus body `betas` (and fast mode when the body asks for it), without duplicates. */
export function callerBetas(client: string | undefined, bodyBetas: readonly string[], fast: boolean): string {
  const list = [...(client ?? "").split(","), ...bodyBetas, ...(fast ? ["fast-mode-2026-02-01"] : [])]
    .map((b) => b.trim())
    .filter(Boolean);
  return [...new Set(list)].join(",");
}

const PASS_IDENTITY = [
  "x-claude-code-agent-id",
  "x-claude-code-parent-agent-id",
  "x-claude-remote-container-id",
  "x-claude-remote-session-id",
  "x-client-app",
  "x-anthropic-additional-protection",
];

/** Headers of a subscription request: Claude Code's identity, or the client's own when it is Claude Code. */
function subscriptionHeaders(
  h: IncomingHttpHeaders,
  defaults: Readonly<Record<string, string>>,
  native: boolean,
  count: boolean,
  sessionId: string,
  anthropic: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  const identity = (name: string, fallback: string) =>
    (out[name] = native ? (clientHeader(h, name) ?? fallback) : fallback);
  identity("anthropic-version", "2023-06-01");
  identity("anthropic-dangerous-direct-browser-access", "true");
  identity("x-app", "cli");
  identity("x-stainless-retry-count", "0");
  identity("x-stainless-runtime", "node");
  identity("x-stainless-lang", "js");
  if (native && clientHeader(h, "x-stainless-async") === "async") out["x-stainless-async"] = "async";
  if (!count) identity("x-stainless-timeout", defaults.timeout ?? "600");
  else {
    const timeout = native ? clientHeader(h, "x-stainless-timeout") : undefined;
    if (timeout) out["x-stainless-timeout"] = timeout;
  }
  out["x-claude-code-session-id"] = sessionId;
  for (const name of PASS_IDENTITY) {
    const v = clientHeader(h, name);
    if (v) out[name] = v;
  }
  if (anthropic) identity("x-client-request-id", randomUUID());
  // Claude Code's own SDK headers stay; anyone else presents Claude Code 2.1.220's (claude_device_profile.go).
  for (const [name, key] of [
    ["x-stainless-runtime-version", "runtime-version"],
    ["x-stainless-package-version", "package-version"],
    ["x-stainless-os", "os"],
    ["x-stainless-arch", "arch"],
    ["user-agent", "user-agent"],
  ] as const) {
    identity(name, defaults[key] ?? CLAUDE_DEVICE[key]);
  }
  return out;
}

/**
 * HEAD's automatic breakpoints for a request that carries no cache_control at all (claude_executor_cloaking.go
 * shouldEnsureCacheControl); only the members that change are rewritten, the rest keeps its bytes.
 */
function withAutoCache(body: Buffer, parsed: Readonly<Record<string, unknown>>): Buffer {
  if (countCacheControls(parsed) > 0) return body;
  // A number JSON.parse would round (16+ digits) must keep its bytes: such bodies are left as sent.
  if (/\d{16,}/.test(body.toString("latin1"))) return body;
  const copy = cacheSections(parsed);
  const set: Record<string, unknown> = {};
  for (const k of ensureCacheControl(copy)) set[k] = copy[k];
  return Object.keys(set).length ? editBody(body, { set }) : body;
}

/** Builds the upstream request for a Claude credential. */
export function buildClaudeRequest(input: BuildInput): UpstreamCall {
  const { cred, call, config } = input;
  const h = call.headers;
  const root = cred.baseUrl.replace(/\/+$/, "");
  const anthropic = root === ANTHROPIC_ROOT;
  const count = input.action === "count";
  const path = count ? "/v1/messages/count_tokens" : "/v1/messages";
  const parsed = bodyJson(input);
  const betas = Array.isArray(parsed?.betas) ? parsed.betas.filter((b): b is string => typeof b === "string") : [];
  const set: Record<string, unknown> = {};
  if (parsed?.model !== input.upstreamModel) set.model = input.upstreamModel;
  // Anthropic requires max_tokens; a client that left it out gets the model's own limit (providers.md §2.1).
  const limit = catalogModel(input.upstreamModel)?.maxOutputTokens;
  if (parsed && !count && parsed.max_tokens === undefined && limit) set.max_tokens = limit;
  let body = editBody(input.body, { set, remove: parsed && "betas" in parsed ? ["betas"] : [] });
  const stream = !count && parsed?.stream === true;
  const apiKey = isApiKeyCredential(cred);
  const headers: Record<string, string> = { "content-type": "application/json" };
  let restore: UpstreamCall["restore"];
  if (!apiKey && isClaudeOAuthToken(cred.apiKey)) {
    const json = parsed ? { ...parsed, ...set } : undefined;
    if (json) delete json.betas;
    const out = claudeOAuthBody({
      credId: cred.id,
      raw: input.token?.raw,
      headers: h,
      body,
      json,
      count,
      betas,
      defaults: config.claudeHeaderDefaults,
      autoCache: config.claudeAutoCacheControl,
    });
    body = out.body;
    let beta = out.betas;
    // A non-Anthropic root also hears what the caller asked for (HEAD appends incoming and body betas there).
    if (!anthropic && out.cloaked)
      beta = callerBetas(beta, [...(clientHeader(h, "anthropic-beta") ?? "").split(","), ...betas], false);
    Object.assign(
      headers,
      { "anthropic-beta": beta },
      subscriptionHeaders(h, config.claudeHeaderDefaults, !out.cloaked, count, out.sessionId, anthropic),
    );
    headers.accept = stream && !anthropic ? "text/event-stream" : "application/json";
    const reverse = out.reverse;
    if (reverse && reverse.size > 0) restore = (data) => restoreToolNames(data, reverse);
  } else {
    if (parsed && !count && config.claudeAutoCacheControl && !isClaudeCodeRequest(h, parsed, false))
      body = withAutoCache(body, parsed);
    for (const [name, v] of Object.entries(h)) {
      if (callerFingerprint(name) && v !== undefined) headers[name] = Array.isArray(v) ? v.join(", ") : v;
    }
    const beta = callerBetas(
      clientHeader(h, "anthropic-beta"),
      betas,
      typeof parsed?.speed === "string" && parsed.speed.toLowerCase() === "fast",
    );
    if (beta) headers["anthropic-beta"] = beta;
    else delete headers["anthropic-beta"];
    headers["anthropic-version"] ??= "2023-06-01";
    headers["user-agent"] ??= `cliproxy/${VERSION}`;
    headers.accept = clientHeader(h, "accept") ?? (stream && !anthropic ? "text/event-stream" : "application/json");
  }
  headers.connection = "keep-alive";
  if (apiKey && anthropic) headers["x-api-key"] = cred.apiKey;
  else headers.authorization = `Bearer ${cred.apiKey}`;
  applyCustomHeaders(headers, cred.headers);
  // Node 20 has no zstd decoder, so cliproxy offers only what it can decode (HEAD adds zstd).
  headers["accept-encoding"] = stream ? "identity" : "gzip, deflate, br";
  return { url: `${root}${path}?beta=true`, headers, body, stream, restore };
}

/** The Claude executor. */
export const CLAUDE: Executor = {
  kind: "claude",
  dialect: "anthropic",
  canCount: true,
  build: buildClaudeRequest,
  isFinal: (event, data) => event === "message_stop" || obj(data)?.type === "message_stop",
  usageKind: "claude",
};
