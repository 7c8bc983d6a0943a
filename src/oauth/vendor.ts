/**
 * What each provider module (claude.ts, codex.ts, gemini.ts, antigravity.ts) provides, and the parts
 * they share: how a token endpoint's answer is classified (oauth.md §2, §3.3, §7), the retry loop for
 * refreshes, and the unverified JWT payload read Codex identity comes from.
 */
import type { Endpoints, OAuthProvider } from "./endpoints.js";
import { describeAnswer, safeHost, type HttpAnswer, type HttpOptions } from "./http.js";
import { LoginError } from "./callback.js";
import { isObject } from "../plain-object.js";

/** Services a login or refresh uses; tests inject the clock and an instant sleep. */
export interface VendorContext {
  readonly endpoints: Endpoints;
  readonly http: HttpOptions;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Progress lines for the user (CLI) or the log (management); never a secret. */
  say(line: string): void;
  /** Asks the user a question (CLI only); absent in management logins. */
  ask?(question: string): Promise<string>;
  /** Gemini: a project id, `ALL` or `GOOGLE_ONE`; absent = ask (CLI) or the first listed (management). */
  readonly projectId?: string;
}

/** The authorization code and the secrets of the login that asked for it. */
export interface Grant {
  readonly code: string;
  readonly state: string;
  readonly expectedState: string;
  readonly verifier: string;
  readonly redirectUri: string;
}

/** A finished login: the token file to write. */
export interface SavedLogin {
  readonly file: string;
  readonly data: Record<string, unknown>;
  readonly email: string;
}

/** A provider's login and refresh. */
export interface Vendor {
  readonly provider: OAuthProvider;
  /** Refresh lead before expiry in ms (oauth.md §7). */
  readonly leadMs: number;
  /** At request time, refresh when fewer than this many ms remain. */
  readonly requestLeadMs: number;
  authorizeUrl(ep: Endpoints, p: { state: string; challenge: string; redirectUri: string }): string;
  /** Exchanges the code and makes the extra calls (email, account, project onboarding). */
  complete(grant: Grant, ctx: VendorContext): Promise<SavedLogin>;
  /** One refresh attempt: the file's JSON with the new tokens merged in (unknown keys kept). Throws RefreshError. */
  refresh(raw: Record<string, unknown>, ctx: VendorContext): Promise<Record<string, unknown>>;
}

/** How a refresh failed: `revoked` disables the credential, `blocked`/`transient`/`failed` retry later. */
export type RefreshFailure = "revoked" | "blocked" | "transient" | "failed";

/** A refresh failure with its class; the message names the host and the OAuth error, never a token. */
export class RefreshError extends Error {
  constructor(
    readonly kind: RefreshFailure,
    message: string,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RefreshError";
  }
}

/** OAuth errors after which a refresh token never works again (oauth.md §7 Note). */
const REVOKED = /invalid_grant|invalid_client|unauthorized_client|refresh_token_reused/;

/** Retry-After bounds for a token endpoint 429 (oauth.md §2). */
export const BLOCK_MIN_MS = 5_000;
export const BLOCK_MAX_MS = 5 * 60_000;

/** Classifies a token endpoint's non-2xx answer. */
export function classifyRefreshAnswer(a: HttpAnswer, url: string, now: number): RefreshError {
  const what = `Token refresh at "${safeHost(url)}" failed: ${describeAnswer(a)}`;
  const code = REVOKED.exec(a.text)?.[0];
  if (code) return new RefreshError("revoked", `${what}`);
  if (a.status === 401) return new RefreshError("revoked", what);
  if (a.status === 429) return new RefreshError("blocked", what, retryAfterMs(a.headers, now));
  if (a.status >= 500) return new RefreshError("transient", what);
  return new RefreshError("failed", what);
}

/** Retry-After (seconds or HTTP date) or Retry-After-Ms, clamped to 5 s…5 min, default 5 s. */
export function retryAfterMs(headers: Readonly<Record<string, string>>, now: number): number {
  let ms: number | undefined;
  const msHeader = Number(headers["retry-after-ms"]);
  const ra = headers["retry-after"]?.trim();
  if (Number.isFinite(msHeader) && headers["retry-after-ms"] !== undefined) ms = msHeader;
  else if (ra && /^\d+(\.\d+)?$/.test(ra)) ms = Number(ra) * 1000;
  else if (ra && Number.isFinite(Date.parse(ra))) ms = Date.parse(ra) - now;
  return Math.min(BLOCK_MAX_MS, Math.max(BLOCK_MIN_MS, ms ?? BLOCK_MIN_MS));
}

/** Login failure for a non-2xx answer of an exchange or onboarding call. */
export function loginFailure(step: string, url: string, a: HttpAnswer): LoginError {
  return new LoginError(`Login failed: ${step} at "${safeHost(url)}" answered ${describeAnswer(a)}`);
}

/** The payload of a JWT, unverified (Codex identity only; the token came straight from the token endpoint). */
export function jwtClaims(jwt: unknown): Record<string, unknown> {
  if (typeof jwt !== "string") return {};
  const part = jwt.split(".")[1];
  if (!part) return {};
  try {
    const v = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

/** A string field, or undefined when absent or empty. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

/** A project id given as a string or `{id}` (Code Assist answers use both). */
export function projectIdOf(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim() || undefined;
  if (v !== null && typeof v === "object") return str((v as Record<string, unknown>).id)?.trim();
  return undefined;
}

/** A JSON object field, or {}. */
export function objectField(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = o[key];
  return isObject(v) ? v : {};
}

/** Seconds from an `expires_in` value, or the fallback. */
export function expiresInSeconds(v: unknown, fallback = 3600): number {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
