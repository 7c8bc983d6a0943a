/**
 * Antigravity login and refresh (oauth.md §5): Google code flow with Antigravity's client, userinfo
 * email, the project from loadCodeAssist (onboarding on the daily root when there is none), and the
 * file `antigravity-<email>.json` with `timestamp` in ms and `expires_in` in seconds.
 */
import { LoginError } from "./callback.js";
import { httpCall } from "./http.js";
import { googleAuthorizeUrl, googleEmail, googleExchange, googleRefresh } from "./google.js";
import { formatTime, safeSegment } from "./store.js";
import {
  expiresInSeconds,
  loginFailure,
  objectField,
  projectIdOf,
  str,
  type Grant,
  type SavedLogin,
  type Vendor,
  type VendorContext,
} from "./vendor.js";

/**
 * The Antigravity version cliproxy claims: CLIProxyAPI HEAD a7e3596b7 internal/misc/antigravity_version.go's
 * fallback (HEAD also polls Google's hub manifest; cliproxy fetches nothing at start-up). Versions
 * below 2.9.0 are answered 404 "Requested entity was not found".
 */
export const ANTIGRAVITY_VERSION = "2.9.1";
const MIN_VERSION = [2, 9, 0];

/** Antigravity's User-Agent, `antigravity/hub/<version> darwin/arm64`. */
export function antigravityUserAgent(version = ANTIGRAVITY_VERSION): string {
  return `antigravity/hub/${version} darwin/arm64`;
}

/**
 * The User-Agent for a request: a token file's own one without its `google-api-nodejs-client/…` tail
 * (HEAD AntigravityRequestUserAgent), unless it claims a version the service no longer accepts.
 */
export function antigravityRequestUserAgent(fileUserAgent: string | undefined): string {
  const ua = fileUserAgent?.trim();
  if (!ua) return antigravityUserAgent();
  if (!/^antigravity\//i.test(ua)) return ua;
  const base = ua.replace(/\s+google-api-nodejs-client\/.*$/i, "").trim();
  const version = /^antigravity\/(?:hub\/)?(\d+)\.(\d+)\.(\d+)/i.exec(base)?.slice(1).map(Number);
  if (!version) return antigravityUserAgent();
  for (let i = 0; i < 3; i++)
    if (version[i] !== MIN_VERSION[i]) return version[i] > MIN_VERSION[i] ? base : antigravityUserAgent();
  return base;
}

/** onboardUser polls (oauth.md §5): up to 5, 2 s apart. */
const ONBOARD_POLLS = 5;

/** Finds (or onboards) the account's Code Assist project; undefined when there is none. */
export async function discoverProject(token: string, ctx: VendorContext): Promise<string | undefined> {
  const ep = ctx.endpoints;
  const url = `${ep.codeAssistBaseUrl}/v1internal:loadCodeAssist`;
  const load = await httpCall(
    {
      url,
      json: { metadata: { ideType: "ANTIGRAVITY" } },
      headers: { authorization: `Bearer ${token}`, accept: "*/*", "user-agent": antigravityUserAgent() },
    },
    ctx.http,
  );
  if (load.status < 200 || load.status >= 300) throw loginFailure("loadCodeAssist", url, load);
  const found =
    projectIdOf(load.json.cloudaicompanionProject) ??
    projectIdOf(load.json.projectId) ??
    projectIdOf(load.json.project);
  if (found) return found;
  const tiers = Array.isArray(load.json.allowedTiers) ? (load.json.allowedTiers as unknown[]) : [];
  const def = tiers.find((t) => (t as Record<string, unknown>)?.isDefault === true) as
    Record<string, unknown> | undefined;
  const tierId = str(def?.id) ?? str(objectField(load.json, "currentTier").id) ?? "free-tier";
  const onboardUrl = `${ep.onboardBaseUrl}/v1internal:onboardUser`;
  for (let i = 0; i < ONBOARD_POLLS; i++) {
    const a = await httpCall(
      {
        url: onboardUrl,
        json: {
          tier_id: tierId,
          metadata: { ide_type: "ANTIGRAVITY", ide_version: ANTIGRAVITY_VERSION, ide_name: "antigravity" },
        },
        headers: {
          authorization: `Bearer ${token}`,
          "user-agent": `${antigravityUserAgent()} google-api-nodejs-client/10.3.0`,
          "x-goog-api-client": "gl-node/22.21.1",
        },
      },
      ctx.http,
    );
    if (a.status < 200 || a.status >= 300) throw loginFailure("onboardUser", onboardUrl, a);
    const id = projectIdOf(objectField(a.json, "response").cloudaicompanionProject);
    if (a.json.done === true && id) return id;
    if (i < ONBOARD_POLLS - 1) await ctx.sleep(2000);
  }
  return undefined;
}

async function complete(grant: Grant, ctx: VendorContext): Promise<SavedLogin> {
  const t = await googleExchange(grant, ctx);
  const access = String(t.access_token);
  const email = await googleEmail(access, ctx);
  const project = await discoverProject(access, ctx);
  if (!project) throw new LoginError("Login failed: Antigravity assigned no Code Assist project to this account");
  const now = ctx.now();
  const expiresIn = expiresInSeconds(t.expires_in);
  const data: Record<string, unknown> = {
    type: "antigravity",
    access_token: access,
    refresh_token: str(t.refresh_token) ?? "",
    expires_in: expiresIn,
    timestamp: now,
    expired: formatTime(now + expiresIn * 1000),
    email,
    project_id: project,
    disabled: false,
  };
  return { file: email ? `antigravity-${safeSegment(email)}.json` : "antigravity.json", data, email };
}

async function refresh(raw: Record<string, unknown>, ctx: VendorContext): Promise<Record<string, unknown>> {
  const ep = ctx.endpoints;
  const a = await googleRefresh(
    ep.tokenUrl,
    {
      refreshToken: str(raw.refresh_token) ?? "",
      clientId: ep.clientId,
      clientSecret: ep.clientSecret,
    },
    ctx,
    { "user-agent": "Go-http-client/2.0" },
  );
  const now = ctx.now();
  const expiresIn = expiresInSeconds(a.json.expires_in);
  const access = String(a.json.access_token);
  const out: Record<string, unknown> = {
    ...raw,
    access_token: access,
    refresh_token: str(a.json.refresh_token) ?? raw.refresh_token,
    expires_in: expiresIn,
    timestamp: now,
    expired: formatTime(now + expiresIn * 1000),
  };
  if (!str(raw.project_id)) {
    // A file without a project cannot serve; rediscover it with the fresh token (oauth.md §5).
    const project = await discoverProject(access, ctx).catch(() => undefined);
    if (project) out.project_id = project;
  }
  return out;
}

/** The Antigravity provider. */
export const ANTIGRAVITY_VENDOR: Vendor = {
  provider: "antigravity",
  leadMs: 5 * 60_000,
  requestLeadMs: 3000_000,
  authorizeUrl: googleAuthorizeUrl,
  complete,
  refresh,
};
