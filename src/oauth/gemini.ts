/**
 * Gemini CLI login and refresh (oauth.md §4): Google code flow, userinfo email, then the Cloud Code
 * Assist project dance — choose projects, loadCodeAssist, onboardUser until done, make sure the
 * cloudaicompanion service is enabled — and one file `gemini-<email>-<project>.json` (`-all` for many).
 */
import { arch, platform } from "node:process";

/**
 * What changed for Gemini CLI subscriptions: Google cut individual accounts off on 2026-06-18 and
 * CLIProxyAPI removed the provider (HEAD 78ba8ba73); cliproxy keeps the token files working for the
 * accounts that still have access.
 */
export const GEMINI_CLI_NOTICE =
  "Gemini CLI: Google ended access for individual (free and Google One) accounts on 2026-06-18; Workspace and paid Code Assist accounts keep working, and existing token files are used as before. For individual accounts use a gemini-api-key or an Antigravity login instead";
import { LoginError } from "./callback.js";
import { DEFAULT_ENDPOINTS } from "./endpoints.js";
import { httpCall, parseObject } from "./http.js";
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

/** Metadata every Code Assist call of the Gemini CLI carries. */
export const GEMINI_METADATA = Object.freeze({
  ideType: "IDE_UNSPECIFIED",
  platform: "PLATFORM_UNSPECIFIED",
  pluginType: "GEMINI",
});

/** Gemini CLI's User-Agent for a model (`unknown` during login). */
export function geminiCliUserAgent(model = "unknown"): string {
  return `GeminiCLI/0.34.0/${model} (${platform}; ${arch}; terminal)`;
}

/** onboardUser polls: every 5 s up to this many times (a stuck onboarding must not hang the login). */
const ONBOARD_POLLS = 60;

async function codeAssist(
  method: string,
  token: string,
  body: unknown,
  ctx: VendorContext,
): Promise<Record<string, unknown>> {
  const url = `${ctx.endpoints.codeAssistBaseUrl}/v1internal:${method}`;
  const a = await httpCall(
    { url, json: body, headers: { authorization: `Bearer ${token}`, "user-agent": geminiCliUserAgent() } },
    ctx.http,
  );
  if (a.status < 200 || a.status >= 300) throw loginFailure(method, url, a);
  return a.json;
}

/** Projects the account can see (Cloud Resource Manager). */
async function listProjects(token: string, ctx: VendorContext): Promise<Array<{ id: string; name: string }>> {
  const url = ctx.endpoints.resourceManagerUrl;
  const a = await httpCall({ method: "GET", url, headers: { authorization: `Bearer ${token}` } }, ctx.http);
  if (a.status !== 200) throw loginFailure("listing projects", url, a);
  const list = Array.isArray(a.json.projects) ? a.json.projects : [];
  return list
    .map((p) => parseObject(JSON.stringify(p)))
    .map((p) => ({ id: str(p.projectId) ?? "", name: str(p.name) ?? "" }))
    .filter((p) => p.id);
}

/** Which projects to onboard: explicit ids, or none (let Code Assist pick), and whether cliproxy picked. */
async function chooseProjects(
  token: string,
  ctx: VendorContext,
): Promise<{ ids: string[]; auto: boolean; all: boolean }> {
  const wanted = ctx.projectId?.trim() ?? "";
  if (wanted.toUpperCase() === "GOOGLE_ONE") return { ids: [], auto: true, all: false };
  if (wanted && wanted.toUpperCase() !== "ALL")
    return {
      ids: wanted
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
      auto: false,
      all: wanted.includes(","),
    };
  const projects = await listProjects(token, ctx);
  if (wanted.toUpperCase() === "ALL") {
    if (!projects.length)
      throw new LoginError("Login failed: ALL was asked for but the account lists no Google Cloud projects");
    return { ids: projects.map((p) => p.id), auto: false, all: true };
  }
  if (!projects.length) return { ids: [], auto: true, all: false };
  if (!ctx.ask) return { ids: [projects[0].id], auto: true, all: false };
  ctx.say("Google Cloud projects:");
  projects.forEach((p, i) => ctx.say(`  ${i + 1}. ${p.id}${p.name ? ` (${p.name})` : ""}`));
  for (;;) {
    const answer = (await ctx.ask("Project id, list number or ALL [1]: ")).trim();
    if (!answer) return { ids: [projects[0].id], auto: false, all: false };
    if (answer.toUpperCase() === "ALL") return { ids: projects.map((p) => p.id), auto: false, all: true };
    const n = Number(answer);
    if (Number.isInteger(n) && n >= 1 && n <= projects.length)
      return { ids: [projects[n - 1].id], auto: false, all: false };
    if (projects.some((p) => p.id === answer)) return { ids: [answer], auto: false, all: false };
    ctx.say(`"${answer}" is not one of the listed projects`);
  }
}

/** loadCodeAssist + onboardUser for one project (or none); returns the project id Code Assist settled on. */
async function setupProject(token: string, requested: string | undefined, ctx: VendorContext): Promise<string> {
  const load = await codeAssist(
    "loadCodeAssist",
    token,
    { metadata: GEMINI_METADATA, ...(requested ? { cloudaicompanionProject: requested } : {}) },
    ctx,
  );
  const tiers = Array.isArray(load.allowedTiers) ? load.allowedTiers.map((t) => parseObject(JSON.stringify(t))) : [];
  const tierId = str(tiers.find((t) => t.isDefault === true)?.id) ?? "legacy-tier";
  let project = requested ?? projectIdOf(load.cloudaicompanionProject);
  if (!project) {
    // No project yet: Code Assist creates a managed one; poll every 2 s for up to 30 s.
    for (let i = 0; i < 15 && !project; i++) {
      const r = await codeAssist("onboardUser", token, { tierId, metadata: GEMINI_METADATA }, ctx);
      project = projectIdOf(objectField(r, "response").cloudaicompanionProject);
      if (!project) await ctx.sleep(2000);
    }
    if (!project)
      throw new LoginError(
        "Login failed: Code Assist assigned no project; pass --project-id with a Google Cloud project id",
      );
  }
  for (let i = 0; i < ONBOARD_POLLS; i++) {
    const r = await codeAssist(
      "onboardUser",
      token,
      { tierId, metadata: GEMINI_METADATA, cloudaicompanionProject: project },
      ctx,
    );
    if (r.done === true) return projectIdOf(objectField(r, "response").cloudaicompanionProject) ?? project;
    await ctx.sleep(5000);
  }
  throw new LoginError(`Login failed: onboarding of project "${project}" did not finish`);
}

/** Makes sure the cloudaicompanion service is enabled on a project (oauth.md §4.1 step 4). */
async function enableService(token: string, project: string, ctx: VendorContext): Promise<void> {
  const url = `${ctx.endpoints.serviceUsageUrl}/v1/projects/${encodeURIComponent(project)}/services/cloudaicompanion.googleapis.com`;
  const auth = { authorization: `Bearer ${token}` };
  const got = await httpCall({ method: "GET", url, headers: auth }, ctx.http);
  if (got.status === 200 && got.json.state === "ENABLED") return;
  const a = await httpCall({ url: `${url}:enable`, json: {}, headers: auth }, ctx.http);
  if (a.status === 200 || a.status === 201 || (a.status === 400 && /already enabled/i.test(a.text))) return;
  throw new LoginError(
    `Login failed: project activation required: enable the Gemini for Google Cloud API (cloudaicompanion.googleapis.com) on "${project}" (${a.status})`,
  );
}

async function complete(grant: Grant, ctx: VendorContext): Promise<SavedLogin> {
  const ep = ctx.endpoints;
  const t = await googleExchange(grant, ctx);
  const access = String(t.access_token);
  const email = await googleEmail(access, ctx);
  const choice = await chooseProjects(access, ctx);
  const ids: string[] = [];
  for (const requested of choice.ids.length ? choice.ids : [undefined]) {
    const id = await setupProject(access, requested, ctx);
    await enableService(access, id, ctx);
    if (!ids.includes(id)) ids.push(id);
  }
  const now = ctx.now();
  const expiresIn = expiresInSeconds(t.expires_in);
  const data: Record<string, unknown> = {
    type: "gemini",
    email,
    project_id: ids.join(","),
    auto: choice.auto,
    checked: true,
    disabled: false,
    token: {
      access_token: access,
      token_type: str(t.token_type) ?? "Bearer",
      refresh_token: str(t.refresh_token) ?? "",
      expiry: formatTime(now + expiresIn * 1000),
      expires_in: expiresIn,
      token_uri: ep.tokenUrl,
      client_id: ep.clientId,
      client_secret: ep.clientSecret,
      scopes: ep.scope.split(" "),
      universe_domain: "googleapis.com",
    },
  };
  const suffix = choice.all || ids.length > 1 ? "all" : safeSegment(ids[0]);
  return { file: `gemini-${safeSegment(email)}-${suffix}.json`, data, email };
}

async function refresh(raw: Record<string, unknown>, ctx: VendorContext): Promise<Record<string, unknown>> {
  const ep = ctx.endpoints;
  const token = objectField(raw, "token");
  // A configured token-url wins over the file's token_uri (oauth.md §9), so tests and mirrors reach their server.
  const tokenUrl =
    ep.tokenUrl !== DEFAULT_ENDPOINTS.gemini.tokenUrl ? ep.tokenUrl : (str(token.token_uri) ?? ep.tokenUrl);
  const refreshToken = str(token.refresh_token) ?? str(raw.refresh_token) ?? "";
  const a = await googleRefresh(
    tokenUrl,
    {
      refreshToken,
      clientId: str(token.client_id) ?? ep.clientId,
      clientSecret: str(token.client_secret) ?? ep.clientSecret,
    },
    ctx,
  );
  const now = ctx.now();
  const expiresIn = expiresInSeconds(a.json.expires_in);
  const access = String(a.json.access_token);
  const newRefresh = str(a.json.refresh_token) ?? refreshToken;
  const expiry = formatTime(now + expiresIn * 1000);
  const out: Record<string, unknown> = {
    ...raw,
    token: {
      ...token,
      access_token: access,
      refresh_token: newRefresh,
      token_type: str(a.json.token_type) ?? str(token.token_type) ?? "Bearer",
      expiry,
      expires_in: expiresIn,
    },
  };
  // Upstream mirrors tokens at the top level after use; keep those in step when present.
  if ("access_token" in raw) out.access_token = access;
  if ("refresh_token" in raw) out.refresh_token = newRefresh;
  if ("expiry" in raw) out.expiry = expiry;
  if ("expired" in raw) out.expired = expiry;
  return out;
}

/** The Gemini CLI provider. */
export const GEMINI_VENDOR: Vendor = {
  provider: "gemini",
  // Upstream refreshes Gemini only at request time; cliproxy also refreshes 5 min ahead (oauth.md §4.3).
  leadMs: 5 * 60_000,
  requestLeadMs: 10_000,
  authorizeUrl: googleAuthorizeUrl,
  complete,
  refresh,
};
