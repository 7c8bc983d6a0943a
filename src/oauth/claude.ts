/**
 * Claude Pro/Max login and refresh (oauth.md §2): PKCE code flow against claude.ai, JSON token
 * exchange, the email taken from the token answer's `account`, file `claude-<email>.json`.
 */
import { LoginError } from "./callback.js";
import type { Endpoints } from "./endpoints.js";
import { httpCall } from "./http.js";
import { formatTime, safeSegment } from "./store.js";
import {
  classifyRefreshAnswer,
  expiresInSeconds,
  loginFailure,
  objectField,
  str,
  type Grant,
  type Vendor,
  type VendorContext,
} from "./vendor.js";

/** The authorize URL with every parameter oauth.md §2 lists. */
function authorizeUrl(ep: Endpoints, p: { state: string; challenge: string; redirectUri: string }): string {
  const q = new URLSearchParams({
    code: "true",
    client_id: ep.clientId,
    response_type: "code",
    redirect_uri: p.redirectUri,
    scope: ep.scope,
    code_challenge: p.challenge,
    code_challenge_method: "S256",
    state: p.state,
  });
  return `${ep.authorizeUrl}?${q}`;
}

/** Splits Claude's `<code>#<state>` (its hosted page shows both); without `#` the state is the expected one. */
export function splitClaudeCode(code: string, expectedState: string): { code: string; state: string } {
  const at = code.indexOf("#");
  if (at < 0) return { code, state: expectedState };
  return { code: code.slice(0, at), state: code.slice(at + 1) || expectedState };
}

/**
 * The headers Claude Code's axios client sends to the token endpoint (HEAD anthropic_auth.go
 * applyClaudeOAuthAxiosHeaders); Accept-Encoding is left out because oauth/http.ts does not decode.
 */
const AXIOS_HEADERS = {
  accept: "application/json, text/plain, */*",
  "content-type": "application/json",
  "user-agent": "axios/1.15.2",
  connection: "close",
};

async function complete(
  grant: Grant,
  ctx: VendorContext,
): Promise<{ file: string; data: Record<string, unknown>; email: string }> {
  const ep = ctx.endpoints;
  const { code, state } = splitClaudeCode(grant.code, grant.expectedState);
  const a = await httpCall(
    {
      url: ep.tokenUrl,
      headers: AXIOS_HEADERS,
      // Key order as Claude Code 2.1.220 sends it (HEAD authorizationCodeExchangeRequest).
      json: {
        grant_type: "authorization_code",
        code,
        redirect_uri: grant.redirectUri,
        client_id: ep.clientId,
        code_verifier: grant.verifier,
        state,
      },
    },
    ctx.http,
  );
  if (a.status !== 200) throw loginFailure("the token exchange", ep.tokenUrl, a);
  const access = str(a.json.access_token);
  if (!access) throw new LoginError("Login failed: the token answer has no access_token");
  const email = str(objectField(a.json, "account").email_address)?.trim();
  if (!email) throw new LoginError("Login failed: the token answer has no account email");
  const now = ctx.now();
  const data: Record<string, unknown> = {
    type: "claude",
    access_token: access,
    refresh_token: str(a.json.refresh_token) ?? "",
    id_token: "",
    email,
    // The account identity cloaked requests carry in metadata.user_id (providers/claude-oauth.ts).
    ...(str(objectField(a.json, "account").uuid) ? { account_uuid: str(objectField(a.json, "account").uuid) } : {}),
    expired: formatTime(now + expiresInSeconds(a.json.expires_in) * 1000),
    last_refresh: formatTime(now),
    disabled: false,
  };
  return { file: `claude-${safeSegment(email)}.json`, data, email };
}

async function refresh(raw: Record<string, unknown>, ctx: VendorContext): Promise<Record<string, unknown>> {
  const ep = ctx.endpoints;
  const a = await httpCall(
    {
      url: ep.tokenUrl,
      headers: AXIOS_HEADERS,
      // HEAD anthropic_auth.go RefreshTokens: a JSON body that names the scope.
      json: {
        client_id: ep.clientId,
        grant_type: "refresh_token",
        refresh_token: str(raw.refresh_token) ?? "",
        scope: ep.scope,
      },
    },
    ctx.http,
  );
  if (a.status !== 200) throw classifyRefreshAnswer(a, ep.tokenUrl, ctx.now());
  const access = str(a.json.access_token);
  if (!access) throw classifyRefreshAnswer({ ...a, status: 502 }, ep.tokenUrl, ctx.now());
  const now = ctx.now();
  return {
    ...raw,
    access_token: access,
    refresh_token: str(a.json.refresh_token) ?? raw.refresh_token,
    // Upstream blanks the email when the answer lacks `account`; we keep the one we had (oauth.md §2 Note).
    email: str(objectField(a.json, "account").email_address) ?? raw.email,
    ...(str(objectField(a.json, "account").uuid) ? { account_uuid: str(objectField(a.json, "account").uuid) } : {}),
    expired: formatTime(now + expiresInSeconds(a.json.expires_in) * 1000),
    last_refresh: formatTime(now),
  };
}

/** The Claude provider. */
export const CLAUDE_VENDOR: Vendor = {
  provider: "claude",
  leadMs: 4 * 3600_000,
  requestLeadMs: 60_000,
  authorizeUrl,
  complete,
  refresh,
};
