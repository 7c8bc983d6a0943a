import test, { type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import { TokenManager, TokenUnavailableError } from "../../src/oauth/refresh.js";
import { formatTime } from "../../src/oauth/store.js";
import { fakeClock } from "../support/server.js";
import { sendJson } from "../support/fake-upstream.js";
import { claudeTokenAnswer, idToken, startFakeOAuth, type FakeOAuth } from "../fixtures/oauth/fake-oauth.js";

const HOUR = 3600_000;

async function setup(t: TestContext, files: Record<string, Record<string, unknown>>) {
  const oauth = await startFakeOAuth(t);
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-refresh-"));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(data));
  const clock = fakeClock();
  const logs: string[] = [];
  const log = createLogger({ level: "debug", sink: (l) => logs.push(l) });
  const config = makeConfig({ authDir: dir, oauthEndpoints: oauth.endpoints() });
  const written: string[] = [];
  const sleeps: number[] = [];
  const tokens = new TokenManager({
    log,
    clock,
    config: () => config,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    onWritten: (file) => written.push(file),
  });
  await tokens.load(dir);
  return { oauth, dir, clock, logs, tokens, written, sleeps };
}

function claudeFile(clockNow: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "claude",
    access_token: "sk-ant-oat01-old-access-xxxxxxxx",
    refresh_token: "sk-ant-ort01-old-refresh-xxxx",
    id_token: "",
    email: "user@example.com",
    expired: formatTime(clockNow - 1000),
    last_refresh: formatTime(clockNow - 8 * HOUR),
    disabled: false,
    ...over,
  };
}

function refreshCalls(oauth: FakeOAuth) {
  return oauth.calls("POST /token");
}

test("S-14 expired Claude token + 100 concurrent requests → exactly one refresh POST, 100 successes, one rewrite", async (t) => {
  const now = fakeClock().now();
  const { oauth, tokens, written, dir } = await setup(t, { "claude-a.json": claudeFile(now) });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  oauth.on("POST /token", async (_req, res) => {
    await gate;
    sendJson(res, 200, claudeTokenAnswer(2));
  });
  const all = Array.from({ length: 100 }, () => tokens.ensureFresh("claude-a.json"));
  await oauth.fake.nth(1);
  release();
  const results = await Promise.all(all);
  assert.equal(refreshCalls(oauth).length, 1);
  assert.ok(results.every((c) => c.accessToken === claudeTokenAnswer(2).access_token));
  assert.deepEqual(written, ["claude-a.json"]);
  // HEAD a7e3596b7 anthropic_auth.go RefreshTokens: JSON body with the scope, axios headers.
  assert.deepEqual(refreshCalls(oauth)[0].json, {
    client_id: "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
    grant_type: "refresh_token",
    refresh_token: "sk-ant-ort01-old-refresh-xxxx",
    scope: "user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload",
  });
  assert.equal(refreshCalls(oauth)[0].headers["user-agent"], "axios/1.15.2");
  assert.equal(refreshCalls(oauth)[0].headers.accept, "application/json, text/plain, */*");
  assert.equal(statSync(join(dir, "claude-a.json")).mode & 0o777, 0o600);
});

test("S-13 a refresh rewrite keeps unknown keys (note, priority, headers) and every §2 field", async (t) => {
  const now = fakeClock().now();
  const extra = { note: "work laptop", priority: 5, headers: { "x-team": "a" }, custom: { nested: [1, 2] } };
  const { tokens, dir, clock } = await setup(t, { "claude-a.json": claudeFile(now, extra) });
  await tokens.ensureFresh("claude-a.json");
  const text = readFileSync(join(dir, "claude-a.json"), "utf8");
  assert.ok(text.endsWith("}\n") && text.includes('\n  "type": "claude"'));
  const file = JSON.parse(text);
  for (const [k, v] of Object.entries(extra)) assert.deepEqual(file[k], v);
  assert.equal(file.type, "claude");
  assert.equal(file.id_token, "");
  assert.equal(file.disabled, false);
  assert.equal(file.access_token, claudeTokenAnswer(2).access_token);
  assert.equal(file.refresh_token, claudeTokenAnswer(2).refresh_token);
  assert.equal(file.last_refresh, formatTime(clock.now()));
  assert.equal(file.expired, formatTime(clock.now() + 28800_000));
  assert.deepEqual(readdirSync(dir), ["claude-a.json"]);
});

test("S-20 a refresh answer without refresh_token, account or id_token keeps the old token, email and id_token", async (t) => {
  const now = fakeClock().now();
  const codex = {
    type: "codex",
    access_token: "codex-old-xxxxxxxx",
    refresh_token: "codex-refresh-old",
    id_token: idToken({ email: "dev@example.com" }),
    account_id: "acct-1",
    email: "dev@example.com",
    expired: formatTime(now - 1),
    last_refresh: formatTime(now - HOUR),
  };
  const { oauth, tokens, dir } = await setup(t, { "claude-a.json": claudeFile(now), "codex-a.json": codex });
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, { access_token: "new-access-xxxxxxxx", expires_in: 3600 }));
  await tokens.ensureFresh("claude-a.json");
  await tokens.ensureFresh("codex-a.json");
  const claude = JSON.parse(readFileSync(join(dir, "claude-a.json"), "utf8"));
  assert.equal(claude.refresh_token, "sk-ant-ort01-old-refresh-xxxx");
  assert.equal(claude.email, "user@example.com");
  const cx = JSON.parse(readFileSync(join(dir, "codex-a.json"), "utf8"));
  assert.equal(cx.refresh_token, "codex-refresh-old");
  assert.equal(cx.email, "dev@example.com");
  assert.equal(cx.id_token, codex.id_token);
  assert.equal(cx.account_id, "acct-1");
  const form = new URLSearchParams(refreshCalls(oauth)[1].body.toString());
  assert.equal(form.get("scope"), "openid profile email");
  assert.equal(form.get("grant_type"), "refresh_token");
});

test("S-16 invalid_grant disables the credential with its reason, logs one line naming the file and the command, and never retries", async (t) => {
  const now = fakeClock().now();
  const { oauth, tokens, logs, clock } = await setup(t, {
    "claude-a.json": claudeFile(now),
    "claude-b.json": claudeFile(now + 10 * HOUR),
  });
  oauth.on("POST /token", (_req, res) =>
    sendJson(res, 400, { error: "invalid_grant", error_description: "Refresh token revoked" }),
  );
  await assert.rejects(tokens.ensureFresh("claude-a.json"), (e: TokenUnavailableError) => e.status === 401);
  const c = tokens.get("claude-a.json")!;
  assert.equal(c.disabled, true);
  assert.match(c.disabledReason!, /invalid_grant/);
  const lines = logs.filter((l) => l.includes("claude-a.json") && l.includes("WARN"));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /disabled: .*invalid_grant.*run "cliproxy login claude" to log in again/);
  clock.advance(HOUR);
  await tokens.runDue();
  await assert.rejects(tokens.ensureFresh("claude-a.json"));
  assert.equal(refreshCalls(oauth).length, 1);
  assert.equal(tokens.dueAt("claude-a.json"), undefined);
  assert.equal((await tokens.ensureFresh("claude-b.json")).accessToken, "sk-ant-oat01-old-access-xxxxxxxx");
});

test("S-17 Claude 429 with Retry-After: 2 → no second refresh call within 2 s (blocked for the 5 s floor), success afterwards", async (t) => {
  const now = fakeClock().now();
  const { oauth, tokens, clock } = await setup(t, { "claude-a.json": claudeFile(now) });
  oauth.on("POST /token", (_req, res) => sendJson(res, 429, { error: "rate_limited" }, { "retry-after": "2" }));
  await assert.rejects(
    tokens.ensureFresh("claude-a.json"),
    (e: TokenUnavailableError) => e.status === 503 && e.retryAfterMs === 5000,
  );
  clock.advance(2000);
  await assert.rejects(tokens.ensureFresh("claude-a.json"), (e: TokenUnavailableError) => e.status === 503);
  await assert.rejects(
    tokens.onUnauthorized("claude-a.json", "sk-ant-oat01-old-access-xxxxxxxx"),
    (e: TokenUnavailableError) => e.status === 503,
  );
  assert.equal(refreshCalls(oauth).length, 1);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, claudeTokenAnswer(2)));
  clock.advance(3000);
  assert.equal((await tokens.ensureFresh("claude-a.json")).accessToken, claudeTokenAnswer(2).access_token);
  assert.equal(refreshCalls(oauth).length, 2);
});

test("S-18 token endpoint 503, 503, 200 → the refresh succeeds on attempt 3 after waits of 1 s and 2 s", async (t) => {
  const now = fakeClock().now();
  const { oauth, tokens, sleeps } = await setup(t, { "claude-a.json": claudeFile(now) });
  let n = 0;
  oauth.on("POST /token", (_req, res) =>
    ++n < 3 ? sendJson(res, 503, { error: "unavailable" }) : sendJson(res, 200, claudeTokenAnswer(2)),
  );
  assert.equal((await tokens.ensureFresh("claude-a.json")).accessToken, claudeTokenAnswer(2).access_token);
  assert.equal(n, 3);
  assert.deepEqual(sleeps, [1000, 2000]);
});

test("a network error is retried three times, then the credential backs off 5 min while a still-valid token keeps serving", async (t) => {
  const now = fakeClock().now();
  const { oauth, tokens, clock, logs } = await setup(t, {
    "claude-a.json": claudeFile(now, { expired: formatTime(now + 30_000) }),
  });
  oauth.on("POST /token", (req, res) => void res.destroy());
  const c = await tokens.ensureFresh("claude-a.json");
  assert.equal(c.accessToken, "sk-ant-oat01-old-access-xxxxxxxx");
  assert.equal(refreshCalls(oauth).length, 3);
  assert.ok(logs.some((l) => /refresh of claude-a\.json failed: Cannot reach .*; next attempt in 300 s/.test(l)));
  assert.equal(tokens.dueAt("claude-a.json"), clock.now() + 300_000);
  await tokens.ensureFresh("claude-a.json");
  assert.equal(refreshCalls(oauth).length, 3);
});

test("S-15 a Claude token expiring in 4 h 1 min refreshes after ~1 min; Antigravity 5 min before expiry; a Codex token with expires_in 3600 does not loop", async (t) => {
  const now = fakeClock().now();
  const anti = {
    type: "antigravity",
    access_token: "ya29.anti-xxxxxxxxxxxx",
    refresh_token: "r-anti",
    expires_in: 3600,
    timestamp: now,
    project_id: "p",
  };
  const codex = {
    type: "codex",
    access_token: "cx-xxxxxxxx",
    refresh_token: "r-cx",
    expired: formatTime(now + HOUR),
    last_refresh: formatTime(now),
  };
  const { oauth, tokens, clock } = await setup(t, {
    "claude-a.json": claudeFile(now, {
      expired: formatTime(now + 4 * HOUR + 60_000),
      last_refresh: formatTime(now - 4 * HOUR),
    }),
    "antigravity-a.json": anti,
    "codex-a.json": codex,
  });
  oauth.on("POST /token", (req, res) => {
    const grant = req.json?.refresh_token ?? new URLSearchParams(req.body.toString()).get("refresh_token");
    sendJson(res, 200, { access_token: `new-${grant}-xxxxxxxx`, refresh_token: grant, expires_in: 3600 });
  });
  assert.equal(tokens.dueAt("claude-a.json"), now + 60_000);
  assert.equal(tokens.dueAt("antigravity-a.json"), now + HOUR - 5 * 60_000);
  assert.equal(tokens.dueAt("codex-a.json"), now + HOUR / 2);
  clock.advance(59_000);
  await tokens.runDue();
  assert.equal(refreshCalls(oauth).length, 0);
  clock.advance(2000);
  await tokens.runDue();
  assert.equal(refreshCalls(oauth).length, 1);
  clock.set(now + HOUR / 2);
  await tokens.runDue();
  assert.equal(refreshCalls(oauth).length, 2);
  // The refreshed Codex token lasts an hour again: next due half an hour later, not now.
  assert.equal(tokens.dueAt("codex-a.json"), clock.now() + HOUR / 2);
  await tokens.runDue();
  assert.equal(refreshCalls(oauth).length, 2);
  clock.set(now + HOUR - 5 * 60_000);
  await tokens.runDue();
  assert.ok(refreshCalls(oauth).some((r) => new URLSearchParams(r.body.toString()).get("refresh_token") === "r-anti"));
  const antiCall = refreshCalls(oauth).find((r) => r.body.toString().includes("r-anti"))!;
  assert.equal(antiCall.headers["user-agent"], "Go-http-client/2.0");
  assert.equal(
    new URLSearchParams(antiCall.body.toString()).get("client_secret"),
    "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",
  );
});

test("S-19 after an upstream 401 onUnauthorized() refreshes once and hands back the new token; a second caller with the old token shares it", async (t) => {
  const now = fakeClock().now();
  const { oauth, tokens } = await setup(t, {
    "claude-a.json": claudeFile(now, { expired: formatTime(now + 10 * HOUR) }),
  });
  const used = tokens.get("claude-a.json")!.accessToken;
  const [a, b] = await Promise.all([
    tokens.onUnauthorized("claude-a.json", used),
    tokens.onUnauthorized("claude-a.json", used),
  ]);
  assert.equal(a.accessToken, claudeTokenAnswer(2).access_token);
  assert.equal(b.accessToken, a.accessToken);
  const c = await tokens.onUnauthorized("claude-a.json", used);
  assert.equal(c.accessToken, a.accessToken);
  assert.equal(refreshCalls(oauth).length, 1);
});

test("Gemini refresh posts the form to the configured token URL and updates the nested token and mirrored top-level fields", async (t) => {
  const now = fakeClock().now();
  const gemini = {
    type: "gemini",
    email: "g@example.com",
    project_id: "p1",
    access_token: "ya29.top-old-xxxxxxxxxxxx",
    expiry: formatTime(now - 1),
    token: {
      access_token: "ya29.old-xxxxxxxxxxxx",
      refresh_token: "1//g-refresh",
      expiry: formatTime(now - 1),
      token_uri: "https://oauth2.googleapis.com/token",
      client_id: "cid",
      client_secret: "csec",
    },
  };
  const { oauth, tokens, dir } = await setup(t, { "gemini-g.json": gemini });
  oauth.on("POST /token", (_req, res) =>
    sendJson(res, 200, { access_token: "ya29.new-xxxxxxxxxxxx", expires_in: 3599, token_type: "Bearer" }),
  );
  const c = await tokens.ensureFresh("gemini-g.json");
  assert.equal(c.accessToken, "ya29.new-xxxxxxxxxxxx");
  assert.equal(c.projectId, "p1");
  const form = new URLSearchParams(refreshCalls(oauth)[0].body.toString());
  assert.deepEqual(Object.fromEntries(form), {
    grant_type: "refresh_token",
    refresh_token: "1//g-refresh",
    client_id: "cid",
    client_secret: "csec",
  });
  const file = JSON.parse(readFileSync(join(dir, "gemini-g.json"), "utf8"));
  assert.equal(file.token.access_token, "ya29.new-xxxxxxxxxxxx");
  assert.equal(file.token.refresh_token, "1//g-refresh");
  assert.equal(file.access_token, "ya29.new-xxxxxxxxxxxx");
  assert.equal(file.expiry, file.token.expiry);
});

test("a file removed or replaced during a refresh is not written back; unknown ids and disabled files are refused", async (t) => {
  const now = fakeClock().now();
  const { oauth, tokens, written } = await setup(t, {
    "claude-a.json": claudeFile(now),
    "claude-off.json": claudeFile(now, { disabled: true }),
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  oauth.on("POST /token", async (_req, res) => {
    await gate;
    sendJson(res, 200, claudeTokenAnswer(2));
  });
  const pending = tokens.refresh("claude-a.json");
  await oauth.fake.nth(1);
  tokens.set(
    "claude-a.json",
    claudeFile(now, { access_token: "sk-ant-oat01-relogin-xxxxxxxx", expired: formatTime(now + 8 * HOUR) }),
  );
  release();
  await pending;
  assert.deepEqual(written, []);
  assert.equal(tokens.get("claude-a.json")!.accessToken, "sk-ant-oat01-relogin-xxxxxxxx");
  await assert.rejects(tokens.ensureFresh("nope.json"), /No token file "nope\.json"/);
  await assert.rejects(tokens.ensureFresh("claude-off.json"), /is disabled/);
  assert.equal(tokens.dueAt("claude-off.json"), undefined);
  tokens.remove("claude-a.json");
  assert.equal(tokens.get("claude-a.json"), undefined);
  await assert.rejects(tokens.refresh("claude-a.json"), /No token file/);
});

test("secrets() lists every token so the log can mask them; log lines of refreshes carry none", async (t) => {
  const now = fakeClock().now();
  const { tokens, logs } = await setup(t, { "claude-a.json": claudeFile(now) });
  await tokens.ensureFresh("claude-a.json");
  assert.ok(tokens.secrets().includes(claudeTokenAnswer(2).access_token as string));
  const all = logs.join("\n");
  for (const s of [
    claudeTokenAnswer(2).access_token,
    claudeTokenAnswer(2).refresh_token,
    "sk-ant-ort01-old-refresh-xxxx",
  ])
    assert.equal(all.includes(String(s)), false);
  assert.ok(logs.some((l) => l.includes("auth: refreshed claude-a.json")));
});

test("start() schedules the background loop and stop() ends it", async (t) => {
  const { tokens } = await setup(t, {});
  tokens.start();
  tokens.stop();
  assert.deepEqual(tokens.credentials(), []);
});
