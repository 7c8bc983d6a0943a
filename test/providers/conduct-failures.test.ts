import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpError } from "../../src/server/errors.js";
import { UpstreamError } from "../../src/proxy/forward.js";
import { TokenUnavailableError } from "../../src/oauth/refresh.js";
import { makeConfig, providerKey, type OpenAICompat } from "../../src/config/schema.js";
import { buildCredential } from "../../src/providers/credentials.js";
import { asError, claudeKeys, failed, makeRuntime, OK, scripted } from "../routing/fixture.js";

const A = "sk-key-aaaaaaaaaaaa";
const B = "sk-key-bbbbbbbbbbbb";
const C = "sk-key-cccccccccccc";
const M = "claude-sonnet-4-5";

function compat(fields: Partial<OpenAICompat>): OpenAICompat {
  return {
    name: "local",
    baseUrl: "http://127.0.0.1:9/v1",
    apiKeyEntries: [{ apiKey: "ko-kkkkkkkkkkkk", proxyUrl: "" }],
    models: [],
    prefix: "",
    priority: 0,
    headers: {},
    disableCooling: false,
    ...fields,
  };
}

test("conduct() turns a thrown transport error into a 502 naming the host, and cools the credential for 1 min", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const cause = Object.assign(new Error(`connect ECONNREFUSED with ${A}`), { code: "ECONNREFUSED" });
  const err = new UpstreamError("unreachable", "127.0.0.1:9", 'Cannot reach upstream "127.0.0.1:9": ECONNREFUSED', {
    cause,
  });
  const s = scripted({ [A]: [err, OK] });
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind, "transport");
  assert.equal(r.status, 502);
  assert.equal(r.message, 'Upstream request to "127.0.0.1:9" failed: ECONNREFUSED');
  assert.ok(!r.message.includes(A));
  clock.advance(59_999);
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "unavailable");
  clock.advance(1);
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
});

test("conduct() answers 504 for an upstream timeout", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const err = Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" });
  const r = asError(await rt.conduct({ model: M }, scripted({ [A]: [err] }).attempt));
  assert.equal(r.status, 504);
  assert.match(r.message, /timed out/);
});

test("conduct() rethrows a client-side HttpError from the attempt and an error after the client went away", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const bad = new HttpError(400, "invalid_request_error", "Cannot translate");
  const s = scripted({ [A]: [bad], [B]: [bad] });
  await assert.rejects(rt.conduct({ model: M }, s.attempt), bad);
  const ac = new AbortController();
  const gone = async () => {
    ac.abort(new Error("client gone"));
    throw new Error("socket closed");
  };
  await assert.rejects(rt.conduct({ model: M, signal: ac.signal }, gone), /socket closed/);
  assert.deepEqual(
    rt.state().map((c) => c.state),
    ["ok", "ok"],
    "no credential was blamed",
  );
});

test("conduct() rethrows an attempt error once bytes reached the client instead of trying another credential", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({ [A]: [new Error("upstream reset mid-stream")] });
  await assert.rejects(rt.conduct({ model: M, committed: () => true }, s.attempt), /mid-stream/);
  assert.deepEqual(s.keys(), [A]);
});

test("conduct() rethrows an error that is no upstream failure (our own bug) without cooling the credential or trying another", async () => {
  const { rt } = makeRuntime({
    claudeApiKey: claudeKeys(A, B),
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  const bug = new TypeError("Cannot read properties of undefined (reading 'type')");
  const plain = Object.assign(new Error("write after end"), { code: "ERR_STREAM_WRITE_AFTER_END" });
  const s = scripted({ [A]: [bug, plain], [B]: [OK, OK] });
  await assert.rejects(rt.conduct({ model: M }, s.attempt), bug);
  await assert.rejects(rt.conduct({ model: M }, s.attempt), plain);
  assert.deepEqual(s.keys(), [A, A]);
  assert.deepEqual(
    rt.state().map((c) => c.state),
    ["ok", "ok"],
  );
});

test("conduct() counts a thrown TokenUnavailableError as the credential's failure with its status", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({
    [A]: [new TokenUnavailableError(503, 'Token of "a.json" could not be refreshed: busy', 5_000)],
    [B]: [OK],
  });
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
  assert.deepEqual(s.keys(), [A, B]);
});

test("conduct() treats a 5xx HttpError thrown by the attempt as a credential failure", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({ [A]: [new HttpError(502, "api_error", "Upstream sent an unreadable answer")] });
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
  assert.deepEqual(s.keys(), [A, B]);
});

test("conduct() never tries the same credential twice in a pass and stops at max-retry-credentials", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B, C), maxRetryCredentials: 2 });
  const s = scripted({ [A]: [failed(418)], [B]: [failed(418)], [C]: [failed(418)] });
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind, "upstream");
  assert.equal(s.calls.length, 2);
  assert.equal(new Set(s.keys()).size, 2);
});

test("conduct() with a non-blocking failure on every credential answers the last one's error", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({ [A]: [failed(409, "a")], [B]: [failed(409, "b")] });
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind === "upstream" && r.body, "b");
  assert.deepEqual(
    rt.state().map((c) => c.state),
    ["ok", "ok"],
  );
});

test("conduct() tries the next upstream name of a pool on the same credential after a failure", async () => {
  const { rt } = makeRuntime({
    openaiCompatibility: [
      compat({
        models: [
          { name: "llama-3", alias: "fast" },
          { name: "qwen-3", alias: "fast" },
        ],
      }),
    ],
  });
  const models: string[] = [];
  const r = await rt.conduct({ model: "fast" }, async (_c, m) => (models.push(m), m === "llama-3" ? failed(503) : OK));
  assert.equal(r.kind === "done" && r.upstreamModel, "qwen-3");
  assert.deepEqual(models, ["llama-3", "qwen-3"]);
  assert.equal(rt.state()[0].state, "ok", "the pool succeeded, so the credential is fine");
});

test("conduct() stops a pool at a request error", async () => {
  const { rt } = makeRuntime({
    openaiCompatibility: [
      compat({
        models: [
          { name: "llama-3", alias: "fast" },
          { name: "qwen-3", alias: "fast" },
        ],
      }),
    ],
  });
  const models: string[] = [];
  const r = asError(await rt.conduct({ model: "fast" }, async (_c, m) => (models.push(m), failed(422, "bad"))));
  assert.equal(r.status, 422);
  assert.deepEqual(models, ["llama-3"]);
});

test("conduct() blocks a credential 12 h for a model-support 400 and moves on", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({
    [A]: [failed(400, '{"error":{"type":"invalid_request_error","message":"model_not_supported"}}')],
  });
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
  assert.deepEqual(s.keys(), [A, B]);
  const block = rt.state()[0].models[0];
  assert.equal(block.until - clock.now(), 12 * 3_600_000);
  assert.equal(block.reason, "model not supported");
});

test("conduct() with disable-cooling, global or per credential, blocks nothing", async () => {
  const global = makeRuntime({ claudeApiKey: claudeKeys(A), disableCooling: true });
  const s1 = scripted({ [A]: [failed(429), failed(429), OK] });
  await global.rt.conduct({ model: M }, s1.attempt);
  await global.rt.conduct({ model: M }, s1.attempt);
  assert.equal((await global.rt.conduct({ model: M }, s1.attempt)).kind, "done");
  const per = makeRuntime({
    claudeApiKey: claudeKeys([A, { disableCooling: true }], B),
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  const s2 = scripted({ [A]: [failed(401), OK] });
  assert.equal((await per.rt.conduct({ model: M }, s2.attempt)).kind, "done");
  await per.rt.conduct({ model: M }, s2.attempt);
  assert.deepEqual(s2.keys(), [A, B, A]);
});

test("conduct() answers 503 with counts when credentials are blocked for non-quota reasons", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({ [A]: [failed(401)], [B]: [failed(500)] });
  await rt.conduct({ model: M }, s.attempt);
  const r = await rt.conduct({ model: M }, s.attempt);
  assert.equal(r.kind, "unavailable");
  assert.equal(r.status, 503);
  const until = new Date(clock.now() + 60_000).toISOString();
  assert.ok(
    r.message.startsWith(
      `no credential can serve model "${M}" (providers: claude); 1 disabled, 1 cooling down until ${until}. Last upstream error: `,
    ),
    r.message,
  );
  // The most recent failure (B's 500) is the one named, with its end and a fix; Retry-After is the earliest return.
  assert.match(r.message, /got 500 \(upstream error\)/);
  assert.match(r.message, /Fix: none needed if the provider recovers/);
  assert.equal(r.headers["retry-after"], "60");
});

test("conduct() omits the provider from the cooldown body when several providers serve the model", async () => {
  const { rt } = makeRuntime({
    claudeApiKey: claudeKeys([A, { models: [{ name: "claude-sonnet-4-5", alias: "shared" }] }]),
    openaiCompatibility: [compat({ models: [{ name: "llama-3", alias: "shared" }] })],
  });
  const always429 = async () => failed(429);
  await rt.conduct({ model: "shared" }, always429);
  const r = await rt.conduct({ model: "shared" }, always429);
  assert.equal(r.kind, "cooldown");
  assert.equal(r.body.error.provider, undefined);
  assert.equal(r.message, "All credentials for model shared are cooling down");
});

test("conduct() answers 404 with close names for a model nothing serves, and honours a provider restriction", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const r = await rt.conduct({ model: "claud-sonnet-4-5" }, async () => OK);
  assert.equal(r.kind, "unknown-model");
  assert.equal(r.suggestions[0], "claude-sonnet-4-5");
  assert.match(
    r.message,
    /^model "claud-sonnet-4-5" is not served by any configured credential; see GET \/v1\/models; did you mean: claude-sonnet-4-5/,
  );
  // A claude-* name no credential lists goes to the Claude credentials to decide (runtime.ts byFamily).
  const seen: string[] = [];
  assert.equal(
    (await rt.conduct({ model: "claude-opus-9" }, async (_c, upstream) => (seen.push(upstream), OK))).kind,
    "done",
  );
  assert.deepEqual(seen, ["claude-opus-9"]);
  const none = asError(await rt.conduct({ model: "zzzzzzzz" }, async () => OK));
  assert.equal(none.message, 'model "zzzzzzzz" is not served by any configured credential; see GET /v1/models');
  assert.equal((await rt.conduct({ model: M, providers: ["gemini"] }, async () => OK)).kind, "unknown-model");
});

test("conduct() waits for the earliest cooling credential between passes and aborts the wait when the client leaves", async () => {
  const { rt, sleeps } = makeRuntime({ claudeApiKey: claudeKeys(A, B), requestRetry: 2, maxRetryInterval: 60 });
  const s = scripted({ [A]: [failed(429), OK], [B]: [failed(500)] });
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
  assert.deepEqual(sleeps, [1000]);
  const ac = new AbortController();
  ac.abort(new Error("client gone"));
  const s2 = scripted({ [A]: [failed(429)], [B]: [failed(429)] });
  await assert.rejects(rt.conduct({ model: "claude-haiku-4-5", signal: ac.signal }, s2.attempt), /client gone/);
});

test("conduct() makes no extra pass when nothing is cooling and the error carried no retry-after", async () => {
  const { rt, sleeps } = makeRuntime({
    claudeApiKey: claudeKeys(A),
    requestRetry: 3,
    maxRetryInterval: 60,
    disableCooling: true,
  });
  const s = scripted({ [A]: [failed(500), OK] });
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "upstream");
  assert.deepEqual(sleeps, []);
  const withHint = scripted({ [A]: [failed(429, "{}", { "retry-after": "2" }), OK] });
  assert.equal((await rt.conduct({ model: M }, withHint.attempt)).kind, "done");
  assert.deepEqual(sleeps, [2000], "with cooling disabled, a 429 retry-after is still waited for");
});

test("conduct() records failed attempts in usage without the raw client key", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B), usageStatisticsEnabled: true });
  await rt.conduct(
    { model: M, clientKey: "sk-client-secret", endpoint: "anthropic-messages", requestId: "r1" },
    scripted({ [A]: [failed(500, "boom")] }).attempt,
  );
  const [rec] = rt.usage.drain(10);
  assert.equal(rec.failed, true);
  assert.equal(rec.status, 500);
  assert.equal(rec.body, "boom");
  assert.equal(rec.requestId, "r1");
  assert.ok(!JSON.stringify(rec).includes("sk-client-secret"));
  assert.deepEqual(rt.usage.counts("claude-api-key[0]"), { success: 0, failed: 1 });
});

test("conduct() reads a Gemini key's 429 retry-after from the body even when the attempt passed a header value", async () => {
  const { rt, clock } = makeRuntime({
    geminiApiKey: [providerKey("kg-gggggggggggg", { baseUrl: "http://127.0.0.1:9" })],
  });
  const body = JSON.stringify({
    error: { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "7s" }] },
  });
  await rt.conduct({ model: "gemini-2.5-pro" }, async () => ({
    kind: "failed",
    status: 429,
    body,
    headers: { "retry-after": "1" },
    retryAfterMs: 1000,
  }));
  assert.equal(rt.state()[0].models[0].until - clock.now(), 7000);
});

test("conduct() honours a credential's own request-retry over the global one", async () => {
  const { rt, sleeps } = makeRuntime({ maxRetryInterval: 10 });
  const own = buildCredential(
    { id: "claude-me.json", provider: "claude", kind: "claude", apiKey: "sk-ant-oat-111111", requestRetry: 2 },
    false,
  );
  rt.setExtraCredentials("auth-dir", [own]);
  const s = scripted({ "sk-ant-oat-111111": [failed(429), failed(429), OK] });
  assert.equal((await rt.conduct({ model: M }, s.attempt)).kind, "done");
  assert.deepEqual(sleeps, [1000, 2000]);
  const none = buildCredential(
    { id: "claude-you.json", provider: "claude", kind: "claude", apiKey: "sk-ant-oat-222222", requestRetry: 0 },
    false,
  );
  rt.setExtraCredentials("auth-dir", [none]);
  const r = await rt.conduct({ model: M, config: makeConfig({ requestRetry: 5, maxRetryInterval: 10 }) }, async () =>
    failed(429),
  );
  assert.equal(r.kind, "upstream");
  assert.deepEqual(sleeps, [1000, 2000], "no wait for a credential with request-retry 0");
});
