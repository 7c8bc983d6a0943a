import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpError } from "../../src/server/errors.js";
import { providerKey } from "../../src/config/schema.js";
import { claudeKeys, failed, makeRuntime, OK, scripted } from "../routing/fixture.js";

const A = "sk-key-aaaaaaaaaaaa";
const B = "sk-key-bbbbbbbbbbbb";
const M = "claude-sonnet-4-5";

test("providers §7.14 round-robin: three successes go to A, B, A", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({});
  for (let i = 0; i < 3; i++) assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
  assert.deepEqual(s.keys(), [A, B, A]);
});

test("providers §7.15 fill-first: three successes go to A; after A answers 429 the next request goes to B", async () => {
  const { rt } = makeRuntime({
    claudeApiKey: claudeKeys(A, B),
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  const s = scripted({ [A]: [OK, OK, OK, failed(429)] });
  for (let i = 0; i < 3; i++) await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(s.keys(), [A, A, A]);
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind, "done");
  assert.equal(r.kind === "done" && r.credential.apiKey, B);
  await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(s.keys().slice(3), [A, B, B]);
});

test("providers §7.16 priority: all traffic to A; A's 500 is served by B and A is skipped for 1 min", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys([A, { priority: 10 }], [B, { priority: 0 }]) });
  const s = scripted({ [A]: [OK, OK, failed(500), OK] });
  await rt.conduct({ model: M }, s.attempt);
  await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(s.keys(), [A, A]);
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind === "done" && r.credential.apiKey, B);
  clock.advance(59_000);
  await rt.conduct({ model: M }, s.attempt);
  clock.advance(1_000);
  await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(s.keys(), [A, A, A, B, B, A]);
});

test("providers §7.17 429 switch: A's 429 is served by B and a second request within 1 s goes only to B", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({ [A]: [failed(429)] });
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind === "done" && r.credential.apiKey, B);
  clock.advance(900);
  await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(s.keys(), [A, B, B]);
});

test("providers §7.18 backoff: consecutive 429s block 1 s, 2 s, 4 s; inside a block the answer is model_cooldown without an upstream call", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const s = scripted({ [A]: [failed(429)] });
  for (const blockMs of [1000, 2000, 4000]) {
    const first = await rt.conduct({ model: M }, s.attempt);
    assert.equal(first.kind, "upstream");
    const calls = s.calls.length;
    clock.advance(blockMs - 1);
    const inside = await rt.conduct({ model: M }, s.attempt);
    assert.equal(inside.kind, "cooldown");
    assert.equal(s.calls.length, calls, "no upstream call inside the block");
    if (inside.kind === "cooldown") {
      assert.equal(inside.status, 429);
      assert.ok(Number(inside.headers["retry-after"]) >= 1);
      assert.equal(inside.body.error.code, "model_cooldown");
      assert.equal(inside.body.error.provider, "claude");
      assert.equal(inside.body.error.message, `All credentials for model ${M} are cooling down via provider claude`);
    }
    clock.advance(1);
  }
  assert.equal(s.calls.length, 3);
});

test("providers §7.19 Retry-After header: 429 with Retry-After 3 passes the upstream body, then cooldown with Retry-After 2, then the upstream again after 3 s", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const body = '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}';
  const s = scripted({ [A]: [failed(429, body, { "retry-after": "3" }), OK] });
  const first = await rt.conduct({ model: M }, s.attempt);
  assert.equal(first.kind, "upstream");
  assert.equal(first.kind === "upstream" && first.body, body);
  assert.equal(first.status, 429);
  clock.advance(1000);
  const second = await rt.conduct({ model: M }, s.attempt);
  assert.equal(second.kind, "cooldown");
  assert.equal(second.headers["retry-after"], "2");
  assert.equal(second.kind === "cooldown" && second.body.error.reset_seconds, 2);
  assert.equal(second.kind === "cooldown" && second.body.error.reset_time, "2s");
  clock.advance(2000);
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
  assert.equal(s.calls.length, 2);
});

test("providers §7.20 Google retryDelay: the key is blocked 5 s for model X only; model Y on the same key still works", async () => {
  const { rt, clock } = makeRuntime({
    geminiApiKey: [providerKey("kg-gggggggggggg", { baseUrl: "http://127.0.0.1:9" })],
  });
  const body = JSON.stringify({
    error: {
      code: 429,
      status: "RESOURCE_EXHAUSTED",
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "5s" }],
    },
  });
  const calls: string[] = [];
  const attempt = async (_c: unknown, model: string) => (
    calls.push(model),
    model === "gemini-2.5-pro" ? failed(429, body) : OK
  );
  assert.equal((await rt.conduct({ model: "gemini-2.5-pro" }, attempt)).kind, "upstream");
  assert.equal((await rt.conduct({ model: "gemini-2.5-flash" }, attempt)).kind, "done");
  clock.advance(4999);
  assert.equal((await rt.conduct({ model: "gemini-2.5-pro" }, attempt)).kind, "cooldown");
  clock.advance(1);
  assert.equal((await rt.conduct({ model: "gemini-2.5-pro" }, attempt)).kind, "upstream");
  assert.deepEqual(calls, ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-pro"]);
});

test("providers §7.21 wait and retry: a 2 s retryDelay within max-retry-interval 5 is waited out and the second call succeeds", async () => {
  const { rt, sleeps } = makeRuntime({ claudeApiKey: claudeKeys(A), requestRetry: 1, maxRetryInterval: 5 });
  const body = JSON.stringify({
    error: { code: 429, details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2s" }] },
  });
  const s = scripted({ [A]: [failed(429, body), OK] });
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
  assert.deepEqual(sleeps, [2000]);
  assert.equal(s.calls.length, 2);
});

test("providers §7.21 wait and retry: a 30 s retryDelay beyond max-retry-interval 5 reaches the client at once", async () => {
  const { rt, sleeps } = makeRuntime({ claudeApiKey: claudeKeys(A), requestRetry: 1, maxRetryInterval: 5 });
  const body = JSON.stringify({
    error: { code: 429, details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "30s" }] },
  });
  const s = scripted({ [A]: [failed(429, body), OK] });
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind, "upstream");
  assert.equal(r.status, 429);
  assert.deepEqual(sleeps, []);
  assert.equal(s.calls.length, 1);
});

test("providers §7.22 request error: A's 400 invalid_request_error goes to the client, B is never called and A is not blocked", async () => {
  const { rt } = makeRuntime({
    claudeApiKey: claudeKeys(A, B),
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  const body = '{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}';
  const s = scripted({ [A]: [failed(400, body), OK] });
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind, "upstream");
  assert.equal(r.body, body);
  assert.equal(r.status, 400);
  assert.deepEqual(s.keys(), [A]);
  assert.equal(rt.state()[0].state, "ok");
  await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(s.keys(), [A, A]);
});

test("providers §7.23 upstream 401: B serves the request; A is skipped for that model for 30 min, logged once by label", async () => {
  const { rt, clock, logs } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({ [A]: [failed(401), OK] });
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind === "done" && r.credential.apiKey, B);
  const warns = logs.filter((l) => l.includes(" WARN "));
  assert.equal(warns.length, 1);
  assert.match(warns[0], /claude-api-key\[0\]/);
  assert.ok(!warns[0].includes(A), "the key never reaches the log");
  const a = rt.state()[0];
  assert.equal(a.state, "blocked");
  assert.deepEqual(
    a.models.map((m) => [m.model, m.status, m.until - clock.now()]),
    [[M, 401, 30 * 60_000]],
  );
  clock.advance(30 * 60_000 - 1);
  await rt.conduct({ model: M }, s.attempt);
  await rt.conduct({ model: "claude-haiku-4-5" }, s.attempt);
  clock.advance(1);
  await rt.conduct({ model: M }, s.attempt);
  await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(
    s.calls.slice(2).map((c) => [c.key, c.model]),
    [
      [B, M],
      [A, "claude-haiku-4-5"],
      [B, M],
      [A, M],
    ],
  );
});
