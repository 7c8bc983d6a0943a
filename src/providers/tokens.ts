/**
 * The seam between executors and token files (oauth.md §7): a pool credential from auth-dir carries no
 * key, so each attempt asks the token manager for a fresh access token, and after an upstream 401 for
 * one shared refresh and a single retry. API-key credentials pass through untouched.
 */
import assert from "node:assert/strict";
import type { App } from "../server/handler.js";
import { TokenUnavailableError } from "../oauth/refresh.js";
import { ServiceAccountError, serviceAccountOf } from "../oauth/vertex-sa.js";
import { effectiveProxy } from "../proxy/forward.js";
import type { AttemptOutcome, Credential } from "./types.js";

/** What a subscription request needs from its token file (oauth/headers.ts applyOAuthCall, the Code Assist executors). */
export interface TokenFacts {
  readonly type: string;
  readonly accessToken: string;
  readonly accountId?: string;
  /** Google Cloud project of Gemini CLI and Antigravity files. */
  readonly projectId?: string;
  /** The file's own `base_url` (Antigravity: replaces the configured root list). */
  readonly baseUrl?: string;
  /** The file as read (e.g. Antigravity's `user_agent`). */
  readonly raw?: Readonly<Record<string, unknown>>;
}

/** A credential ready to send: its current token in `apiKey`; for token files, the token too. */
export interface LiveCredential {
  readonly cred: Credential;
  /** Set for token-file credentials. */
  readonly token?: TokenFacts;
}

type Failed = Exclude<AttemptOutcome, { kind: "done" }>;

function failure(err: unknown): Failed {
  // A token that cannot be had is this credential's failure (401 rests it, 503 backs off), not a transport error.
  if (err instanceof ServiceAccountError) return { kind: "unavailable", status: err.status, message: err.message };
  if (err instanceof TokenUnavailableError)
    return { kind: "unavailable", status: err.status, message: err.message, retryAfterMs: err.retryAfterMs };
  throw err;
}

/** The credential with a usable token: refreshed first (shared) when due. */
export async function liveCredential(app: App, cred: Credential): Promise<LiveCredential | Failed> {
  const oauth = app.oauth;
  if (!oauth?.owns(cred.id)) return { cred };
  try {
    const t = await withServiceAccount(app, cred, await oauth.tokens.ensureFresh(cred.id));
    return { cred: { ...cred, apiKey: t.accessToken }, token: t };
  } catch (err) {
    return failure(err);
  }
}

/** After an upstream 401 on a token-file credential: the credential to retry with once, or the failure. */
export async function renewedCredential(app: App, live: LiveCredential): Promise<LiveCredential | Failed> {
  try {
    const t =
      live.token?.type === "vertex"
        ? await withServiceAccount(app, live.cred, live.token, live.cred.apiKey)
        : await oauthOf(app).tokens.onUnauthorized(live.cred.id, live.cred.apiKey);
    return { cred: { ...live.cred, apiKey: t.accessToken }, token: t };
  } catch (err) {
    return failure(err);
  }
}

/** The OAuth runtime: a live credential with a token came from it, so it exists. */
function oauthOf(app: App): NonNullable<App["oauth"]> {
  assert.ok(app.oauth, "a token-file credential without the OAuth runtime");
  return app.oauth;
}

/**
 * Vertex service-account files carry a key, not a token: the bearer is minted from it (oauth/vertex-sa.ts,
 * cached on the OAuth runtime). Other files, and vertex files holding a plain `access_token`, pass unchanged.
 */
async function withServiceAccount<T extends TokenFacts>(app: App, cred: Credential, t: T, stale?: string): Promise<T> {
  if (t.type !== "vertex" || t.raw?.service_account === undefined) return t;
  const sa = serviceAccountOf(t.raw);
  if (typeof sa === "string") throw new ServiceAccountError(401, `Vertex token file "${cred.id}": ${sa}`);
  const config = app.config();
  const got = await oauthOf(app).serviceAccounts.token(
    sa,
    { proxyUrl: effectiveProxy(cred.proxyUrl, config.proxyUrl), connectTimeoutMs: config.upstreamConnectTimeoutMs },
    stale,
  );
  app.log.secrets.add(got.token);
  return { ...t, accessToken: got.token, projectId: sa.projectId };
}
