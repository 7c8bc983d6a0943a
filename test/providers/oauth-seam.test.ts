import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { startOAuth } from "../../src/providers/oauth-pool.js";
import { formatTime } from "../../src/oauth/store.js";
import { startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import { claudeMessage, post, sendSse, CLIENT_KEY, RESPONSES_STREAM } from "./support.js";

/** Starts cliproxy with token files in its auth-dir and the OAuth runtime joined to the pool. */
async function withTokens(
  t: Parameters<typeof startServer>[0],
  files: Record<string, unknown>,
  overrides: Parameters<typeof startServer>[1] = {},
) {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], ...overrides });
  const dir = s.app.config().authDir;
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(data));
  const rt = await startOAuth(s.app, { background: false });
  t.after(() => rt.stop());
  return s;
}

const later = () => formatTime(Date.now() + 8 * 3600_000);

test("providers §7.29 Claude OAuth identity: bearer token, oauth beta, claude-cli agent, Claude Code system block first", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const s = await withTokens(t, {
    "claude-u.json": {
      type: "claude",
      access_token: "sk-ant-oat-x",
      email: "u@example.com",
      expired: later(),
      base_url: fake.url,
    },
  });
  const res = await post(
    s.url,
    "/v1/messages",
    {
      model: "claude-sonnet-4-5",
      max_tokens: 8,
      system: "S",
      messages: [{ role: "user", content: "hi" }],
      tools: [
        { name: "Bash", input_schema: { type: "object" } },
        { name: "glob", input_schema: { type: "object" } },
      ],
    },
    { "user-agent": "amp/1" },
  );
  assert.equal(res.status, 200);
  const r = await fake.nth(1);
  assert.equal(r.headers.authorization, "Bearer sk-ant-oat-x");
  assert.match(String(r.headers["anthropic-beta"]), /oauth-2025-04-20/);
  assert.equal(r.headers["user-agent"], "claude-cli/2.1.220 (external, cli)");
  // Cloaked as Claude Code (providers/claude-oauth.ts): billing header, identity; the client system text moves into the messages.
  assert.equal(r.json.system[1].text, "You are Claude Code, Anthropic's official CLI for Claude.");
  assert.equal(r.json.system.length, 2);
  assert.deepEqual(
    r.json.tools.map((x: { name: string }) => x.name.replace(/^mcp__\w+?_\w+?__\w+?_/, "")),
    ["Bash", "glob"],
  );
});

test("a token-file credential refused with 401 is refreshed once and the request retried with the new token", async (t) => {
  const oauth = await startFakeOAuth(t);
  const fake = await startFake(t, (r, res) =>
    r.headers.authorization === "Bearer sk-ant-oat01-stale-xxxxxxxx"
      ? sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "expired" } })
      : sendJson(res, 200, claudeMessage()),
  );
  const s = await withTokens(
    t,
    {
      "claude-u.json": {
        type: "claude",
        access_token: "sk-ant-oat01-stale-xxxxxxxx",
        refresh_token: "r-1",
        expired: later(),
        base_url: fake.url,
      },
    },
    { oauthEndpoints: oauth.endpoints() },
  );
  const res = await post(s.url, "/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 8, messages: [] });
  assert.equal(res.status, 200);
  assert.equal(fake.requests.length, 2);
  const renewed = String(fake.requests[1].headers.authorization);
  assert.match(renewed, /^Bearer sk-ant-oat01-access-\d+-/);
  assert.equal(oauth.calls("POST /token").length, 1);
});

test("a token file whose refresh is refused fails the attempt as a 401 without reaching the upstream", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_r, res) => sendJson(res, 400, { error: "invalid_grant", error_description: "revoked" }));
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const s = await withTokens(
    t,
    {
      "claude-u.json": {
        type: "claude",
        access_token: "sk-ant-oat01-old-xxxxxxxx",
        refresh_token: "r-1",
        expired: formatTime(Date.now() - 1000),
        base_url: fake.url,
      },
    },
    { oauthEndpoints: oauth.endpoints() },
  );
  const res = await post(s.url, "/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 8, messages: [] });
  assert.equal(res.status, 401);
  assert.equal(fake.requests.length, 0);
});

test("a Codex token file sends its account id and the codex-tui originator", async (t) => {
  const fake = await startFake(t, (_r, res) => sendSse(res, RESPONSES_STREAM));
  const s = await withTokens(t, {
    "codex-u.json": {
      type: "codex",
      access_token: "cx-token-123456",
      account_id: "acc-1",
      email: "u@example.com",
      expired: later(),
      base_url: fake.url,
    },
  });
  const res = await post(s.url, "/v1/responses", { model: "gpt-5", input: "hi" });
  assert.equal(res.status, 200);
  const r = await fake.nth(1);
  assert.equal(r.url, "/responses");
  assert.equal(r.headers.authorization, "Bearer cx-token-123456");
  assert.equal(r.headers["chatgpt-account-id"], "acc-1");
  assert.equal(r.headers.originator, "codex-tui");
  assert.equal(r.json.stream, true);
  assert.equal(r.json.instructions, "");
});

test("a token endpoint that echoes the refresh token in its error: neither the client's error body nor the usage queue carries it", async (t) => {
  const oauth = await startFakeOAuth(t);
  const refresh = "rt-leak-0123456789abcdef";
  oauth.on("POST /token", (_r, res) =>
    sendJson(res, 400, { error: "invalid_grant", error_description: `refresh token ${refresh} is revoked` }),
  );
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const s = await withTokens(
    t,
    {
      "claude-u.json": {
        type: "claude",
        access_token: "sk-ant-oat01-old-xxxxxxxx",
        refresh_token: refresh,
        expired: formatTime(Date.now() - 1000),
        base_url: fake.url,
      },
    },
    {
      oauthEndpoints: oauth.endpoints(),
      usageStatisticsEnabled: true,
      remoteManagement: { allowRemote: false, secretKey: "mgmt-key-1234", disableControlPanel: true },
    },
  );
  for (const path of ["/v1/messages", "/v1/chat/completions"]) {
    const res = await post(s.url, path, {
      model: "claude-sonnet-4-5",
      max_tokens: 8,
      messages: [{ role: "user", content: "hi" }],
    });
    const text = await res.text();
    assert.equal(res.status, 401, text);
    assert.ok(!text.includes(refresh), text);
  }
  const queue = await fetch(`${s.url}/v0/management/usage-queue?count=10`, {
    headers: { authorization: "Bearer mgmt-key-1234" },
  });
  const body = await queue.text();
  assert.equal(queue.status, 200);
  assert.ok(!body.includes(refresh), body);
  assert.equal(fake.requests.length, 0);
});
