/**
 * Claude executor (providers.md §2.1): Anthropic Messages at `{root}/v1/messages?beta=true`, the
 * Claude Code header set sent for protocol compatibility, and the x-api-key/Bearer rule. cliproxy does
 * no cloaking or body signing (config.md §3); token files get the OAuth identity additions (§2.1) from
 * oauth/headers.ts applyOAuthCall, applied by serve.ts after this builder.
 */
import { createHash, randomUUID } from "node:crypto";
import { editBody } from "./body-edit.js";
import { catalogModel } from "./catalog.js";
import { applyCustomHeaders, bodyJson, clientHeader, isApiKeyCredential, obj, type BuildInput, type Executor, type UpstreamCall } from "./executor.js";

/** Anthropic's public root: the only one that gets `x-api-key` instead of a bearer token. */
export const ANTHROPIC_ROOT = "https://api.anthropic.com";

/** Betas sent when the client sent none (Claude Code's own list). */
export const DEFAULT_BETAS =
  "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,context-management-2025-06-27,prompt-caching-scope-2026-01-05,structured-outputs-2025-12-15,fast-mode-2026-02-01,redact-thinking-2026-02-12,token-efficient-tools-2026-03-28";

/** Header values Claude Code sends; `claude-header-defaults` overrides the marked ones. */
const DEVICE: ReadonlyArray<[header: string, configKey: string, fallback: string]> = [
  ["x-stainless-package-version", "package-version", "0.74.0"],
  ["x-stainless-runtime-version", "runtime-version", "v24.3.0"],
  ["x-stainless-os", "os", "MacOS"],
  ["x-stainless-arch", "arch", "arm64"],
];

const sessions = new Map<string, string>();

/** A session id stable per credential key for the life of the process, as Claude Code keeps one per login. */
function sessionFor(apiKey: string): string {
  const k = createHash("sha256").update(apiKey).digest("hex");
  let id = sessions.get(k);
  if (!id) sessions.set(k, (id = randomUUID()));
  return id;
}

/** The merged Anthropic-Beta value: client's (or the default list), then oauth/interleaved, then body `betas`. */
export function mergeBetas(client: string | undefined, bodyBetas: readonly string[]): string {
  const list = (client ?? DEFAULT_BETAS).split(",").map((s) => s.trim()).filter(Boolean);
  if (client !== undefined && !list.some((b) => b.includes("oauth"))) list.push("oauth-2025-04-20");
  if (!list.includes("interleaved-thinking-2025-05-14")) list.push("interleaved-thinking-2025-05-14");
  for (const b of bodyBetas) if (b.trim() && !list.includes(b.trim())) list.push(b.trim());
  return list.join(",");
}

/** Builds the upstream request for a Claude credential. */
export function buildClaudeRequest(input: BuildInput): UpstreamCall {
  const { cred, call, config } = input;
  const h = call.headers;
  const defaults = config.claudeHeaderDefaults;
  const root = cred.baseUrl.replace(/\/+$/, "");
  const path = input.action === "count" ? "/v1/messages/count_tokens" : "/v1/messages";
  const parsed = bodyJson(input);
  const betas = Array.isArray(parsed?.betas) ? parsed.betas.filter((b): b is string => typeof b === "string") : [];
  const set: Record<string, unknown> = {};
  if (parsed?.model !== input.upstreamModel) set.model = input.upstreamModel;
  // Anthropic requires max_tokens; a client that left it out gets the model's own limit (providers.md §2.1).
  const limit = catalogModel(input.upstreamModel)?.maxOutputTokens;
  if (parsed && input.action === "generate" && parsed.max_tokens === undefined && limit) set.max_tokens = limit;
  const body = editBody(input.body, { set, remove: parsed && "betas" in parsed ? ["betas"] : [] });
  const stream = input.action === "generate" && parsed?.stream === true;
  const apiKey = isApiKeyCredential(cred);
  const ua = clientHeader(h, "user-agent");
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "anthropic-beta": mergeBetas(clientHeader(h, "anthropic-beta"), betas),
    "anthropic-version": clientHeader(h, "anthropic-version") ?? "2023-06-01",
    "x-app": clientHeader(h, "x-app") ?? "cli",
    "x-stainless-retry-count": clientHeader(h, "x-stainless-retry-count") ?? "0",
    "x-stainless-runtime": clientHeader(h, "x-stainless-runtime") ?? "node",
    "x-stainless-lang": clientHeader(h, "x-stainless-lang") ?? "js",
    "x-stainless-timeout": clientHeader(h, "x-stainless-timeout") ?? defaults.timeout ?? "600",
    "x-claude-code-session-id": clientHeader(h, "x-claude-code-session-id") ?? sessionFor(cred.apiKey),
    "user-agent": ua?.startsWith("claude-cli") ? ua : defaults["user-agent"] ?? "claude-cli/2.1.63 (external, cli)",
    connection: "keep-alive",
    // Node 20 has no zstd decoder, so cliproxy offers only what it can decode.
    "accept-encoding": stream ? "identity" : "gzip, deflate, br",
  };
  for (const [name, key, fallback] of DEVICE) headers[name] = defaults[key] ?? fallback;
  if (apiKey) headers["anthropic-dangerous-direct-browser-access"] = clientHeader(h, "anthropic-dangerous-direct-browser-access") ?? "true";
  if (root === ANTHROPIC_ROOT) headers["x-client-request-id"] = randomUUID();
  if (apiKey && root === ANTHROPIC_ROOT) headers["x-api-key"] = cred.apiKey;
  else headers.authorization = `Bearer ${cred.apiKey}`;
  applyCustomHeaders(headers, cred.headers);
  if (stream) headers["accept-encoding"] = "identity";
  return { url: `${root}${path}?beta=true`, headers, body, stream };
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
