/**
 * ChatGPT (Codex) login and refresh (oauth.md §3): PKCE code flow or the device-code flow against
 * auth.openai.com, form token exchange, identity from the id_token's claims (unverified: it came
 * straight from the token endpoint over TLS), files named by email, plan and account.
 */
import { createHash } from "node:crypto";
import { LoginError } from "./callback.js";
import type { Endpoints } from "./endpoints.js";
import { httpCall } from "./http.js";
import { formatTime, safeSegment } from "./store.js";
import {
  classifyRefreshAnswer,
  expiresInSeconds,
  jwtClaims,
  loginFailure,
  objectField,
  str,
  type Grant,
  type SavedLogin,
  type Vendor,
  type VendorContext,
} from "./vendor.js";

/** Longest a device-code login waits for the user (oauth.md §3.5). */
export const DEVICE_WAIT_MS = 15 * 60_000;

function authorizeUrl(ep: Endpoints, p: { state: string; challenge: string; redirectUri: string }): string {
  const q = new URLSearchParams({
    client_id: ep.clientId,
    response_type: "code",
    redirect_uri: p.redirectUri,
    scope: ep.scope,
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: "S256",
    prompt: "login",
    id_token_add_organizations: "true",
    codex_cli_simplified_flow: "true",
  });
  return `${ep.authorizeUrl}?${q}`;
}

/** Email, ChatGPT account id and plan from an id_token. */
export function codexIdentity(idToken: unknown): { email?: string; accountId?: string; plan?: string } {
  const claims = jwtClaims(idToken);
  const auth = objectField(claims, "https://api.openai.com/auth");
  return {
    email: str(claims.email)?.trim(),
    accountId: str(auth.chatgpt_account_id)?.trim(),
    plan: str(auth.chatgpt_plan_type)?.trim(),
  };
}

/** The file name for a Codex login (oauth.md §3.2). */
export function codexFileName(email: string, plan: string | undefined, accountId: string | undefined): string {
  const p = (plan ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const e = safeSegment(email);
  if (!p) return `codex-${e}.json`;
  if (p === "team") {
    const h = createHash("sha256")
      .update(accountId ?? "")
      .digest("hex")
      .slice(0, 8);
    return `codex-${h}-${e}-team.json`;
  }
  return `codex-${e}-${p}.json`;
}

async function exchange(code: string, verifier: string, redirectUri: string, ctx: VendorContext): Promise<SavedLogin> {
  const ep = ctx.endpoints;
  const a = await httpCall(
    {
      url: ep.tokenUrl,
      form: {
        grant_type: "authorization_code",
        client_id: ep.clientId,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      },
    },
    ctx.http,
  );
  if (a.status !== 200) throw loginFailure("the token exchange", ep.tokenUrl, a);
  const access = str(a.json.access_token);
  if (!access) throw new LoginError("Login failed: the token answer has no access_token");
  const id = codexIdentity(a.json.id_token);
  if (!id.email) throw new LoginError("Login failed: the id_token has no email");
  const now = ctx.now();
  const data: Record<string, unknown> = {
    type: "codex",
    access_token: access,
    refresh_token: str(a.json.refresh_token) ?? "",
    id_token: str(a.json.id_token) ?? "",
    account_id: id.accountId ?? "",
    email: id.email,
    expired: formatTime(now + expiresInSeconds(a.json.expires_in) * 1000),
    last_refresh: formatTime(now),
    disabled: false,
  };
  return { file: codexFileName(id.email, id.plan, id.accountId), data, email: id.email };
}

async function refresh(raw: Record<string, unknown>, ctx: VendorContext): Promise<Record<string, unknown>> {
  const ep = ctx.endpoints;
  const a = await httpCall(
    {
      url: ep.tokenUrl,
      form: {
        client_id: ep.clientId,
        grant_type: "refresh_token",
        refresh_token: str(raw.refresh_token) ?? "",
        scope: "openid profile email",
      },
    },
    ctx.http,
  );
  if (a.status !== 200) throw classifyRefreshAnswer(a, ep.tokenUrl, ctx.now());
  const access = str(a.json.access_token);
  if (!access) throw classifyRefreshAnswer({ ...a, status: 502 }, ep.tokenUrl, ctx.now());
  const idToken = str(a.json.id_token);
  const id = codexIdentity(idToken);
  const now = ctx.now();
  return {
    ...raw,
    // Upstream blanks email and id_token when the answer has no id_token; we keep them (oauth.md §3.3 Note).
    id_token: idToken ?? raw.id_token,
    access_token: access,
    refresh_token: str(a.json.refresh_token) ?? raw.refresh_token,
    account_id: id.accountId ?? raw.account_id,
    email: id.email ?? raw.email,
    expired: formatTime(now + expiresInSeconds(a.json.expires_in) * 1000),
    last_refresh: formatTime(now),
  };
}

/**
 * The device-code login (oauth.md §3.5): ask for a user code, show it with the verification URL, poll
 * until the user approved (403/404 = pending), then exchange with the device redirect_uri and the
 * verifier the server returned.
 */
export async function codexDeviceLogin(
  ctx: VendorContext,
  show: (url: string, userCode: string) => void,
): Promise<SavedLogin> {
  const ep = ctx.endpoints;
  const start = await httpCall({ url: ep.deviceUsercodeUrl, json: { client_id: ep.clientId } }, ctx.http);
  if (start.status < 200 || start.status >= 300)
    throw loginFailure("the device code request", ep.deviceUsercodeUrl, start);
  const deviceAuthId = str(start.json.device_auth_id);
  const userCode = str(start.json.user_code) ?? str(start.json.usercode);
  if (!deviceAuthId || !userCode)
    throw new LoginError("Login failed: the device code answer has no device_auth_id or user_code");
  const interval = Number(start.json.interval);
  const everyMs = (Number.isFinite(interval) && interval > 0 ? interval : 5) * 1000;
  show(ep.deviceVerificationUrl, userCode);
  const deadline = ctx.now() + DEVICE_WAIT_MS;
  while (ctx.now() < deadline) {
    await ctx.sleep(everyMs);
    const a = await httpCall(
      { url: ep.deviceTokenUrl, json: { device_auth_id: deviceAuthId, user_code: userCode } },
      ctx.http,
    );
    if (a.status === 403 || a.status === 404) continue;
    if (a.status < 200 || a.status >= 300) throw loginFailure("the device token poll", ep.deviceTokenUrl, a);
    const code = str(a.json.authorization_code);
    const verifier = str(a.json.code_verifier);
    if (!code || !verifier)
      throw new LoginError("Login failed: the device token answer has no authorization_code or code_verifier");
    return exchange(code, verifier, ep.deviceRedirectUri, ctx);
  }
  throw new LoginError(`Login timed out: the device code was not approved within ${DEVICE_WAIT_MS / 60_000} min`);
}

/** The Codex provider. */
export const CODEX_VENDOR: Vendor = {
  provider: "codex",
  leadMs: 120 * 3600_000,
  requestLeadMs: 60_000,
  authorizeUrl,
  complete: (grant: Grant, ctx) => exchange(grant.code, grant.verifier, grant.redirectUri, ctx),
  refresh,
};
