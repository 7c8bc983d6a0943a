/**
 * The status page, `GET /status` (issue 8): what the running proxy is doing, for a person. Same access
 * rules as the management API; a browser without a key gets a small key form (401) whose inline script
 * then fetches the page with `X-Management-Key` and refreshes it. Every value shown is a masked label,
 * a model name, a count or a time: never a key or token.
 */
import { HttpError } from "../server/errors.js";
import type { App, Handler } from "../server/handler.js";
import { authorise, managementEnabled, notEnabled, presentedManagementKey, versionHeaders } from "./auth.js";
import {
  enablePage,
  lockedPage,
  loginPage,
  statusPage,
  type CredentialRow,
  type ModelRow,
  type StatusView,
} from "./status-page.js";

export type { CredentialRow, ModelRow, StatusView };
import { isLoopbackAddress } from "../server/loopback.js";

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function credentialRows(app: App): CredentialRow[] {
  const rows: CredentialRow[] = app.providers.state().map((c) => ({
    provider: c.provider,
    label: c.label,
    state: c.state,
    detail: c.models
      .map(
        (m) =>
          `${m.state === "blocked" ? "blocked" : "cooling"} until ${iso(m.until)} for ${m.model} (${m.status ? `HTTP ${m.status}: ` : ""}${m.reason})`,
      )
      .join("; "),
  }));
  for (const t of app.oauth?.tokens.credentials() ?? []) {
    if (t.disabled && t.disabledReason !== "multi-project parent") {
      rows.push({
        provider: t.provider,
        label: t.email ? `${t.id} (${t.email})` : t.id,
        state: "disabled",
        detail: t.disabledReason ?? `"disabled": true in ${t.file}`,
      });
    }
  }
  for (const c of app.config().openaiCompatibility) {
    if (c.disabled)
      rows.push({
        provider: c.name.trim().toLowerCase() || "openai-compatibility",
        label: c.baseUrl,
        state: "disabled",
        detail: "disabled: true in config",
      });
  }
  return rows;
}

function modelRows(app: App): ModelRow[] {
  const byModel = new Map<
    string,
    { requests: number; failures: number; inputTokens: number; outputTokens: number; totalTokens: number }
  >();
  for (const c of app.providers.usage.snapshot().credentials) {
    for (const [model, t] of Object.entries(c.models)) {
      const row = byModel.get(model) ?? { requests: 0, failures: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0 };
      row.requests += t.requests;
      row.failures += t.failures;
      row.inputTokens += t.tokens.inputTokens;
      row.outputTokens += t.tokens.outputTokens;
      row.totalTokens += t.tokens.totalTokens;
      byModel.set(model, row);
    }
  }
  return [...byModel]
    .map(([model, r]) => ({ model, ...r }))
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
}

function reloadText(app: App): string {
  const last = app.lastReload;
  if (!last) return app.configPath ? "loaded at start; not reloaded since" : "no config file";
  const e = last.event;
  const when = iso(last.at);
  if (e.kind === "failed") return `failed at ${when}, kept the running config: ${e.error}`;
  if (e.kind === "reloaded")
    return `reloaded at ${when} (${e.changed.join(", ")})${e.needsRestart.length ? `; needs restart for ${e.needsRestart.join(", ")}` : ""}`;
  return `re-read at ${when}; nothing changed`;
}

/** The page's data for `app` now. */
export function statusView(app: App): StatusView {
  return {
    version: app.version,
    uptimeSeconds: Math.floor(process.uptime()),
    now: app.clock.now(),
    configPath: app.configPath ?? "(none: embedded default)",
    lastReload: reloadText(app),
    credentials: credentialRows(app),
    usageEnabled: app.providers.usage.enabled,
    models: modelRows(app),
    served: app.providers.models().map((m) => ({ id: m.id, source: m.source, providers: m.providers })),
    decisions: app.amp.recent.newestFirst(),
    tunnels: { open: app.amp.tunnels.open, opened: app.amp.tunnels.opened },
  };
}

function sendHtml(res: Parameters<Handler>[1]["res"], status: number, html: string): void {
  res
    .writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(html),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // The one inline script is the page's own; nothing else may run or load, and no other page may
      // frame it (a framed key form invites clickjacking; X-Frame-Options for browsers without CSP 2).
      "content-security-policy":
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
      "x-frame-options": "DENY",
    })
    .end(html);
}

/** `GET /status`. */
export const statusHandler: Handler = async (req, ctx) => {
  // GET / lists /status, so the user at the machine learns how to turn it on instead of meeting a bare 404.
  if (!managementEnabled(ctx))
    return isLoopbackAddress(ctx.peer) ? sendHtml(ctx.res, 404, enablePage(ctx.app.configPath)) : notEnabled(ctx);
  versionHeaders(ctx);
  const browser = /text\/html/i.test(String(req.headers.accept ?? ""));
  const lockout = ctx.app.managementLockout;
  const wasBanned = lockout.bannedFor(ctx.peer) > 0;
  try {
    authorise(req, ctx, !browser);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    const banned = lockout.bannedFor(ctx.peer);
    if (banned > 0 && !wasBanned) {
      ctx.app.log.warn(
        `status page: ${ctx.peer} locked out of management for ${Math.ceil(banned / 60_000)} min after too many wrong keys`,
        { peer: ctx.peer },
      );
    } else if (err.status === 401 && presentedManagementKey(req) !== undefined) {
      ctx.app.log.warn("status page: wrong management key", {
        peer: ctx.peer,
        attemptsLeft: lockout.attemptsLeft(ctx.peer),
      });
    }
    if (!browser) throw err;
    if (banned > 0)
      return sendHtml(
        ctx.res,
        403,
        lockedPage(new Date(ctx.app.clock.now() + banned).toISOString(), ctx.app.configPath),
      );
    if (err.status === 401) {
      const left = lockout.attemptsLeft(ctx.peer);
      const warning =
        presentedManagementKey(req) === undefined
          ? ""
          : `; ${left} attempt${left === 1 ? "" : "s"} left before this address is locked out for 30 minutes`;
      return sendHtml(ctx.res, 401, loginPage(err.message + warning));
    }
    throw err;
  }
  sendHtml(ctx.res, 200, statusPage(statusView(ctx.app), ctx.app.log.secrets));
};
