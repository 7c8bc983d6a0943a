import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { makeConfig } from "../../src/config/schema.js";
import { catalogModel } from "../../src/providers/catalog.js";
import { buildClaudeRequest, callerBetas } from "../../src/providers/claude.js";
import { startServer } from "../support/server.js";
import { startFake } from "../support/fake-upstream.js";
import { cred, input, key, post, CLAUDE_STREAM, CLIENT_KEY } from "./support.js";

const BODY = { model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] };

test("buildClaudeRequest() uses x-api-key only for an API key on api.anthropic.com itself", () => {
  const official = buildClaudeRequest(input(cred("claude", { baseUrl: "https://api.anthropic.com/" }), BODY));
  assert.equal(official.url, "https://api.anthropic.com/v1/messages?beta=true");
  assert.equal(official.headers["x-api-key"], "k-123");
  assert.equal(official.headers.authorization, undefined);
  const gateway = buildClaudeRequest(input(cred("claude", { baseUrl: "https://gw.example/anthropic" }), BODY));
  assert.equal(gateway.headers.authorization, "Bearer k-123");
  assert.equal(gateway.headers["x-api-key"], undefined);
  const oauth = buildClaudeRequest(
    input(cred("claude", { id: "claude-oauth[a@b]", baseUrl: "https://api.anthropic.com" }), BODY),
  );
  assert.equal(oauth.headers.authorization, "Bearer k-123");
  assert.equal(oauth.headers["anthropic-dangerous-direct-browser-access"], undefined);
});

test("buildClaudeRequest() leaves the body's bytes alone when the model and betas need no change", () => {
  // With claude-auto-cache-control off (on, a body without breakpoints gets HEAD's; claude-cache.test.ts).
  const i = input(cred("claude"), BODY, { config: makeConfig({ claudeAutoCacheControl: false }) });
  assert.equal(buildClaudeRequest(i).body, i.body);
});

test("buildClaudeRequest() on an API key forwards the client's betas plus body betas, and invents none", () => {
  // HEAD a7e3596b7 claude_executor_request.go applyClaudeHeadersWithNativeProfile: preserveCallerFingerprint for API keys.
  const out = buildClaudeRequest(
    input(
      cred("claude", { baseUrl: "https://gw.example" }),
      { ...BODY, model: "sonnet", betas: ["tools-1", "a-1"] },
      {
        upstreamModel: "claude-sonnet-4-5",
        headers: { "anthropic-beta": "a-1, oauth-x" },
      },
    ),
  );
  assert.equal(out.headers["anthropic-beta"], "a-1,oauth-x,tools-1");
  const body = JSON.parse(out.body.toString());
  assert.equal(body.model, "claude-sonnet-4-5");
  assert.equal(body.betas, undefined);
  const none = buildClaudeRequest(input(cred("claude", { baseUrl: "https://gw.example" }), BODY));
  assert.equal(none.headers["anthropic-beta"], undefined);
  assert.equal(callerBetas(undefined, [], true), "fast-mode-2026-02-01");
});

test("buildClaudeRequest() on an API key forwards the client's own SDK and identity headers, defaulting only version and user-agent", () => {
  const headers = {
    "anthropic-version": "2024-01-01",
    "x-app": "amp",
    "user-agent": "amp/1",
    "x-stainless-package-version": "0.60.0",
    "x-stainless-os": "Linux",
    "x-claude-code-session-id": "s-1",
    "x-stainless-timeout": "30",
    cookie: "no",
    "x-other": "no",
  };
  const out = buildClaudeRequest(input(cred("claude", { baseUrl: "https://gw.example" }), BODY, { headers }));
  for (const name of [
    "anthropic-version",
    "x-app",
    "user-agent",
    "x-stainless-package-version",
    "x-stainless-os",
    "x-claude-code-session-id",
    "x-stainless-timeout",
  ]) {
    assert.equal(out.headers[name], headers[name as keyof typeof headers], name);
  }
  assert.equal(out.headers.cookie, undefined);
  assert.equal(out.headers["x-other"], undefined);
  const bare = buildClaudeRequest(input(cred("claude"), BODY));
  assert.equal(bare.headers["anthropic-version"], "2023-06-01");
  assert.match(bare.headers["user-agent"], /^cliproxy\//);
  assert.equal(bare.headers["x-stainless-os"], undefined);
});

test("buildClaudeRequest() applies credential headers last but keeps identity encoding on streams", () => {
  const c = cred("claude", {
    baseUrl: "https://api.anthropic.com",
    headers: { "X-App": "custom", "accept-encoding": "gzip", "": "x", "x-empty": " " },
  });
  const out = buildClaudeRequest(input(c, { ...BODY, stream: true }));
  assert.equal(out.headers["x-app"], "custom");
  assert.equal(out.headers["accept-encoding"], "identity");
  // HEAD sends Accept: application/json to api.anthropic.com even for streams (the body's stream flag decides).
  assert.equal(out.headers.accept, "application/json");
  assert.equal(out.headers["x-empty"], undefined);
  assert.equal(out.stream, true);
});

test("buildClaudeRequest() sends count requests to count_tokens, never as a stream", () => {
  const out = buildClaudeRequest(
    input(cred("claude", { baseUrl: "http://h" }), { ...BODY, stream: true }, { action: "count" }),
  );
  assert.equal(out.url, "http://h/v1/messages/count_tokens?beta=true");
  assert.equal(out.stream, false);
});

test("POST /v1/messages returns the upstream body byte for byte and decodes a gzipped answer", async (t) => {
  const text =
    '{ "id":"msg_1",  "type":"message", "content":[{"type":"text","text":"hi"}], "n":12345678901234567890, "usage":{"input_tokens":1,"output_tokens":1}}';
  const fake = await startFake(t, (_r, res) => {
    const z = gzipSync(text);
    res
      .writeHead(200, {
        "content-type": "application/json",
        "content-encoding": "gzip",
        "content-length": String(z.length),
      })
      .end(z);
  });
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/messages", BODY);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), text);
});

test("POST /v1/messages streams every upstream event unchanged, comments included", async (t) => {
  const fake = await startFake(t, (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    // Split mid-event and mid-character to show events are re-assembled, not chunk-forwarded.
    const all = Buffer.from(CLAUDE_STREAM.join("").replace('"hi"', '"hé"'));
    res.write(all.subarray(0, 37));
    res.write(all.subarray(37, 300));
    res.end(all.subarray(300));
  });
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/messages", { ...BODY, stream: true });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  assert.equal(res.headers.get("cache-control"), "no-cache");
  assert.equal(await res.text(), CLAUDE_STREAM.join("").replace('"hi"', '"hé"'));
});

test("an alias is sent upstream as its name with the rest of the body untouched", async (t) => {
  const fake = await startFake(
    t,
    (_r, res) => void res.writeHead(200, { "content-type": "application/json" }).end("{}"),
  );
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    claudeApiKey: [key("ka", fake.url, { models: [{ name: "claude-sonnet-4-5-20250929", alias: "sonnet" }] })],
  });
  await (
    await post(
      s.url,
      "/v1/messages",
      '{"model":"sonnet","max_tokens":8,"tool":{"n":12345678901234567890},"messages":[]}',
    )
  ).text();
  assert.equal(
    (await fake.nth(1)).body.toString(),
    '{"model":"claude-sonnet-4-5-20250929","max_tokens":8,"tool":{"n":12345678901234567890},"messages":[]}',
  );
});

test("buildClaudeRequest() fills a missing max_tokens from the model's catalog limit", () => {
  const { max_tokens: _omit, ...noMax } = BODY;
  const out = JSON.parse(buildClaudeRequest(input(cred("claude"), noMax)).body.toString());
  assert.equal(out.max_tokens, catalogModel("claude-sonnet-4-5")!.maxOutputTokens);
  const unknown = input(
    cred("claude"),
    { ...noMax, model: "my-own" },
    { config: makeConfig({ claudeAutoCacheControl: false }) },
  );
  assert.equal(buildClaudeRequest(unknown).body, unknown.body);
});
