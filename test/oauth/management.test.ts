import test, { type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { createApp } from "../../src/app/app.js";
import { dispatch } from "../../src/server/dispatch.js";
import { makeConfig, type Config } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import { OAUTH_CALLBACK_ROUTES, OAUTH_MANAGEMENT_ROUTES, SESSION_TTL_MS } from "../../src/oauth/management.js";
import { fakeClock } from "../support/server.js";
import { sendJson } from "../support/fake-upstream.js";
import { startFakeOAuth, type FakeOAuth } from "../fixtures/oauth/fake-oauth.js";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function setup(t: TestContext, oauth: FakeOAuth, endpoints: Config["oauthEndpoints"] = oauth.endpoints()) {
  const authDir = join(mkdtempSync(join(tmpdir(), "cliproxy-mgmt-")), "auth");
  const logs: string[] = [];
  const clock = fakeClock();
  const app = createApp({
    config: makeConfig({ authDir, oauthEndpoints: endpoints }),
    log: createLogger({ level: "debug", sink: (l) => logs.push(l) }),
    clock,
    env: {},
  });
  const server = createServer(dispatch([...OAUTH_MANAGEMENT_ROUTES, ...OAUTH_CALLBACK_ROUTES], app));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mgmt = (path: string, init?: RequestInit) => fetch(`${base}/v0/management${path}`, init);
  const post = (body: unknown) =>
    mgmt("/oauth-callback", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const statusOf = async (state: string) =>
    (await mgmt(`/get-auth-status?state=${state}`)).json() as Promise<Record<string, string>>;
  const settled = async (state: string) => {
    for (;;) {
      const s = await statusOf(state);
      if (s.status !== "wait") return s;
      await new Promise((r) => setImmediate(r));
    }
  };
  return { app, base, mgmt, post, statusOf, settled, authDir, logs, clock };
}

/** Follows the fake authorize endpoint and returns the redirect URL it sends the browser to. */
async function authorizeRedirect(url: string): Promise<string> {
  const res = await fetch(url, { redirect: "manual" });
  return res.headers.get("location")!;
}

test("M-15 GET /anthropic-auth-url → url+state; POST /oauth-callback with the redirect URL → get-auth-status goes wait → ok; claude-<email>.json exists", async (t) => {
  const oauth = await startFakeOAuth(t);
  const { mgmt, post, statusOf, settled, authDir, logs } = await setup(t, oauth);
  const res = await mgmt("/anthropic-auth-url");
  assert.equal(res.status, 200);
  const started = (await res.json()) as { status: string; url: string; state: string };
  assert.equal(started.status, "ok");
  assert.match(started.state, /^[0-9a-f]{32}$/);
  const authorize = new URL(started.url);
  assert.equal(authorize.searchParams.get("state"), started.state);
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  assert.deepEqual(await statusOf(started.state), { status: "wait" });
  const redirect = await authorizeRedirect(started.url);
  const wrong = await post({ provider: "codex", redirect_url: redirect });
  assert.equal(wrong.status, 400);
  assert.match(((await wrong.json()) as { error: string }).error, /provider does not match/);
  const ok = await post({ provider: "anthropic", redirect_url: redirect });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { status: "ok" });
  assert.deepEqual(await settled(started.state), { status: "ok", file: "claude-user@example.com.json" });
  assert.equal(statSync(join(authDir, "claude-user@example.com.json")).mode & 0o777, 0o600);
  const again = await post({ provider: "claude", redirect_url: redirect });
  assert.equal(again.status, 409);
  const verifier = oauth.calls("POST /token")[0].json.code_verifier;
  const all = logs.join("\n");
  for (const secret of ["fake-code-123", verifier, "sk-ant-oat01-access-1", "sk-ant-ort01-refresh-1"])
    assert.equal(all.includes(secret), false, `log leaked ${secret}`);
  assert.ok(logs.some((l) => l.includes("claude login saved claude-user@example.com.json")));
});

test("M-16 get-auth-status for an unknown state → 404 unknown or expired state; an invalid state → 400; sessions expire after 10 min", async (t) => {
  const oauth = await startFakeOAuth(t);
  const { mgmt, post, clock } = await setup(t, oauth);
  const unknown = await mgmt(`/get-auth-status?state=${"a".repeat(32)}`);
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { status: "error", error: "unknown or expired state" });
  const invalid = await mgmt("/get-auth-status?state=..%2Fx");
  assert.equal(invalid.status, 400);
  assert.deepEqual(await invalid.json(), { status: "error", error: "invalid state" });
  const { state } = (await (await mgmt("/codex-auth-url")).json()) as { state: string };
  clock.advance(SESSION_TTL_MS);
  assert.equal((await mgmt(`/get-auth-status?state=${state}`)).status, 404);
  const late = await post({ provider: "codex", code: "c", state });
  assert.equal(late.status, 404);
});

test("POST /oauth-callback refuses bad bodies: unsupported provider, missing state, no code and no error, unparsable redirect URL", async (t) => {
  const oauth = await startFakeOAuth(t);
  const { post, mgmt } = await setup(t, oauth);
  const cases: Array<[unknown, RegExp]> = [
    [{ provider: "nope", code: "c", state: "s" }, /unsupported provider/],
    [{ provider: "claude", code: "c" }, /missing or invalid state/],
    [{ provider: "claude", state: "abc" }, /code or error is required/],
    [
      { provider: "gemini", redirect_url: "http://localhost:8085/oauth2callback?state=abc" },
      /callback URL missing code/,
    ],
  ];
  for (const [body, re] of cases) {
    const res = await post(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(((await res.json()) as { error: string }).error, re);
  }
  const notJson = await mgmt("/oauth-callback", { method: "POST", body: "{" });
  assert.equal(notJson.status, 400);
});

test("a provider error handed to POST /oauth-callback fails the session with that error and writes no file", async (t) => {
  const oauth = await startFakeOAuth(t);
  const { mgmt, post, settled, authDir } = await setup(t, oauth);
  const { state } = (await (await mgmt("/antigravity-auth-url")).json()) as { state: string };
  assert.equal((await post({ provider: "anti-gravity", state, error: "access_denied" })).status, 200);
  const s = await settled(state);
  assert.equal(s.status, "error");
  assert.match(s.error, /access_denied/);
  assert.equal(existsSync(authDir), false);
});

test("is_webui=true starts a loopback forwarder on the provider port that redirects to the main-port callback, which completes the login", async (t) => {
  const oauth = await startFakeOAuth(t);
  const port = await freePort();
  const eps = {
    ...oauth.endpoints(),
    codex: { ...oauth.endpoints().codex, "redirect-uri": `http://localhost:${port}/auth/callback` },
  };
  oauth.on("POST /token", (_req, res) =>
    sendJson(res, 200, {
      access_token: "cx-access-xxxxxxxx",
      refresh_token: "cx-r",
      expires_in: 3600,
      id_token: `e30.${Buffer.from(JSON.stringify({ email: "w@example.com" })).toString("base64url")}.s`,
    }),
  );
  const { mgmt, settled, base, app } = await setup(t, oauth, eps);
  const { state, url } = (await (await mgmt("/codex-auth-url?is_webui=true")).json()) as { state: string; url: string };
  const redirect = new URL(await authorizeRedirect(url));
  // The browser resolves localhost; the forwarder listens on 127.0.0.1.
  const hop = await fetch(`http://127.0.0.1:${port}${redirect.pathname}${redirect.search}`, { redirect: "manual" });
  assert.equal(hop.status, 302);
  const target = hop.headers.get("location")!;
  assert.ok(target.startsWith(`${base}/codex/callback?`));
  const page = await fetch(target);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Login successful/);
  assert.deepEqual(await settled(state), { status: "ok", file: "codex-w@example.com.json" });
  // A second start on the same port works again: the forwarder closed with the session.
  const second = await mgmt("/codex-auth-url?is_webui=1");
  assert.equal(second.status, 200);
  const pending = ((await second.json()) as { state: string }).state;
  await app.loginSessions.close();
  const closed = await settled(pending);
  assert.equal(closed.status, "error");
  assert.match(closed.error, /shutting down/);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/auth/callback`));
});

test("is_webui=true answers 409 when the provider port is busy", async (t) => {
  const oauth = await startFakeOAuth(t);
  const blocker = createServer();
  blocker.listen(0, "127.0.0.1");
  await once(blocker, "listening");
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const eps = {
    ...oauth.endpoints(),
    claude: { ...oauth.endpoints().claude, "redirect-uri": `http://localhost:${port}/callback` },
  };
  const { mgmt } = await setup(t, oauth, eps);
  const res = await mgmt("/anthropic-auth-url?is_webui=true");
  assert.equal(res.status, 409);
  assert.match(((await res.json()) as { error: string }).error, new RegExp(`port ${port}`));
});

test("the main-port callback answers the failure page for unknown states and never echoes the query", async (t) => {
  const oauth = await startFakeOAuth(t);
  const { base } = await setup(t, oauth);
  const res = await fetch(`${base}/google/callback?code=<script>&state=${"b".repeat(32)}`);
  assert.equal(res.status, 400);
  const body = await res.text();
  assert.match(body, /Login failed/);
  assert.equal(body.includes("<script>"), false);
});

test("gemini-cli-auth-url passes project_id to the background login and onSaved hears about the file", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) =>
    sendJson(res, 200, { access_token: "ya29.g-xxxxxxxxxxxx", refresh_token: "r", expires_in: 3599 }),
  );
  const { mgmt, post, settled, app } = await setup(t, oauth);
  const saved: string[] = [];
  app.loginSessions.onSaved = (done) => saved.push(done.file);
  const { state } = (await (await mgmt("/gemini-cli-auth-url?project_id=p9")).json()) as { state: string };
  assert.equal((await post({ provider: "google", code: "c", state })).status, 200);
  assert.deepEqual(await settled(state), { status: "ok", file: "gemini-user@example.com-p9.json" });
  assert.deepEqual(saved, ["gemini-user@example.com-p9.json"]);
  assert.equal(oauth.calls("GET /projects").length, 0);
});
