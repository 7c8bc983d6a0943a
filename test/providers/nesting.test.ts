/** Deeply nested JSON (issue 12 item 11): refused with 400 before any upstream call; a nested upstream answer is a 502, never a 500. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { claudeMessage, key, post, CLIENT_KEY } from "./support.js";
import { nestsDeeperThan } from "../../src/proxy/json-scan.js";

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);

test("a Responses request to a Claude model with a 20,000-level metadata answers 400 and never reaches the upstream", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const body = `{"model":"claude-sonnet-4-5","input":"hi","metadata":{"x":${deep(20_000)}}}`;
  const res = await post(s.url, "/v1/responses", body);
  assert.equal(res.status, 400);
  const json = (await res.json()) as { error: { message: string; type: string } };
  assert.match(json.error.message, /nests objects or arrays more than 256 levels deep/);
  assert.equal(fake.requests.length, 0);
  // Same limit on the Anthropic route, in its shape; a 200-level request still passes.
  const msg = await post(
    s.url,
    "/v1/messages",
    `{"model":"claude-sonnet-4-5","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"metadata":{"x":${deep(300)}}}`,
  );
  assert.equal(msg.status, 400);
  assert.equal(((await msg.json()) as { type: string }).type, "error");
  const ok = await post(
    s.url,
    "/v1/messages",
    `{"model":"claude-sonnet-4-5","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"metadata":{"x":${deep(200)}}}`,
  );
  assert.equal(ok.status, 200);
});

test("a deeply nested non-stream upstream answer to a translated request is a 502, not a 500", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 200, `{"id":"m","type":"message","content":${deep(20_000)}}`),
  );
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/chat/completions", {
    model: "claude-sonnet-4-5",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(res.status, 502);
});

test("nestsDeeperThan() ignores brackets inside strings and escaped quotes", () => {
  assert.equal(nestsDeeperThan(`{"a":"${"[".repeat(1000)}\\"${"{".repeat(1000)}"}`, 2), false);
  assert.equal(nestsDeeperThan(deep(3), 2), true);
  assert.equal(nestsDeeperThan(deep(2), 2), false);
});

test("nestsDeeperThan() finds deep nesting inside a long text, and clears long texts with few brackets", () => {
  const prose = "lorem ipsum ".repeat(1000);
  assert.equal(nestsDeeperThan(`{"text":"${prose}","x":${deep(300)}}`), true);
  assert.equal(nestsDeeperThan(`{"text":"${prose}","x":${deep(200)}}`), false);
  assert.equal(nestsDeeperThan(`{"text":"${prose}"}`), false);
});
