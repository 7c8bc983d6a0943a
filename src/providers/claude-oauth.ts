/**
 * A Claude subscription (OAuth, `sk-ant-oat…`) request as CLIProxyAPI HEAD a7e3596b7 sends it
 * (internal/runtime/executor/claude_executor_request.go applyClaudeHeadersWithNativeProfile and
 * claudeCodeCLIBetas, claude_executor_cloaking.go resolveClaudeWirePolicy, claude_signing.go,
 * helps/claude_client_detection.go, helps/claude_device_profile.go, helps/claude_credential_identity.go):
 * - Claude Code itself (x-app cli, claude-cli UA from a native entrypoint, the claude-code beta, a valid
 *   metadata.user_id) passes with its own body, headers and betas; only the credential's betas, its
 *   `metadata.user_id` identity and the regenerated `cch` change.
 * - Anyone else is cloaked: Claude Code's system blocks, tools renamed to MCP names, per-request betas,
 *   Claude Code 2.1.220's identity headers, and the body signed last.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { editBody } from "./body-edit.js";
import { ensureCacheControl, enforceCacheLimit } from "./claude-cache.js";
import { signClaudeBody, withCchPlaceholder } from "./claude-cch.js";
import { billingHeader, cloakCountSystem, cloakSystem, localDate, usesLegacySystemReminder } from "./claude-system.js";
import { aliasTools } from "./claude-tools.js";
import { clientHeader, obj } from "./executor.js";

/** Claude Code 2.1.220's device profile (helps/claude_device_profile.go defaults). */
export const CLAUDE_DEVICE = {
  "user-agent": "claude-cli/2.1.220 (external, cli)",
  "package-version": "0.94.0",
  "runtime-version": "v26.3.0",
  os: "MacOS",
  arch: "arm64",
} as const;

const CLAUDE_CODE_BETA = "claude-code-20250219";
const OAUTH_BETA = "oauth-2025-04-20";
const EXTENDED_CACHE_TTL_BETA = "extended-cache-ttl-2025-04-11";
const NATIVE_ENTRYPOINTS = new Set(["cli", "sdk-cli", "claude-vscode"]);

type J = Record<string, unknown>;

/** A metadata.user_id Claude Code would send: its JSON form or the legacy `user_…_account_…_session_…`. */
export function isValidUserId(v: unknown): boolean {
  if (typeof v !== "string") return false;
  if (/^user_[0-9a-f]{64}_account_[0-9a-f-]*_session_[0-9a-f-]{36}$/.test(v)) return true;
  try {
    const o = obj(JSON.parse(v));
    return (
      !!o && typeof o.device_id === "string" && /^[0-9a-f]{64}$/.test(o.device_id) && typeof o.session_id === "string"
    );
  } catch {
    return false;
  }
}

/** True when the request is Claude Code's own (helps/claude_client_detection.go DetectClaudeCodeRequest, strong signals). */
export function isClaudeCodeRequest(headers: IncomingHttpHeaders, body: J | undefined, count: boolean): boolean {
  const ua = clientHeader(headers, "user-agent") ?? "";
  const m = /^claude-cli\/\d+\.\d+\.\d+\s+\(external,\s*([^,)]+)/i.exec(ua);
  if (!m || !NATIVE_ENTRYPOINTS.has(m[1].trim())) return false;
  if (clientHeader(headers, "x-app") !== "cli") return false;
  if (!(clientHeader(headers, "anthropic-beta") ?? "").split(",").some((b) => b.trim() === CLAUDE_CODE_BETA))
    return false;
  return count || isValidUserId(obj(body?.metadata)?.user_id);
}

/** The Claude Code version the configured (or default) user-agent claims. */
export function cliVersion(defaults: Readonly<Record<string, string>>): string {
  return /^claude-cli\/(\d+\.\d+\.\d+)/.exec(defaults["user-agent"] ?? "")?.[1] ?? "2.1.220";
}

/** The Anthropic-Beta list Claude Code 2.1.220 builds for one Messages request (claudeCodeCLIBetas). */
export function claudeCliBetas(body: J, requested: ReadonlySet<string>, oauth: boolean): string {
  const out = [CLAUDE_CODE_BETA];
  if (oauth) out.push(OAUTH_BETA);
  if (requested.has("context-1m-2025-08-07")) out.push("context-1m-2025-08-07");
  const display = obj(body.thinking)?.display;
  const redact = !(typeof display === "string" && display.trim() !== "");
  out.push("interleaved-thinking-2025-05-14");
  if (redact) out.push("redact-thinking-2026-02-12");
  out.push("thinking-token-count-2026-05-13", "context-management-2025-06-27", "prompt-caching-scope-2026-01-05");
  if (!usesLegacySystemReminder(body.model)) out.push("mid-conversation-system-2026-04-07");
  if (Array.isArray(body.tools) && body.tools.length > 0) out.push("advanced-tool-use-2025-11-20");
  out.push("effort-2025-11-24");
  if (oauth && !requested.has("fallback-credit-2026-06-01")) out.push("fallback-credit-2026-06-01");
  for (const b of ["server-side-fallback-2026-06-01", "fallback-credit-2026-06-01", "structured-outputs-2025-12-15"])
    if (requested.has(b)) out.push(b);
  if (
    requested.has("fast-mode-2026-02-01") ||
    (typeof body.speed === "string" && body.speed.trim().toLowerCase() === "fast")
  )
    out.push("fast-mode-2026-02-01");
  if (oauth) out.push(EXTENDED_CACHE_TTL_BETA);
  if (obj(body.diagnostics)) out.push("cache-diagnosis-2026-04-07");
  return out.join(",");
}

/** Claude Code's fixed count_tokens betas. */
export function countTokensBetas(oauth: boolean): string {
  return [
    CLAUDE_CODE_BETA,
    ...(oauth ? [OAUTH_BETA] : []),
    "interleaved-thinking-2025-05-14",
    "context-management-2025-06-27",
    "token-counting-2024-11-01",
  ].join(",");
}

/** Claude Code's own betas plus the credential's: oauth after claude-code, extended cache TTL last (not on count_tokens). */
export function withCredentialBetas(betas: string, count: boolean): string {
  const parts = [
    ...new Set(
      betas
        .split(",")
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  ];
  if (!parts.includes(OAUTH_BETA)) parts.splice(parts[0] === CLAUDE_CODE_BETA ? 1 : 0, 0, OAUTH_BETA);
  if (!count && !parts.includes(EXTENDED_CACHE_TTL_BETA)) parts.push(EXTENDED_CACHE_TTL_BETA);
  return parts.join(",");
}

/** A UUID-shaped string from a hash (stable name-based ids). */
function uuidFrom(seed: string): string {
  const h = createHash("sha1").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const sessions = new Map<string, string>();

/** One session id per credential for the life of the process, as one Claude Code run keeps one. */
export function sessionFor(credId: string): string {
  let id = sessions.get(credId);
  if (!id) sessions.set(credId, (id = randomUUID()));
  return id;
}

/** The credential's stable identity: a 64-hex device id derived from the credential, its account UUID (from the token file when it has one). */
export function credentialIdentity(
  credId: string,
  raw: Readonly<Record<string, unknown>> | undefined,
): { deviceId: string; accountUuid: string } {
  const deviceId = createHmac("sha256", "cliproxy-claude-device").update(credId).digest("hex");
  const fromFile = [raw?.account_uuid, raw?.accountUuid, obj(raw?.account)?.uuid].find(
    (v): v is string => typeof v === "string" && v.trim() !== "",
  );
  return {
    deviceId,
    accountUuid:
      fromFile?.trim() ?? uuidFrom(`cliproxy-claude-account\0${typeof raw?.email === "string" ? raw.email : credId}`),
  };
}

/** `metadata.user_id` as Claude Code writes it: `{"device_id","account_uuid","session_id"}` plus the client's other members. */
export function userIdFor(existing: unknown, id: { deviceId: string; accountUuid: string }, sessionId: string): string {
  let extras: J = {};
  if (typeof existing === "string") {
    try {
      const o = obj(JSON.parse(existing));
      for (const [k, v] of Object.entries(o ?? {}))
        if (k !== "device_id" && k !== "account_uuid" && k !== "session_id") extras[k] = v;
    } catch {
      extras = {};
    }
  }
  return JSON.stringify({ device_id: id.deviceId, account_uuid: id.accountUuid, session_id: sessionId, ...extras });
}

/** The session a Claude Code request names (header, else its metadata.user_id). */
function clientSession(headers: IncomingHttpHeaders, body: J | undefined): string | undefined {
  const h = clientHeader(headers, "x-claude-code-session-id");
  if (h) return h;
  const uid = obj(body?.metadata)?.user_id;
  if (typeof uid !== "string") return undefined;
  const legacy = /_session_([a-f0-9-]+)$/.exec(uid)?.[1];
  if (legacy) return legacy;
  try {
    const s = obj(JSON.parse(uid))?.session_id;
    return typeof s === "string" && s.trim() ? s.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** What the Claude builder needs to build a subscription request. */
export interface OAuthInput {
  readonly credId: string;
  readonly raw?: Readonly<Record<string, unknown>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly json: J | undefined;
  readonly count: boolean;
  readonly betas: readonly string[];
  readonly defaults: Readonly<Record<string, string>>;
  /** `claude-auto-cache-control`: HEAD's breakpoints on cloaked requests. */
  readonly autoCache: boolean;
  readonly now?: Date;
}

/** The subscription body, the betas, whether it was cloaked, and the tool-name map for the answers. */
export interface OAuthOutcome {
  readonly body: Buffer;
  readonly betas: string;
  readonly cloaked: boolean;
  readonly sessionId: string;
  readonly reverse?: ReadonlyMap<string, string>;
}

/** Builds the subscription body and betas (headers are the builder's). */
export function claudeOAuthBody(input: OAuthInput): OAuthOutcome {
  const { headers, json, count } = input;
  const identity = credentialIdentity(input.credId, input.raw);
  if (json && isClaudeCodeRequest(headers, json, count)) {
    const sessionId = clientSession(headers, json) ?? sessionFor(input.credId);
    const clientBetas = clientHeader(headers, "anthropic-beta") ?? "";
    let body = input.body;
    if (!count) {
      const meta = obj(json.metadata) ?? {};
      body = editBody(body, { set: { metadata: { ...meta, user_id: userIdFor(meta.user_id, identity, sessionId) } } });
      const sys = Array.isArray(json.system) ? obj(json.system[0]) : undefined;
      // Claude Code aimed at a proxy omits cch; the credential's first-party shape needs it regenerated here.
      if (typeof sys?.text === "string" && sys.text.startsWith("x-anthropic-billing-header:")) {
        const withCch = withCchPlaceholder(sys.text);
        if (withCch !== sys.text)
          body = editBody(body, {
            set: { system: [{ ...sys, text: withCch }, ...(json.system as unknown[]).slice(1)] },
          });
      }
      body = signClaudeBody(body);
    }
    return { body, betas: withCredentialBetas(clientBetas, count), cloaked: false, sessionId };
  }
  if (!json)
    return {
      body: input.body,
      betas: count ? countTokensBetas(true) : claudeCliBetas({}, new Set(), true),
      cloaked: false,
      sessionId: sessionFor(input.credId),
    };
  const sessionId = sessionFor(input.credId);
  const body = structuredClone(json) as J;
  const requested = new Set(
    [...(clientHeader(headers, "anthropic-beta") ?? "").split(","), ...input.betas]
      .map((b) => b.trim())
      .filter(Boolean),
  );
  const reverse = aliasTools(body);
  if (count) {
    cloakCountSystem(body);
    return {
      body: Buffer.from(JSON.stringify(body)),
      betas: countTokensBetas(true),
      cloaked: true,
      sessionId,
      reverse,
    };
  }
  cloakSystem(body, billingHeader(cliVersion(input.defaults), body), localDate(input.now ?? new Date()));
  const meta = obj(body.metadata) ?? {};
  body.metadata = {
    ...meta,
    user_id: userIdFor(isValidUserId(meta.user_id) ? meta.user_id : undefined, identity, sessionId),
  };
  if (input.autoCache) ensureCacheControl(body);
  // Cloaking adds breakpoints of its own; Anthropic refuses more than 4.
  enforceCacheLimit(body);
  const betas = claudeCliBetas(body, requested, true);
  return { body: signClaudeBody(Buffer.from(JSON.stringify(body))), betas, cloaked: true, sessionId, reverse };
}
