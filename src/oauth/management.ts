/**
 * Logins started from the management API (management.md §4.8): the four `*-auth-url` starters, the
 * code hand-off (`POST /oauth-callback`, and the key-less main-port `/{provider}/callback` routes the
 * web-UI forwarder redirects to), and `get-auth-status` polling. Sessions live in memory, keyed by
 * their random state, for 10 minutes; each completes only itself (upstream also cancels its siblings).
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { effectiveProxy } from "../proxy/forward.js";
import { HttpError } from "../server/errors.js";
import type { App, Ctx, Handler, Route } from "../server/handler.js";
import { readJson } from "../server/body.js";
import { route } from "../server/router.js";
import {
  CALLBACK_WAIT_MS,
  FAILURE_PAGE,
  LoginError,
  parsePastedCallback,
  SUCCESS_PAGE,
  type CallbackResult,
} from "./callback.js";
import { endpointsFor, parseProvider, type OAuthProvider } from "./endpoints.js";
import { beginLogin, finishLogin, type FinishedLogin, type PendingLogin } from "./flow.js";
import { startForwarder, type Forwarder } from "./forwarder.js";
import { isValidState } from "./pkce.js";

/** How long a management login session is remembered (management.md §4.8). */
export const SESSION_TTL_MS = 10 * 60_000;

/** Main-port callback path segment per provider. */
const CALLBACK_SEGMENT: Readonly<Record<OAuthProvider, string>> = {
  claude: "anthropic",
  codex: "codex",
  gemini: "google",
  antigravity: "antigravity",
};

interface Session {
  readonly provider: OAuthProvider;
  readonly login: PendingLogin;
  readonly createdAt: number;
  status: "wait" | "ok" | "error";
  error?: string;
  file?: string;
  delivered: boolean;
  deliver(result: CallbackResult): void;
  forwarder?: Forwarder;
}

/** The management logins of one app. */
export class LoginSessions {
  private readonly sessions = new Map<string, Session>();
  /** Called after a login wrote its token file (the OAuth runtime registers it at once). */
  onSaved?: (done: FinishedLogin) => void;
  /** How long a started login waits for its code. */
  waitMs = CALLBACK_WAIT_MS;

  constructor(private readonly app: App) {}

  /** Fails every pending login and closes its forwarder (shutdown). */
  async close(): Promise<void> {
    for (const s of this.sessions.values())
      if (s.status === "wait" && !s.delivered) {
        s.delivered = true;
        s.deliver({ error: "cliproxy is shutting down" });
      }
    await Promise.all([...this.sessions.values()].map((s) => s.forwarder?.close()));
  }

  /** A live session by state; expired ones are forgotten. */
  get(state: string): Session | undefined {
    const now = this.app.clock.now();
    for (const [k, s] of this.sessions) if (now - s.createdAt >= SESSION_TTL_MS) this.sessions.delete(k);
    return this.sessions.get(state);
  }

  /** Starts a login in the background and returns its session. */
  async start(
    provider: OAuthProvider,
    config: Ctx["config"],
    options: { projectId?: string; forwardTo?: string },
  ): Promise<Session> {
    const endpoints = endpointsFor(provider, config);
    const login = await beginLogin(provider, endpoints, { listen: false });
    let deliver!: (r: CallbackResult) => void;
    const code = new Promise<CallbackResult>((resolve, reject) => {
      deliver = resolve;
      setTimeout(() => reject(new LoginError("Login timed out: no callback within 5 min")), this.waitMs).unref();
    });
    code.catch(() => undefined); // observed by complete(); a session whose forwarder failed never gets there
    const session: Session = {
      provider,
      login,
      createdAt: this.app.clock.now(),
      status: "wait",
      delivered: false,
      deliver: (r) => deliver(r),
    };
    if (options.forwardTo) {
      const redirect = new URL(login.redirectUri);
      session.forwarder = await startForwarder(
        Number(redirect.port || 80),
        [redirect.pathname],
        options.forwardTo,
      ).catch((err: NodeJS.ErrnoException) => {
        throw new HttpError(
          409,
          "conflict",
          `failed to start callback server on port ${redirect.port}: ${err.code ?? err.message}`,
        );
      });
    }
    this.sessions.set(login.state, session);
    void this.complete(session, code, options.projectId);
    return session;
  }

  private async complete(
    session: Session,
    code: Promise<CallbackResult>,
    projectId: string | undefined,
  ): Promise<void> {
    const log = this.app.log;
    try {
      const r = await code;
      if (r.error) throw new LoginError(`Login failed: the provider answered "${r.error}"`);
      // Both callback handlers deliver a code and a state whenever there is no error.
      assert.ok(r.code !== undefined && r.state !== undefined, "login callback without code or state");
      const config = this.app.config();
      const done = await finishLogin(
        session.login,
        { code: r.code, state: r.state },
        {
          endpoints: endpointsFor(session.provider, config),
          http: { proxyUrl: effectiveProxy("", config.proxyUrl), connectTimeoutMs: config.upstreamConnectTimeoutMs },
          now: () => this.app.clock.now(),
          sleep: (ms) => new Promise((res) => setTimeout(res, ms).unref()),
          say: (line) => log.info(`oauth: ${line}`),
          projectId,
        },
        config.authDir,
      );
      session.status = "ok";
      session.file = done.file;
      log.info(`oauth: ${session.provider} login saved ${done.file}`, { email: done.email });
      this.onSaved?.(done);
    } catch (err) {
      session.status = "error";
      session.error = (err as Error).message;
      log.warn(`oauth: ${session.provider} login failed: ${session.error}`);
    } finally {
      await session.forwarder?.close();
    }
  }
}

/** The App slot this module owns: the pending management logins (app/app.ts creates them). */
declare module "../server/handler.js" {
  interface App {
    readonly loginSessions: LoginSessions;
  }
}

function sendJsonBody(ctx: Ctx, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  ctx.res
    .writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
    })
    .end(text);
}

/** `GET /<provider>-auth-url`: starts a login and answers `{"status":"ok","url","state"}`. */
export function startLoginHandler(provider: OAuthProvider): Handler {
  return async (req: IncomingMessage, ctx: Ctx) => {
    const q = ctx.url.searchParams;
    const webui = /^(true|1)$/i.test(q.get("is_webui") ?? "");
    const port = req.socket.localPort;
    const forwardTo = webui ? `http://127.0.0.1:${port}/${CALLBACK_SEGMENT[provider]}/callback` : undefined;
    const projectId = provider === "gemini" ? q.get("project_id")?.trim() || undefined : undefined;
    const session = await ctx.app.loginSessions.start(provider, ctx.config, { projectId, forwardTo });
    sendJsonBody(ctx, 200, { status: "ok", url: session.login.url, state: session.login.state });
  };
}

const bad = (message: string) => new HttpError(400, "invalid_request_error", message);
const unknownState = () =>
  new HttpError(404, "not_found", "unknown or expired state", {
    body: { status: "error", error: "unknown or expired state" },
  });

function field(json: Record<string, unknown>, key: string): string | undefined {
  const v = json[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** `POST /oauth-callback`: hands a code (or a provider error) to its pending session. */
export const oauthCallbackHandler: Handler = async (req, ctx) => {
  const { json } = await readJson(req, ctx);
  const provider = parseProvider(field(json, "provider") ?? "");
  if (!provider) throw bad("unsupported provider");
  let result: CallbackResult;
  const redirectUrl = field(json, "redirect_url");
  if (redirectUrl) {
    try {
      result = parsePastedCallback(redirectUrl);
    } catch (err) {
      throw bad((err as Error).message);
    }
  } else result = { code: field(json, "code"), state: field(json, "state"), error: field(json, "error") };
  if (!result.state || !isValidState(result.state)) throw bad("missing or invalid state");
  if (!result.code && !result.error) throw bad("code or error is required");
  const session = ctx.app.loginSessions.get(result.state);
  if (!session) throw unknownState();
  if (session.provider !== provider) throw bad("provider does not match the login that state belongs to");
  if (session.status !== "wait" || session.delivered)
    throw new HttpError(409, "conflict", "login already finished or failed");
  session.delivered = true;
  session.deliver(result);
  sendJsonBody(ctx, 200, { status: "ok" });
};

/** `GET /get-auth-status?state=s`: `wait`, `error` with the reason, or `ok` with the file name. */
export const authStatusHandler: Handler = async (_req, ctx) => {
  const state = ctx.url.searchParams.get("state") ?? "";
  if (!isValidState(state))
    throw new HttpError(400, "invalid_request_error", "invalid state", {
      body: { status: "error", error: "invalid state" },
    });
  const session = ctx.app.loginSessions.get(state);
  if (!session) throw unknownState();
  if (session.status === "wait") return sendJsonBody(ctx, 200, { status: "wait" });
  if (session.status === "error") return sendJsonBody(ctx, 200, { status: "error", error: session.error });
  sendJsonBody(ctx, 200, { status: "ok", file: session.file });
};

/** Key-less `GET /{anthropic|codex|google|antigravity}/callback` on the main port: feeds a pending session of that provider. */
export function mainPortCallbackHandler(provider: OAuthProvider): Handler {
  return async (_req, ctx) => {
    const q = ctx.url.searchParams;
    const state = q.get("state") ?? "";
    const session = isValidState(state) ? ctx.app.loginSessions.get(state) : undefined;
    const code = q.get("code") ?? undefined;
    const error = q.get("error") ?? undefined;
    const ok =
      !!session &&
      session.provider === provider &&
      session.status === "wait" &&
      !session.delivered &&
      !!(code || error);
    if (ok) {
      session.delivered = true;
      session.deliver({ code, state, error });
    }
    const page = ok && !error ? SUCCESS_PAGE : FAILURE_PAGE;
    ctx.res
      .writeHead(ok && !error ? 200 : 400, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
      .end(page);
  };
}

/** Management routes (mount under the management key check). */
export const OAUTH_MANAGEMENT_ROUTES: readonly Route[] = [
  route("GET", "/v0/management/anthropic-auth-url", "plain", startLoginHandler("claude")),
  route("GET", "/v0/management/codex-auth-url", "plain", startLoginHandler("codex")),
  route("GET", "/v0/management/gemini-cli-auth-url", "plain", startLoginHandler("gemini")),
  route("GET", "/v0/management/antigravity-auth-url", "plain", startLoginHandler("antigravity")),
  route("POST", "/v0/management/oauth-callback", "plain", oauthCallbackHandler),
  route("GET", "/v0/management/get-auth-status", "plain", authStatusHandler),
];

/** Main-port callback routes for web-UI logins (no key: they only feed a pending session by its random state). */
export const OAUTH_CALLBACK_ROUTES: readonly Route[] = (Object.keys(CALLBACK_SEGMENT) as OAuthProvider[]).map((p) =>
  route("GET", `/${CALLBACK_SEGMENT[p]}/callback`, "plain", mainPortCallbackHandler(p)),
);
