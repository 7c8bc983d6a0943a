import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { makeConfig } from "../../src/config/schema.js";
import { catalogModel } from "../../src/providers/catalog.js";
import { buildClaudeRequest, mergeBetas, DEFAULT_BETAS } from "../../src/providers/claude.js";
import { startServer } from "../support/server.js";
import { startFake } from "../support/fake-upstream.js";
import { cred, input, key, post, CLAUDE_STREAM, CLIENT_KEY } from "./support.js";

const BODY = { model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] };

test("buildClaudeRequest() uses x-api-key only for an API key on api.anthropic.com itself", () => {
  const official = buildClaudeRequest(input(cred("claude", { baseUrl: "https://api.anthropic.com/" }), BODY));
  assert.equal(official.url, "https://api.anthropic.com/v1/messages?beta=true");
  assert.equal(official.headers["x-api-key"], "k-123");
  assert.equal(official.headers.authorization, undefined);
  assert.match(official.headers["x-client-request-id"], /^[0-9a-f-]{36}$/);
  const gateway = buildClaudeRequest(input(cred("claude", { baseUrl: "https://gw.example/anthropic" }), BODY));
  assert.equal(gateway.headers.authorization, "Bearer k-123");
  assert.equal(gateway.headers["x-api-key"], undefined);
  assert.equal(gateway.headers["x-client-request-id"], undefined);
  const oauth = buildClaudeRequest(input(cred("claude", { id: "claude-oauth[a@b]", baseUrl: "https://api.anthropic.com" }), BODY));
  assert.equal(oauth.headers.authorization, "Bearer k-123");
  assert.equal(oauth.headers["anthropic-dangerous-direct-browser-access"], undefined);
});

test("buildClaudeRequest() leaves the body's bytes alone when the model and betas need no change", () => {
  const i = input(cred("claude"), BODY);
  assert.equal(buildClaudeRequest(i).body, i.body);
});

test("buildClaudeRequest() moves body betas into Anthropic-Beta and sets the upstream model", () => {
  const out = buildClaudeRequest(input(cred("claude"), { ...BODY, model: "sonnet", betas: ["tools-1", "interleaved-thinking-2025-05-14"] }, {
    upstreamModel: "claude-sonnet-4-5", headers: { "anthropic-beta": "a-1, oauth-x" },
  }));
  assert.equal(out.headers["anthropic-beta"], "a-1,oauth-x,interleaved-thinking-2025-05-14,tools-1");
  const body = JSON.parse(out.body.toString());
  assert.equal(body.model, "claude-sonnet-4-5");
  assert.equal(body.betas, undefined);
});

test("mergeBetas() sends the Claude Code list when the client sent none", () => {
  assert.equal(mergeBetas(undefined, []), DEFAULT_BETAS);
});

test("buildClaudeRequest() keeps client-first headers and defaults the rest", () => {
  const out = buildClaudeRequest(input(cred("claude"), BODY, {
    headers: { "anthropic-version": "2024-01-01", "x-app": "amp", "user-agent": "claude-cli/9 (x)", "x-claude-code-session-id": "s-1", "x-stainless-timeout": " 30 " },
  }));
  assert.equal(out.headers["anthropic-version"], "2024-01-01");
  assert.equal(out.headers["x-app"], "amp");
  assert.equal(out.headers["user-agent"], "claude-cli/9 (x)");
  assert.equal(out.headers["x-claude-code-session-id"], "s-1");
  assert.equal(out.headers["x-stainless-timeout"], "30");
  const other = buildClaudeRequest(input(cred("claude"), BODY, { headers: { "user-agent": "amp/1" } }));
  assert.equal(other.headers["user-agent"], "claude-cli/2.1.63 (external, cli)");
  assert.equal(other.headers["anthropic-dangerous-direct-browser-access"], "true");
});

test("buildClaudeRequest() applies claude-header-defaults when the client sent nothing", () => {
  const config = makeConfig({ claudeHeaderDefaults: { "user-agent": "claude-cli/3.0 (custom)", timeout: "900", os: "Linux", arch: "x64" } });
  const out = buildClaudeRequest(input(cred("claude"), BODY, { config }));
  assert.equal(out.headers["user-agent"], "claude-cli/3.0 (custom)");
  assert.equal(out.headers["x-stainless-timeout"], "900");
  assert.equal(out.headers["x-stainless-os"], "Linux");
  assert.equal(out.headers["x-stainless-arch"], "x64");
  assert.equal(out.headers["x-stainless-package-version"], "0.74.0");
});

test("buildClaudeRequest() applies credential headers last but keeps identity encoding on streams", () => {
  const c = cred("claude", { headers: { "X-App": "custom", "accept-encoding": "gzip", "": "x", "x-empty": " " } });
  const out = buildClaudeRequest(input(c, { ...BODY, stream: true }));
  assert.equal(out.headers["x-app"], "custom");
  assert.equal(out.headers["accept-encoding"], "identity");
  assert.equal(out.headers.accept, "text/event-stream");
  assert.equal(out.headers["x-empty"], undefined);
  assert.equal(out.stream, true);
});

test("buildClaudeRequest() keeps one session id per credential key", () => {
  const a1 = buildClaudeRequest(input(cred("claude", { apiKey: "key-a" }), BODY)).headers["x-claude-code-session-id"];
  const a2 = buildClaudeRequest(input(cred("claude", { apiKey: "key-a" }), BODY)).headers["x-claude-code-session-id"];
  const b = buildClaudeRequest(input(cred("claude", { apiKey: "key-b" }), BODY)).headers["x-claude-code-session-id"];
  assert.equal(a1, a2);
  assert.notEqual(a1, b);
});

test("buildClaudeRequest() sends count requests to count_tokens, never as a stream", () => {
  const out = buildClaudeRequest(input(cred("claude", { baseUrl: "http://h" }), { ...BODY, stream: true }, { action: "count" }));
  assert.equal(out.url, "http://h/v1/messages/count_tokens?beta=true");
  assert.equal(out.stream, false);
});

test("POST /v1/messages returns the upstream body byte for byte and decodes a gzipped answer", async (t) => {
  const text = '{ "id":"msg_1",  "type":"message", "content":[{"type":"text","text":"hi"}], "n":12345678901234567890, "usage":{"input_tokens":1,"output_tokens":1}}';
  const fake = await startFake(t, (_r, res) => {
    const z = gzipSync(text);
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(z.length) }).end(z);
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
  const fake = await startFake(t, (_r, res) => void res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url, { models: [{ name: "claude-sonnet-4-5-20250929", alias: "sonnet" }] })],
  });
  await (await post(s.url, "/v1/messages", '{"model":"sonnet","max_tokens":8,"tool":{"n":12345678901234567890},"messages":[]}')).text();
  assert.equal((await fake.nth(1)).body.toString(), '{"model":"claude-sonnet-4-5-20250929","max_tokens":8,"tool":{"n":12345678901234567890},"messages":[]}');
});

test("buildClaudeRequest() fills a missing max_tokens from the model's catalog limit", () => {
  const { max_tokens: _omit, ...noMax } = BODY;
  const out = JSON.parse(buildClaudeRequest(input(cred("claude"), noMax)).body.toString());
  assert.equal(out.max_tokens, catalogModel("claude-sonnet-4-5")!.maxOutputTokens);
  const unknown = input(cred("claude"), { ...noMax, model: "my-own" });
  assert.equal(buildClaudeRequest(unknown).body, unknown.body);
});
