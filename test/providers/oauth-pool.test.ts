import test, { type TestContext } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../../src/app/app.js";
import { makeConfig, type Config } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import { watchAuthDir } from "../../src/config/watch-auth.js";
import { aliasedModels, poolCredentials, startOAuth } from "../../src/providers/oauth-pool.js";
import { parseTokenFile, formatTime, type TokenFileCredential } from "../../src/oauth/store.js";
import { buildClaudeRequest } from "../../src/providers/claude.js";
import { requestRetryOf, stateKey } from "../../src/providers/credentials.js";
import { buildCodexRequest } from "../../src/providers/codex.js";
import { sendUpstream, readResponseBody } from "../../src/proxy/forward.js";
import type { Credential, LocalCall } from "../../src/providers/types.js";
import {
  antigravityBaseUrls,
  antigravityEnvelope,
  antigravityHeaders,
  applyOAuthCall,
  codeAssistUrl,
  geminiCliEnvelope,
  geminiCliHeaders,
} from "../../src/oauth/headers.js";
import { fakeClock } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { claudeTokenAnswer, startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/oauth/cliproxyapi/", import.meta.url));

async function appWith(t: TestContext, overrides: Partial<Config> = {}, files: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-rt-"));
  for (const [name, data] of Object.entries(files))
    writeFileSync(join(dir, name), typeof data === "string" ? data : JSON.stringify(data));
  const logs: string[] = [];
  const log = createLogger({ level: "debug", sink: (l) => logs.push(l) });
  const app = createApp({
    config: makeConfig({ authDir: dir, ...overrides }),
    log,
    clock: fakeClock(Date.now()),
    env: {},
  });
  return { app, dir, logs, log };
}

function claude(token = "sk-ant-oat01-live-xxxxxxxxxxxx"): Record<string, unknown> {
  return {
    type: "claude",
    access_token: token,
    refresh_token: "r-xxxxxxxx",
    email: "u@example.com",
    expired: formatTime(Date.now() + 8 * 3600_000),
  };
}

const ids = (creds: readonly Credential[]) => creds.map((c) => c.id).sort();

test("S-21 a file dropped into auth-dir joins the pool for the next request; deleting it leaves; rename-replace is an update", async (t) => {
  const { app, dir, log } = await appWith(t);
  const watcher = await watchAuthDir(dir, log, 10);
  t.after(() => watcher.close());
  const rt = await startOAuth(app, { watcher, background: false });
  t.after(() => rt.stop());
  assert.deepEqual(ids(app.providers.credentials()), []);
  const changed = () => once(rt.tokens, "change");
  let next = changed();
  writeFileSync(join(dir, "claude-u.json"), JSON.stringify(claude()));
  await next;
  assert.deepEqual(ids(app.providers.credentials()), ["claude-u.json"]);
  assert.deepEqual(
    app.providers.resolve("claude-sonnet-4-5")!.candidates.map((c) => c.id),
    ["claude-u.json"],
  );
  next = changed();
  writeFileSync(join(dir, ".claude-u.json.tmp-1"), JSON.stringify(claude("sk-ant-oat01-replaced-xxxxxxxx")));
  renameSync(join(dir, ".claude-u.json.tmp-1"), join(dir, "claude-u.json"));
  await next;
  assert.equal(rt.tokens.get("claude-u.json")!.accessToken, "sk-ant-oat01-replaced-xxxxxxxx");
  assert.deepEqual(ids(app.providers.credentials()), ["claude-u.json"]);
  next = changed();
  rmSync(join(dir, "claude-u.json"));
  await next;
  assert.deepEqual(ids(app.providers.credentials()), []);
  assert.equal(app.providers.resolve("claude-sonnet-4-5"), undefined);
  assert.equal(app.oauth, rt);
  assert.equal(await startOAuth(app), rt);
});

test("a refresh written by cliproxy is noted with the watcher (so it is not echoed back), and the pool keeps the credential's state key", async (t) => {
  const oauth = await startFakeOAuth(t);
  const { app, dir, log } = await appWith(t, { oauthEndpoints: oauth.endpoints() }, { "claude-u.json": claude() });
  const watcher = await watchAuthDir(dir, log, 10);
  t.after(() => watcher.close());
  const noted: Array<[string, string]> = [];
  const spy = {
    on: watcher.on.bind(watcher),
    noteWritten: (f: string, c: string) => {
      noted.push([f, c]);
      watcher.noteWritten(f, c);
    },
  };
  const rt = await startOAuth(app, { watcher: spy, background: false });
  t.after(() => rt.stop());
  const before = app.providers.credentials()[0];
  await rt.tokens.onUnauthorized("claude-u.json", "sk-ant-oat01-live-xxxxxxxxxxxx");
  assert.equal(rt.tokens.get("claude-u.json")!.accessToken, claudeTokenAnswer(2).access_token);
  assert.deepEqual(
    noted.map(([f]) => f),
    ["claude-u.json"],
  );
  assert.equal(noted[0][1], readFileSync(join(dir, "claude-u.json"), "utf8"));
  const after = app.providers.credentials()[0];
  assert.equal(after.id, before.id);
  assert.equal(after.apiKey, "");
  assert.equal(after.label, "claude-u.json (user@example.com)");
  // A config swap resets the log's secrets; publish() puts the tokens back.
  app.setConfig(app.config());
  rt.publish();
  assert.ok(app.log.secrets.values().includes(claudeTokenAnswer(2).access_token as string));
});

test("startOAuth() applies oauth-excluded-models, oauth-model-alias and prefixes; disabled files and unexecutable kinds stay out of the pool", async (t) => {
  const { app } = await appWith(
    t,
    {
      oauthExcludedModels: { claude: ["*haiku*"] },
      oauthModelAlias: { claude: [{ name: "claude-sonnet-4-5", alias: "sonnet", fork: false }] },
    },
    {
      "claude-a.json": { ...claude(), prefix: "work", priority: 2, excluded_models: ["claude-opus-4-1*"] },
      "claude-off.json": { ...claude(), disabled: true },
      "gemini-g.json": { type: "gemini", project_id: "p", token: { access_token: "ya29.x-xxxxxxxxxx" } },
    },
  );
  const rt = await startOAuth(app, { background: false });
  t.after(() => rt.stop());
  const [c] = app.providers.credentials();
  assert.deepEqual(ids(app.providers.credentials()), ["claude-a.json"]);
  assert.equal(c.priority, 2);
  assert.equal(c.prefix, "work");
  assert.ok(c.models.has("sonnet") && c.models.has("work/sonnet"));
  assert.equal(c.models.has("claude-sonnet-4-5"), false);
  assert.equal(
    [...c.models.keys()].some((m) => m.includes("haiku") || m.includes("opus-4-1")),
    false,
  );
  assert.equal(rt.owns("gemini-g.json"), true);
  assert.equal(rt.owns("claude-api-key[0]"), false);
  const list = rt.tokens.credentials();
  const withGemini = poolCredentials(list, app.config(), ["claude", "gemini-cli"]);
  assert.deepEqual(withGemini.map((x) => [x.id, x.kind, x.baseUrl]).sort(), [
    ["claude-a.json", "claude", "https://api.anthropic.com"],
    ["gemini-g.json", "gemini-cli", "https://cloudcode-pa.googleapis.com"],
  ]);
  assert.equal(aliasedModels("claude", makeConfig()), undefined);
  const forked = aliasedModels(
    "claude",
    makeConfig({ oauthModelAlias: { claude: [{ name: "claude-haiku-4-5", alias: "h", fork: true }] } }),
  )!;
  assert.ok(forked.some((m) => m.alias === "h") && forked.some((m) => m.alias === "claude-haiku-4-5"));
});

function callFor(body: Record<string, unknown>, headers: Record<string, string> = {}): LocalCall {
  return {
    endpoint: "anthropic-messages",
    body: Buffer.from(JSON.stringify(body)),
    json: body,
    model: String(body.model),
    headers,
  };
}

test("S-12 CLIProxyAPI fixtures of all four types: each bearer reaches the fake backend with the §2–§5 headers; Claude gets the Claude Code system block first", async (t) => {
  const backend = await startFake(t, (_req, res) => sendJson(res, 200, { ok: true }));
  const endpoints: Config["oauthEndpoints"] = {
    claude: { "api-base-url": backend.url },
    codex: { "api-base-url": backend.url },
    gemini: { "code-assist-base-url": backend.url },
    antigravity: { "api-base-urls": [backend.url] },
  };
  const { app } = await appWith(t, { oauthEndpoints: endpoints });
  cpSync(FIXTURES, app.config().authDir, { recursive: true });
  const rt = await startOAuth(app, { background: false, kinds: ["claude", "codex", "gemini-cli", "antigravity"] });
  t.after(() => rt.stop());
  const pool = new Map(app.providers.credentials().map((c) => [c.provider, c]));
  assert.deepEqual([...pool.keys()].sort(), ["antigravity", "claude", "codex", "gemini-cli"]);
  const config = app.config();
  const send = async (call: { url: string; headers: Record<string, string>; body: Buffer }) => {
    const res = await sendUpstream(
      { url: call.url, headers: call.headers, body: call.body },
      { connectTimeoutMs: 5000 },
    );
    await readResponseBody(res);
  };

  // Claude: the executor's request for a token credential, then the OAuth additions.
  const cl = await rt.tokens.ensureFresh(pool.get("claude")!.id);
  const clCred = { ...pool.get("claude")!, apiKey: cl.accessToken };
  const clCall = callFor(
    { model: "claude-sonnet-4-5", system: "Be terse.", max_tokens: 5, messages: [{ role: "user", content: "hi" }] },
    { "anthropic-beta": "tools-2024" },
  );
  const built = buildClaudeRequest({
    cred: clCred,
    call: clCall,
    body: clCall.body,
    upstreamModel: "claude-sonnet-4-5",
    stream: false,
    action: "generate",
    config,
  });
  await send(applyOAuthCall(built, cl));
  const r1 = await backend.nth(1);
  assert.equal(r1.url, "/v1/messages?beta=true");
  assert.equal(r1.headers.authorization, "Bearer sk-ant-oat01-fixture-access-0123456789");
  assert.equal(r1.headers["x-api-key"], undefined);
  assert.ok(String(r1.headers["anthropic-beta"]).split(",").includes("oauth-2025-04-20"));
  assert.equal(r1.headers["anthropic-version"], "2023-06-01");
  assert.equal(r1.headers["x-app"], "cli");
  assert.match(String(r1.headers["user-agent"]), /^claude-cli\//);
  // Cloaked (providers/claude-oauth.ts): billing header, identity line; the client's system text moved into the messages.
  assert.match(
    r1.json.system[0].text,
    /^x-anthropic-billing-header: cc_version=2\.1\.220\.[0-9a-f]{3}; cc_entrypoint=cli; cch=[0-9a-f]{5};$/,
  );
  assert.equal(r1.json.system[1].text, "You are Claude Code, Anthropic's official CLI for Claude.");
  // claude-sonnet-4-5 rejects role=system turns, so the text becomes a reminder in the first user turn, after the date.
  assert.equal(r1.json.messages[0].content[1].text, "<system-reminder>\nBe terse.\n</system-reminder>");

  // Codex: account id and originator.
  const cx = await rt.tokens.ensureFresh(pool.get("codex")!.id);
  const cxCall: LocalCall = {
    endpoint: "openai-responses",
    body: Buffer.from('{"model":"gpt-5","input":"hi"}'),
    json: { model: "gpt-5", input: "hi" },
    model: "gpt-5",
    headers: {},
  };
  const cxBuilt = buildCodexRequest({
    cred: { ...pool.get("codex")!, apiKey: cx.accessToken },
    call: cxCall,
    body: cxCall.body,
    upstreamModel: "gpt-5",
    stream: true,
    action: "generate",
    config,
  });
  await send(applyOAuthCall(cxBuilt, cx));
  const r2 = await backend.nth(2);
  assert.equal(r2.url, "/responses");
  assert.equal(r2.headers.authorization, "Bearer codex-fixture-access-0123456789");
  assert.equal(r2.headers["chatgpt-account-id"], "acct-fixture");
  assert.equal(r2.headers.originator, "codex-tui");

  // Gemini CLI: envelope with project, forced User-Agent, API client header.
  const gm = await rt.tokens.ensureFresh(pool.get("gemini-cli")!.id);
  const gBody = Buffer.from('{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}');
  await send({
    url: codeAssistUrl(pool.get("gemini-cli")!.baseUrl, "stream"),
    headers: geminiCliHeaders(gm.accessToken, "gemini-2.5-pro", true),
    body: geminiCliEnvelope(gBody, "gemini-2.5-pro", gm.projectId!, "stream"),
  });
  const r3 = await backend.nth(3);
  assert.equal(r3.url, "/v1internal:streamGenerateContent?alt=sse");
  assert.equal(r3.headers.authorization, "Bearer ya29.fixture-gemini-access-0123456789");
  assert.match(String(r3.headers["user-agent"]), /^GeminiCLI\/0\.34\.0\/gemini-2\.5-pro \(/);
  assert.equal(r3.headers["x-goog-api-client"], "google-genai-sdk/1.41.0 gl-node/v22.19.0");
  assert.deepEqual(r3.json, {
    model: "gemini-2.5-pro",
    project: "fixture-proj",
    request: JSON.parse(gBody.toString()),
  });

  // Antigravity: envelope and User-Agent on the configured root.
  const ag = await rt.tokens.ensureFresh(pool.get("antigravity")!.id);
  const [root] = antigravityBaseUrls(ag.baseUrl, [pool.get("antigravity")!.baseUrl]);
  await send({
    url: codeAssistUrl(root, "generate"),
    headers: antigravityHeaders(ag.accessToken, false),
    body: antigravityEnvelope(
      Buffer.from('{"contents":[],"safetySettings":[]}'),
      "gemini-3-pro",
      ag.projectId!,
      "generate",
    ),
  });
  const r4 = await backend.nth(4);
  assert.equal(r4.url, "/v1internal:generateContent");
  assert.equal(r4.headers.authorization, "Bearer ya29.fixture-anti-access-0123456789");
  assert.equal(r4.headers["user-agent"], "antigravity/hub/2.9.1 darwin/arm64");
  assert.equal(r4.json.project, "anti-fixture");
  assert.equal(r4.json.userAgent, "antigravity");
  assert.equal(r4.json.requestType, "agent");
  assert.match(r4.json.requestId, /^agent-/);
  assert.equal(r4.json.request.safetySettings, undefined);
  assert.ok(r4.json.request.sessionId);
});

test("S-16 (pool) a credential disabled by invalid_grant leaves the pool while the others keep serving", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 400, { error: "invalid_grant" }));
  const { app } = await appWith(
    t,
    { oauthEndpoints: oauth.endpoints() },
    { "claude-a.json": claude(), "claude-b.json": claude("sk-ant-oat01-other-xxxxxxxx") },
  );
  const rt = await startOAuth(app, { background: false });
  t.after(() => rt.stop());
  await assert.rejects(rt.tokens.onUnauthorized("claude-a.json", "sk-ant-oat01-live-xxxxxxxxxxxx"));
  assert.deepEqual(ids(app.providers.credentials()), ["claude-b.json"]);
  assert.deepEqual(
    app.providers.resolve("claude-sonnet-4-5")!.candidates.map((c) => c.id),
    ["claude-b.json"],
  );
});

test("parseTokenFile() output of every kind round-trips through poolCredentials() without a key", () => {
  const c = (
    parseTokenFile("codex-x.json", {
      type: "codex",
      access_token: "a",
      base_url: "http://mirror/",
    }) as TokenFileCredential[]
  )[0];
  const [p] = poolCredentials([c], makeConfig());
  assert.equal(p.baseUrl, "http://mirror");
  assert.equal(p.apiKey, "");
  assert.equal(p.kind, "codex");
  assert.deepEqual(poolCredentials([{ ...c, provider: "kimi", type: "kimi" }], makeConfig()), []);
});

test("poolCredentials() gives each token file its own routing state and its own request_retry", () => {
  const parse = (file: string, raw: Record<string, unknown>) => (parseTokenFile(file, raw) as TokenFileCredential[])[0];
  const a = parse("claude-a.json", { type: "claude", access_token: "a", request_retry: 2 });
  const b = parse("claude-b.json", { type: "claude", access_token: "b", "request-retry": "0" });
  const c = parse("claude-c.json", { type: "claude", access_token: "c", request_retry: "" });
  const [pa, pb, pc] = poolCredentials([a, b, c], makeConfig());
  assert.notEqual(stateKey(pa), stateKey(pb), "key-less entries of one provider and root do not share cooldowns");
  assert.deepEqual([requestRetryOf(pa, 5), requestRetryOf(pb, 5), requestRetryOf(pc, 5)], [2, 0, 5]);
});
