/**
 * Subscription accounts end to end (issue 7): a cliproxy started from its config file, token files in
 * auth-dir, a fake OAuth token server and fake backends on loopback. Claude and Codex here; the Code
 * Assist providers (Gemini CLI, Antigravity) and the CLIProxyAPI fixtures in e2e-code-assist.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { sendSse, RESPONSES_STREAM } from "../providers/support.js";
import { claudeTokenAnswer, startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import {
  CLIENT_KEY,
  claudeFile,
  claudeMessage,
  expiresIn,
  messages,
  post,
  startProxy,
  writeTokens,
} from "./e2e-support.js";

const CLAUDE_CODE = "You are Claude Code, Anthropic's official CLI for Claude.";

test("providers §7.29 through a started server: a claude token file sends the bearer, oauth beta, claude-cli User-Agent and Claude Code system block; the startup log counts token files by type", async (t) => {
  const anthropic = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const token = "sk-ant-oat01-e2e-identity-000000";
  const p = await startProxy(t, {
    endpoints: { claude: { "api-base-url": anthropic.url } },
    files: {
      "claude-u.json": claudeFile(token),
      "codex-a.json": { type: "codex", access_token: "cx-a-000000000", account_id: "a" },
      "codex-b.json": { type: "codex", access_token: "cx-b-000000000", account_id: "b" },
    },
  });
  assert.ok(
    p.logs.some((l) => l.includes(`token files: claude=1 codex=2 in ${p.authDir}`)),
    p.logs.join("\n"),
  );

  const res = await post(
    `${p.url}/v1/messages`,
    { ...messages("S"), tools: [{ name: "Bash", input_schema: { type: "object" } }] },
    { "user-agent": "amp/1" },
  );
  assert.equal(res.status, 200);
  assert.deepEqual(((await res.json()) as any).content, [{ type: "text", text: "hi" }]);
  const r = await anthropic.nth(1);
  assert.equal(r.url, "/v1/messages?beta=true");
  assert.equal(r.headers.authorization, `Bearer ${token}`);
  assert.equal(r.headers["x-api-key"], undefined);
  assert.ok(String(r.headers["anthropic-beta"]).split(",").includes("oauth-2025-04-20"));
  assert.equal(r.headers["user-agent"], "claude-cli/2.1.220 (external, cli)");
  // Cloaked as Claude Code (providers/claude-oauth.ts): billing header, identity; the client system text moves into the messages.
  assert.match(r.json.system[0].text, /^x-anthropic-billing-header: /);
  assert.equal(r.json.system[1].text, CLAUDE_CODE);
  assert.equal(r.json.system.length, 2);
  assert.match(r.json.tools[0].name, /^mcp__\w+__\w+_Bash$/);
  assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY), "the client key never goes upstream");
  assert.ok(!p.logs.join("\n").includes(token), "the token is never logged");
});

test("S-14 through a started server: an expired token and 100 concurrent requests cause exactly one refresh call; all succeed; the file is replaced atomically, 0600, with the new token", async (t) => {
  const oauth = await startFakeOAuth(t);
  const fresh = String(claudeTokenAnswer(2).access_token);
  const anthropic = await startFake(t, (r, res) =>
    r.headers.authorization === `Bearer ${fresh}`
      ? sendJson(res, 200, claudeMessage())
      : sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "stale token" } }),
  );
  const p = await startProxy(t, {
    endpoints: { claude: { "token-url": `${oauth.url}/token`, "api-base-url": anthropic.url } },
    files: { "claude-u.json": claudeFile("sk-ant-oat01-e2e-expired-00000", { expired: expiresIn(-60_000) }) },
  });
  const file = join(p.authDir, "claude-u.json");
  const inodeBefore = statSync(file).ino;
  // The token answer waits until all 100 requests reached the proxy, so they overlap the refresh.
  let arrived = 0;
  let allArrived!: () => void;
  const gate = new Promise<void>((resolve) => (allArrived = resolve));
  p.started.server.on("request", () => void (++arrived === 100 && allArrived()));
  oauth.on("POST /token", async (_r, res) => {
    await gate;
    sendJson(res, 200, claudeTokenAnswer(2));
  });

  const answers = await Promise.all(Array.from({ length: 100 }, () => post(`${p.url}/v1/messages`, messages())));
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(100).fill(200),
  );
  assert.equal(oauth.calls("POST /token").length, 1);
  assert.equal(oauth.calls("POST /token")[0].json.grant_type, "refresh_token");
  assert.equal(anthropic.requests.length, 100);
  assert.ok(anthropic.requests.every((r) => r.headers.authorization === `Bearer ${fresh}`));

  const st = statSync(file);
  assert.equal(st.mode & 0o777, 0o600);
  assert.notEqual(st.ino, inodeBefore, "replaced by rename, not rewritten in place");
  const saved = JSON.parse(readFileSync(file, "utf8"));
  assert.equal(saved.access_token, fresh);
  assert.equal(saved.refresh_token, claudeTokenAnswer(2).refresh_token);
  assert.deepEqual(readdirSync(p.authDir), ["claude-u.json"], "no temp file left behind");
  assert.equal(p.logs.filter((l) => l.includes("auth: refreshed claude-u.json")).length, 1);
});

test("S-16 through a started server: invalid_grant disables the credential, logs the file and `cliproxy login claude`, the other credential serves; with none left the client is told to log in again", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_r, res) =>
    sendJson(res, 400, { error: "invalid_grant", error_description: "Refresh token revoked" }),
  );
  const anthropic = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const p = await startProxy(t, {
    endpoints: { claude: { "token-url": `${oauth.url}/token`, "api-base-url": anthropic.url } },
    files: {
      // Higher priority: tried first, so its refresh runs on the first request.
      "claude-revoked.json": claudeFile("sk-ant-oat01-e2e-revoked-00000", { expired: expiresIn(-60_000), priority: 5 }),
      "claude-ok.json": claudeFile("sk-ant-oat01-e2e-healthy-00000"),
    },
  });
  const first = await post(`${p.url}/v1/messages`, messages());
  assert.equal(first.status, 200);
  const line = p.logs.filter((l) => l.includes("claude-revoked.json disabled"));
  assert.equal(line.length, 1, p.logs.join("\n"));
  assert.match(line[0], /invalid_grant/);
  assert.match(line[0], /cliproxy login claude/);
  const second = await post(`${p.url}/v1/messages`, messages());
  assert.equal(second.status, 200);
  assert.deepEqual(
    anthropic.requests.map((r) => r.headers.authorization),
    Array(2).fill("Bearer sk-ant-oat01-e2e-healthy-00000"),
  );
  assert.equal(oauth.calls("POST /token").length, 1, "a revoked grant is never tried again");
  assert.equal(p.started.app.oauth!.tokens.get("claude-revoked.json")!.disabled, true);
});

test("S-16 through a started server: when the only credential's grant is revoked, the client gets a 401 naming the file and saying to log in again, on this request and the next", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_r, res) => sendJson(res, 400, { error: "invalid_grant" }));
  const anthropic = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const p = await startProxy(t, {
    endpoints: { claude: { "token-url": `${oauth.url}/token`, "api-base-url": anthropic.url } },
    files: { "claude-only.json": claudeFile("sk-ant-oat01-e2e-only-0000000", { expired: expiresIn(-60_000) }) },
  });
  const res = await post(`${p.url}/v1/messages`, messages());
  assert.equal(res.status, 401);
  const body = (await res.json()) as any;
  assert.equal(body.type, "error");
  assert.match(body.error.message, /claude-only\.json/);
  assert.match(body.error.message, /log in again/);
  // The credential left the pool; later requests still say why rather than "model not served".
  const next = await post(`${p.url}/v1/messages`, messages());
  assert.equal(next.status, 401);
  const again = ((await next.json()) as any).error.message;
  assert.match(again, /claude-only\.json/);
  assert.match(again, /cliproxy login claude/);
  assert.equal(anthropic.requests.length, 0);
  assert.equal(oauth.calls("POST /token").length, 1);
});

test("S-21 through a started server: a token file dropped into auth-dir serves the next request without a restart; deleting it stops its use", async (t) => {
  const anthropic = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const p = await startProxy(t, { endpoints: { claude: { "api-base-url": anthropic.url } } });
  const watcher = p.started.watchers!.authDir;
  assert.notEqual((await post(`${p.url}/v1/messages`, messages())).status, 200);

  let event = once(watcher, "file");
  writeTokens(p.authDir, { "claude-new.json": claudeFile("sk-ant-oat01-e2e-dropped-00000") });
  assert.equal((await event)[0].kind, "added");
  assert.equal((await post(`${p.url}/v1/messages`, messages())).status, 200);
  assert.equal(anthropic.requests[0].headers.authorization, "Bearer sk-ant-oat01-e2e-dropped-00000");

  event = once(watcher, "file");
  rmSync(join(p.authDir, "claude-new.json"));
  assert.equal((await event)[0].kind, "removed");
  const after = await post(`${p.url}/v1/messages`, messages());
  assert.notEqual(after.status, 200);
  assert.equal(anthropic.requests.length, 1, "the removed file is not used");
});

test("providers §7.9 through a started server: a Codex token reaches the ChatGPT backend with its account id and the codex-tui originator", async (t) => {
  const backend = await startFake(t, (_r, res) => sendSse(res, RESPONSES_STREAM));
  const p = await startProxy(t, {
    endpoints: { codex: { "api-base-url": `${backend.url}/backend-api/codex` } },
    files: {
      "codex-u@example.com-plus.json": {
        type: "codex",
        access_token: "cx-e2e-access-0000000",
        account_id: "acc-1",
        email: "u@example.com",
        expired: expiresIn(3600_000),
      },
    },
  });
  const res = await post(`${p.url}/v1/responses`, { model: "gpt-5", input: "hi" });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as any).status, "completed");
  const r = await backend.nth(1);
  assert.equal(r.url, "/backend-api/codex/responses");
  assert.equal(r.headers.authorization, "Bearer cx-e2e-access-0000000");
  assert.equal(r.headers["chatgpt-account-id"], "acc-1");
  assert.equal(r.headers.originator, "codex-tui");
  assert.equal(r.json.stream, true);
  assert.equal(r.json.instructions, "");
});

test("a config reload applies oauth-model-alias to token files and keeps their tokens masked in the log", async (t) => {
  const anthropic = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const token = "sk-ant-oat01-e2e-reload-000000";
  const endpoints = { claude: { "api-base-url": anthropic.url } };
  const p = await startProxy(t, { endpoints, files: { "claude-u.json": claudeFile(token) } });
  const config = readFileSync(p.configPath, "utf8");
  const reloaded = once(p.started.watchers!.config!, "reload");
  writeFileSync(
    p.configPath,
    config +
      ["oauth-model-alias:", "  claude:", '    - name: "claude-sonnet-4-5"', '      alias: "my-sonnet"', ""].join("\n"),
  );
  assert.equal((await reloaded)[0].kind, "reloaded");
  const res = await post(`${p.url}/v1/messages`, { ...messages(), model: "my-sonnet" });
  assert.equal(res.status, 200);
  assert.equal((await anthropic.nth(1)).json.model, "claude-sonnet-4-5");
  p.started.app.log.info(`probe ${token}`);
  assert.ok(!p.logs.join("\n").includes(token), "the swap kept the token in the redaction set");
});

test("management logins are mounted: anthropic-auth-url needs the management key, the key-less main-port callback completes the login, and its token serves at once", async (t) => {
  const oauth = await startFakeOAuth(t);
  const anthropic = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const p = await startProxy(t, {
    endpoints: { claude: { ...oauth.endpoints().claude, "api-base-url": anthropic.url } },
    env: { MANAGEMENT_PASSWORD: "mgmt-e2e-password-01" },
  });
  assert.equal((await fetch(`${p.url}/v0/management/anthropic-auth-url`)).status, 401);
  const started = await fetch(`${p.url}/v0/management/anthropic-auth-url`, {
    headers: { authorization: "Bearer mgmt-e2e-password-01" },
  });
  assert.equal(started.status, 200);
  const { url, state } = (await started.json()) as { url: string; state: string };
  assert.ok(url.startsWith(`${oauth.url}/authorize?`));
  const rt = p.started.app.oauth!;
  const joined = once(rt.tokens, "change");
  const page = await fetch(`${p.url}/anthropic/callback?code=c-1&state=${state}`);
  assert.equal(page.status, 200);
  await joined;
  const status = await fetch(`${p.url}/v0/management/get-auth-status?state=${state}`, {
    headers: { authorization: "Bearer mgmt-e2e-password-01" },
  });
  assert.deepEqual(await status.json(), { status: "ok", file: "claude-user@example.com.json" });
  assert.equal((await post(`${p.url}/v1/messages`, messages())).status, 200);
  assert.equal((await anthropic.nth(1)).headers.authorization, `Bearer ${claudeTokenAnswer(1).access_token}`);
});
