/**
 * What the two Google logins (gemini.ts, antigravity.ts) share: the authorize URL (with S256 PKCE,
 * which upstream omits), the form code exchange, the userinfo email, and the form refresh.
 */
import { LoginError } from "./callback.js";
import type { Endpoints } from "./endpoints.js";
import { httpCall, type HttpAnswer } from "./http.js";
import { classifyRefreshAnswer, loginFailure, str, type Grant, type VendorContext } from "./vendor.js";

/** The Google authorize URL (oauth.md §4, §5). */
export function googleAuthorizeUrl(
  ep: Endpoints,
  p: { state: string; challenge: string; redirectUri: string },
): string {
  const q = new URLSearchParams({
    client_id: ep.clientId,
    redirect_uri: p.redirectUri,
    response_type: "code",
    scope: ep.scope,
    access_type: "offline",
    prompt: "consent",
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: "S256",
  });
  return `${ep.authorizeUrl}?${q}`;
}

/** Exchanges a Google authorization code; returns the token answer's JSON. */
export async function googleExchange(grant: Grant, ctx: VendorContext): Promise<Record<string, unknown>> {
  const ep = ctx.endpoints;
  const a = await httpCall(
    {
      url: ep.tokenUrl,
      form: {
        grant_type: "authorization_code",
        code: grant.code,
        redirect_uri: grant.redirectUri,
        client_id: ep.clientId,
        client_secret: ep.clientSecret,
        code_verifier: grant.verifier,
      },
    },
    ctx.http,
  );
  if (a.status !== 200) throw loginFailure("the token exchange", ep.tokenUrl, a);
  if (!str(a.json.access_token)) throw new LoginError("Login failed: the token answer has no access_token");
  return a.json;
}

/** The account email from Google userinfo; an empty one fails the login. */
export async function googleEmail(accessToken: string, ctx: VendorContext): Promise<string> {
  const url = ctx.endpoints.userinfoUrl;
  const a = await httpCall({ method: "GET", url, headers: { authorization: `Bearer ${accessToken}` } }, ctx.http);
  if (a.status !== 200) throw loginFailure("the userinfo call", url, a);
  const email = str(a.json.email)?.trim();
  if (!email) throw new LoginError("Login failed: userinfo returned no email");
  return email;
}

/** One form refresh at a Google token endpoint; returns the answer or throws a RefreshError. */
export async function googleRefresh(
  tokenUrl: string,
  fields: { refreshToken: string; clientId: string; clientSecret: string },
  ctx: VendorContext,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const a = await httpCall(
    {
      url: tokenUrl,
      headers,
      form: {
        grant_type: "refresh_token",
        refresh_token: fields.refreshToken,
        client_id: fields.clientId,
        client_secret: fields.clientSecret,
      },
    },
    ctx.http,
  );
  if (a.status !== 200 || !str(a.json.access_token))
    throw classifyRefreshAnswer(a.status === 200 ? { ...a, status: 502 } : a, tokenUrl, ctx.now());
  return a;
}
