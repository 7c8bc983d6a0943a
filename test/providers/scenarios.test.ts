/** providers.md §7 acceptance scenarios, end to end against fake upstreams on loopback. */
import { test, type TestContext } from "node:test";
import { createServer } from "node:http";
import assert from "node:assert/strict";
import { fakeClock, startServer } from "../support/server.js";
import { startFake, sendJson, type FakeUpstream } from "../support/fake-upstream.js";
import {
  chatCompletion,
  claudeMessage,
  compat,
  get,
  geminiAnswer,
  key,
  post,
  sendSse,
  CHAT_STREAM,
  CLAUDE_STREAM,
  CLIENT_KEY,
  GEMINI_STREAM,
  RESPONSES_STREAM,
} from "./support.js";

const MSG = { model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] };

/** A fake Claude upstream answering 200 with a message (or its stream). */
async function claudeFake(t: TestContext): Promise<FakeUpstream> {
  return startFake(t, (r, res) => (r.json?.stream ? sendSse(res, CLAUDE_STREAM) : sendJson(res, 200, claudeMessage())));
}

/** A clock whose sleep advances it, so retry waits take no real time. */
function sleepingClock() {
  const clock = fakeClock();
  return Object.assign(clock, { sleep: async (ms: number) => clock.advance(ms) });
}

test("providers §7.1 missing key: 401 in each route's dialect and no upstream call", async (t) => {
  const fake = await claudeFake(t);
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const open = (path: string) => fetch(`${s.url}${path}`, { method: "POST", body: "{}" });
  const chat = await open("/v1/chat/completions");
  assert.equal(chat.status, 401);
  assert.deepEqual(await chat.json(), {
    error: { message: "Missing API key", type: "authentication_error", param: null, code: "invalid_api_key" },
  });
  const msg = await open("/v1/messages");
  assert.deepEqual(await msg.json(), {
    type: "error",
    error: { type: "authentication_error", message: "Missing API key" },
  });
  const gem = await open("/v1beta/models/gemini-2.5-pro:generateContent");
  assert.deepEqual(await gem.json(), { error: { code: 401, message: "Missing API key", status: "UNAUTHENTICATED" } });
  assert.equal(fake.requests.length, 0);
});

test("providers §7.2 wrong then right: a wrong bearer does not block a right X-Api-Key", async (t) => {
  const fake = await claudeFake(t);
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/messages", MSG, { authorization: "Bearer wrong", "x-api-key": CLIENT_KEY });
  assert.equal(res.status, 200);
});

test("providers §7.3 key forms: every accepted form lists models; only a wrong key is Invalid API key", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY] });
  const forms: Array<[string, Record<string, string>]> = [
    ["", { authorization: `Bearer ${CLIENT_KEY}` }],
    ["", { authorization: CLIENT_KEY }],
    ["", { "x-goog-api-key": CLIENT_KEY }],
    ["", { "x-api-key": CLIENT_KEY }],
    [`?key=${CLIENT_KEY}`, {}],
    [`?auth_token=${CLIENT_KEY}`, {}],
  ];
  for (const [query, headers] of forms)
    assert.equal((await fetch(`${s.url}/v1/models${query}`, { headers })).status, 200, JSON.stringify(headers) + query);
  const bad = await fetch(`${s.url}/v1/models`, { headers: { authorization: "Bearer sk-other" } });
  assert.equal(bad.status, 401);
  assert.match(
    ((await bad.json()) as { error: { message: string } }).error.message,
    /^Invalid API key: the key sent is not one of cliproxy.s api-keys/,
  );
});

test("providers §7.4 no keys configured: GET /v1/models answers without a key on loopback", async (t) => {
  const s = await startServer(t, { apiKeys: [] });
  assert.equal((await fetch(`${s.url}/v1/models`)).status, 200);
});

test("providers §7.5 unknown model: 404 model_not_found naming the model", async (t) => {
  const fake = await claudeFake(t);
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/chat/completions", { model: "nope-1", messages: [] });
  assert.equal(res.status, 404);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, "model_not_found");
  assert.match(body.error.message, /^model "nope-1" is not served by any configured credential; see GET \/v1\/models/);
  const near = await post(s.url, "/v1/chat/completions", { model: "claud-sonnet-4-6", messages: [] });
  assert.match(
    ((await near.json()) as { error: { message: string } }).error.message,
    /did you mean: .*claude-sonnet-4-6/,
  );
});

test("providers §7.6 Claude key: path, bearer on a custom root, version, betas, X-App, no client key upstream", async (t) => {
  const fake = await claudeFake(t);
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 200);
  const r = await fake.nth(1);
  assert.equal(r.method, "POST");
  assert.equal(r.url, "/v1/messages?beta=true");
  assert.equal(r.headers.authorization, "Bearer ka");
  assert.equal(r.headers["x-api-key"], undefined);
  assert.equal(r.headers["anthropic-version"], "2023-06-01");
  // HEAD a7e3596b7: an API key keeps the caller's fingerprint, so no betas or X-App the client did not send.
  assert.equal(r.headers["anthropic-beta"], undefined);
  assert.equal(r.headers["x-app"], undefined);
  assert.ok(!Object.values(r.headers).some((v) => String(v).includes(CLIENT_KEY)));
});

test("providers §7.7 client beta kept: exactly the client's betas on an API key", async (t) => {
  const fake = await claudeFake(t);
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  await post(s.url, "/v1/messages", MSG, { "anthropic-beta": "tools-2024-04-04" });
  assert.equal((await fake.nth(1)).headers["anthropic-beta"], "tools-2024-04-04");
});

test("providers §7.8 count_tokens: forwarded to count_tokens?beta=true, answer unchanged", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, '{"input_tokens":42}'));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/messages/count_tokens", {
    model: "claude-sonnet-4-5",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(await res.text(), '{"input_tokens":42}');
  assert.equal((await fake.nth(1)).url, "/v1/messages/count_tokens?beta=true");
});

test("providers §7.10 Codex key: bearer key, codex-tui Originator and user-agent (HEAD forces them), no Chatgpt-Account-Id, streamed upstream", async (t) => {
  const fake = await startFake(t, (_r, res) => sendSse(res, RESPONSES_STREAM));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], codexApiKey: [key("kc", fake.url)] });
  const res = await post(s.url, "/v1/responses", { model: "gpt-5", input: "hi" });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { id: string; output: unknown[] };
  assert.equal(body.id, "resp_1");
  assert.equal(body.output.length, 1);
  const r = await fake.nth(1);
  assert.equal(r.url, "/responses");
  assert.equal(r.headers.authorization, "Bearer kc");
  assert.equal(r.headers.originator, "codex-tui");
  assert.match(String(r.headers["user-agent"]), /^codex-tui\/0\.146\.0 /);
  assert.equal(r.headers["chatgpt-account-id"], undefined);
  // The client key becomes a stable prompt cache key, sent as Session-Id too.
  assert.match(String(r.json.prompt_cache_key), /^[0-9a-f]{8}-[0-9a-f]{4}-5/);
  assert.equal(r.json.prompt_cache_key, r.headers["session-id"]);
  assert.equal(r.json.stream, true);
  assert.equal(r.json.instructions, "");
});

test("providers §7.11 Gemini key: same path and query, x-goog-api-key, no key query, SSE frames back", async (t) => {
  const fake = await startFake(t, (_r, res) => sendSse(res, GEMINI_STREAM));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], geminiApiKey: [key("kg", fake.url)] });
  const res = await post(s.url, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", {
    contents: [{ role: "user", parts: [{ text: "hi" }] }],
  });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  assert.equal(await res.text(), GEMINI_STREAM.join(""));
  const r = await fake.nth(1);
  assert.equal(r.url, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  assert.equal(r.headers["x-goog-api-key"], "kg");
  assert.ok(!r.url.includes("key="));
});

test("providers §7.13 OpenAI-compatible: alias → upstream name, include_usage, bearer, user agent", async (t) => {
  const fake = await startFake(t, (_r, res) => sendSse(res, CHAT_STREAM));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", `${fake.url}/v1`, ["ko"], [{ name: "llama-3", alias: "fast" }])],
  });
  const res = await post(s.url, "/v1/chat/completions", {
    model: "fast",
    stream: true,
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(await res.text(), CHAT_STREAM.join(""));
  const r = await fake.nth(1);
  assert.equal(r.url, "/v1/chat/completions");
  assert.equal(r.json.model, "llama-3");
  assert.deepEqual(r.json.stream_options, { include_usage: true });
  assert.equal(r.headers.authorization, "Bearer ko");
  assert.equal(r.headers["user-agent"], "cli-proxy-openai-compat");
});

/** Two Claude fakes A and B behind one proxy; returns who served each request. */
async function twoClaude(
  t: TestContext,
  overrides: Record<string, unknown> = {},
  a: Record<string, unknown> = {},
  b: Record<string, unknown> = {},
) {
  const A = await claudeFake(t);
  const B = await claudeFake(t);
  const clock = sleepingClock();
  const s = await startServer(
    t,
    { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", A.url, a), key("kb", B.url, b)], ...overrides },
    { clock },
  );
  const hits = () => `${A.requests.length}/${B.requests.length}`;
  return { A, B, s, clock, hits };
}

test("providers §7.14 round-robin: three successes go A, B, A", async (t) => {
  const { s, A, B } = await twoClaude(t);
  const order: string[] = [];
  for (let i = 0; i < 3; i++) {
    const before = [A.requests.length, B.requests.length];
    assert.equal((await post(s.url, "/v1/messages", MSG)).status, 200);
    order.push(A.requests.length > before[0] ? "A" : B.requests.length > before[1] ? "B" : "?");
  }
  assert.deepEqual(order, ["A", "B", "A"]);
});

test("providers §7.15 fill-first: A until it answers 429, then B", async (t) => {
  const { s, A, hits } = await twoClaude(t, {
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  for (let i = 0; i < 3; i++) await (await post(s.url, "/v1/messages", MSG)).text();
  assert.equal(hits(), "3/0");
  A.handle((_r, res) => sendJson(res, 429, { type: "error", error: { type: "rate_limit_error", message: "slow" } }));
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 200);
  assert.equal(hits(), "4/1");
  await (await post(s.url, "/v1/messages", MSG)).text();
  assert.equal(hits(), "4/2");
});

test("providers §7.16 priority: all traffic to A; A's 500 is served by B and A rests for 1 min", async (t) => {
  const { s, A, clock, hits } = await twoClaude(t, {}, { priority: 10 }, { priority: 0 });
  for (let i = 0; i < 2; i++) await (await post(s.url, "/v1/messages", MSG)).text();
  assert.equal(hits(), "2/0");
  A.handle((_r, res) => sendJson(res, 500, { type: "error", error: { type: "api_error", message: "boom" } }));
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 200);
  assert.equal(hits(), "3/1");
  A.handle((_r, res) => sendJson(res, 200, claudeMessage()));
  await (await post(s.url, "/v1/messages", MSG)).text();
  assert.equal(hits(), "3/2");
  clock.advance(61_000);
  await (await post(s.url, "/v1/messages", MSG)).text();
  assert.equal(hits(), "4/2");
});

test("providers §7.17 429 switch: A's 429 is served by B, and the next request within 1 s goes only to B", async (t) => {
  const { s, A, clock, hits } = await twoClaude(t);
  A.handle((_r, res) => sendJson(res, 429, { type: "error", error: { type: "rate_limit_error", message: "slow" } }));
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 200);
  assert.equal(hits(), "1/1");
  clock.advance(500);
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 200);
  assert.equal(hits(), "1/2");
});

test("providers §7.18 backoff: blocks of 1 s, 2 s, 4 s; a request inside one is a model_cooldown 429 without an upstream call", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 429, { error: { message: "slow", type: "rate_limit_error" } }),
  );
  const clock = fakeClock();
  const s = await startServer(
    t,
    { apiKeys: [CLIENT_KEY], openaiCompatibility: [compat("up", fake.url, ["k"], [{ name: "m" }])] },
    { clock },
  );
  const ask = () => post(s.url, "/v1/chat/completions", { model: "m", messages: [] });
  for (const [i, blockMs] of [1000, 2000, 4000].entries()) {
    assert.equal((await ask()).status, 429);
    assert.equal(fake.requests.length, i + 1);
    clock.advance(blockMs - 1);
    const cooled = await ask();
    assert.equal(cooled.status, 429);
    assert.ok(Number(cooled.headers.get("retry-after")) >= 1);
    assert.equal(((await cooled.json()) as { error: { code: string } }).error.code, "model_cooldown");
    assert.equal(fake.requests.length, i + 1, "no upstream call inside the block");
    clock.advance(1);
  }
});

test("providers §7.19 Retry-After header: upstream 429 body first, then model_cooldown counting down, then the upstream again", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 429, { error: { message: "later", type: "rate_limit_error" } }, { "retry-after": "3" }),
  );
  const clock = fakeClock();
  const s = await startServer(
    t,
    { apiKeys: [CLIENT_KEY], openaiCompatibility: [compat("up", fake.url, ["k"], [{ name: "m" }])] },
    { clock },
  );
  const ask = () => post(s.url, "/v1/chat/completions", { model: "m", messages: [] });
  const first = await ask();
  assert.equal(first.status, 429);
  assert.deepEqual(await first.json(), { error: { message: "later", type: "rate_limit_error" } });
  clock.advance(1000);
  const second = await ask();
  assert.equal(second.status, 429);
  assert.equal(second.headers.get("retry-after"), "2");
  assert.equal(((await second.json()) as { error: { code: string } }).error.code, "model_cooldown");
  assert.equal(fake.requests.length, 1);
  clock.advance(2000);
  await (await ask()).text();
  assert.equal(fake.requests.length, 2);
});

const RETRY_INFO = (delay: string) => ({
  error: {
    code: 429,
    message: "quota",
    status: "RESOURCE_EXHAUSTED",
    details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: delay }],
  },
});

test("providers §7.20 Google retryDelay: the key rests 5 s for that model only", async (t) => {
  const fake = await startFake(t, (r, res) =>
    r.url.includes("gemini-2.5-pro") ? sendJson(res, 429, RETRY_INFO("5s")) : sendJson(res, 200, geminiAnswer()),
  );
  const clock = fakeClock();
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], geminiApiKey: [key("kg", fake.url)] }, { clock });
  const ask = (m: string) => post(s.url, `/v1beta/models/${m}:generateContent`, { contents: [] });
  assert.equal((await ask("gemini-2.5-pro")).status, 429);
  clock.advance(4000);
  assert.equal((await ask("gemini-2.5-pro")).status, 429);
  assert.equal(fake.requests.length, 1);
  assert.equal((await ask("gemini-2.5-flash")).status, 200);
  clock.advance(1000);
  await (await ask("gemini-2.5-pro")).text();
  assert.equal(fake.requests.length, 3);
});

test("providers §7.21 wait and retry: a 2 s retryDelay is waited out; a 30 s one reaches the client at once", async (t) => {
  let calls = 0;
  let delay = "2s";
  const fake = await startFake(t, (_r, res) =>
    calls++ % 2 === 0 ? sendJson(res, 429, RETRY_INFO(delay)) : sendJson(res, 200, geminiAnswer()),
  );
  const clock = sleepingClock();
  const s = await startServer(
    t,
    { apiKeys: [CLIENT_KEY], requestRetry: 1, maxRetryInterval: 5, geminiApiKey: [key("kg", fake.url)] },
    { clock },
  );
  const t0 = clock.now();
  const ok = await post(s.url, "/v1beta/models/gemini-2.5-pro:generateContent", { contents: [] });
  assert.equal(ok.status, 200);
  assert.equal(fake.requests.length, 2);
  assert.equal(clock.now() - t0, 2000);
  delay = "30s";
  const t1 = clock.now();
  const slow = await post(s.url, "/v1beta/models/gemini-2.5-flash:generateContent", { contents: [] });
  assert.equal(slow.status, 429);
  assert.equal(fake.requests.length, 3);
  assert.equal(clock.now(), t1);
});

test("providers §7.22 request error: A's 400 goes to the client, B is never called, A is not blocked", async (t) => {
  const { s, A, B } = await twoClaude(t, {
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  const bad = { type: "error", error: { type: "invalid_request_error", message: "messages: required" } };
  A.handle((_r, res) => sendJson(res, 400, bad));
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), bad);
  assert.equal(B.requests.length, 0);
  await (await post(s.url, "/v1/messages", MSG)).text();
  assert.equal(A.requests.length, 2);
});

test("providers §7.23 upstream 401: B serves; A is skipped for that model for 30 min", async (t) => {
  const { s, A, clock, hits } = await twoClaude(t, {
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  A.handle((_r, res) =>
    sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "bad key" } }),
  );
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 200);
  assert.equal(hits(), "1/1");
  clock.advance(29 * 60_000);
  await (await post(s.url, "/v1/messages", MSG)).text();
  assert.equal(hits(), "1/2");
  clock.advance(60_001);
  await (await post(s.url, "/v1/messages", MSG)).text();
  assert.equal(hits(), "2/3", "after 30 min A is tried again (still 401, so B serves)");
});

test("providers §7.24 Anthropic error shape: an upstream 529 keeps its type and message", async (t) => {
  const body = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
  const fake = await startFake(t, (_r, res) => sendJson(res, 529, body));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 529);
  assert.deepEqual(await res.json(), body);
});

test("providers §7.25 stream bootstrap: A fails before its first byte, B streams a normal 200 ending [DONE]", async (t) => {
  const A = await startFake(t, (_r, res) => sendJson(res, 503, { error: { message: "busy" } }));
  const B = await startFake(t, (_r, res) => sendSse(res, CHAT_STREAM));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    streaming: { keepaliveSeconds: 0, bootstrapRetries: 1 },
    openaiCompatibility: [compat("a", A.url, ["ka"], [{ name: "m" }]), compat("b", B.url, ["kb"], [{ name: "m" }])],
  });
  const res = await post(s.url, "/v1/chat/completions", { model: "m", stream: true, messages: [] });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /data: \[DONE\]\n\n$/);
  // A 200 head whose stream dies before its first event is re-run on the other credential too.
  A.handle((_r, res2) => {
    res2.writeHead(200, { "content-type": "text/event-stream" });
    res2.destroy();
  });
  const again = await post(s.url, "/v1/chat/completions", { model: "m", stream: true, messages: [] });
  assert.equal(again.status, 200);
  assert.equal(await again.text(), CHAT_STREAM.join(""));
});

test("providers §7.26 stream break: the chunk, an error frame and [DONE]; no other credential tried", async (t) => {
  const A = await startFake(t, (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(CHAT_STREAM[0]);
    setImmediate(() => res.destroy());
  });
  const B = await startFake(t, (_r, res) => sendSse(res, CHAT_STREAM));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
    openaiCompatibility: [compat("a", A.url, ["ka"], [{ name: "m" }]), compat("b", B.url, ["kb"], [{ name: "m" }])],
  });
  const res = await post(s.url, "/v1/chat/completions", { model: "m", stream: true, messages: [] });
  const text = await res.text();
  assert.ok(text.startsWith(CHAT_STREAM[0]));
  const rest = text.slice(CHAT_STREAM[0].length);
  assert.match(
    rest,
    /^data: \{"error":\{"message":"Upstream \\"127\.0\.0\.1:\d+\\" failed mid-stream[^\n]*\n\ndata: \[DONE\]\n\n$/,
  );
  assert.equal(B.requests.length, 0);
});

test("providers §7.27 exclusion and prefix: excluded ids unlisted, prefixed ids listed and routed only to their key", async (t) => {
  const A = await startFake(t, (_r, res) => sendJson(res, 200, geminiAnswer("A")));
  const B = await startFake(t, (_r, res) => sendJson(res, 200, geminiAnswer("B")));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    forceModelPrefix: true,
    geminiApiKey: [key("ka", A.url, { excludedModels: ["*-preview"] }), key("kb", B.url, { prefix: "team" })],
  });
  const ids = ((await (await get(s.url, "/v1/models")).json()) as { data: Array<{ id: string }> }).data.map(
    (m) => m.id,
  );
  assert.ok(!ids.some((id) => id.endsWith("-preview") && !id.startsWith("team/")), ids.join());
  assert.ok(ids.includes("team/gemini-2.5-pro"));
  for (let i = 0; i < 2; i++) {
    const res = await post(s.url, "/v1beta/models/team/gemini-2.5-pro:generateContent", { contents: [] });
    assert.equal(res.status, 200);
  }
  assert.equal(A.requests.length, 0);
  assert.equal(B.requests.length, 2);
  assert.equal(B.requests[0].url, "/v1beta/models/gemini-2.5-pro:generateContent");
  const excluded = await post(s.url, "/v1beta/models/gemini-3-pro-preview:generateContent", { contents: [] });
  assert.equal(excluded.status, 404);
});

test("providers §7.28 usage: the record has the fake's tokens, failed false and no raw client key (stream and non-stream)", async (t) => {
  const fake = await claudeFake(t);
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    usageStatisticsEnabled: true,
    claudeApiKey: [key("ka", fake.url)],
  });
  await (await post(s.url, "/v1/messages", MSG)).text();
  await (await post(s.url, "/v1/messages", { ...MSG, stream: true })).text();
  const records = s.app.providers.usage.drain(10);
  assert.equal(records.length, 2);
  for (const r of records) {
    assert.equal(r.tokens.inputTokens, 10);
    assert.equal(r.tokens.outputTokens, 5);
    assert.equal(r.failed, false);
    assert.ok(!JSON.stringify(r).includes(CLIENT_KEY));
    assert.ok(r.clientKeyHash.length > 0);
  }
});

test("acceptance: 500 then 200 with request-retry 1 reaches the client as 200 after the 1 min rest", async (t) => {
  let calls = 0;
  const fake = await startFake(t, (_r, res) =>
    calls++ === 0 ? sendJson(res, 500, { error: { message: "boom" } }) : sendJson(res, 200, chatCompletion()),
  );
  const clock = sleepingClock();
  const s = await startServer(
    t,
    {
      apiKeys: [CLIENT_KEY],
      requestRetry: 1,
      maxRetryInterval: 60,
      openaiCompatibility: [compat("up", fake.url, ["k"], [{ name: "m" }])],
    },
    { clock },
  );
  const res = await post(s.url, "/v1/chat/completions", { model: "m", messages: [] });
  assert.equal(res.status, 200);
  assert.equal(fake.requests.length, 2);
});

test("acceptance: usage counters match the fake's usage fields for chat and Gemini streams", async (t) => {
  const chat = await startFake(t, (_r, res) => sendSse(res, CHAT_STREAM));
  const gem = await startFake(t, (_r, res) => sendSse(res, GEMINI_STREAM));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    usageStatisticsEnabled: true,
    openaiCompatibility: [compat("up", chat.url, ["k"], [{ name: "m" }])],
    geminiApiKey: [key("kg", gem.url)],
  });
  await (
    await post(s.url, "/v1/chat/completions", {
      model: "m",
      stream: true,
      reasoning_effort: "high",
      service_tier: "flex",
      messages: [],
    })
  ).text();
  await (
    await post(s.url, "/v1beta/models/gemini-2.5-flash(low):streamGenerateContent?alt=sse", { contents: [] })
  ).text();
  const [c, g] = s.app.providers.usage.drain(10);
  assert.deepEqual([c.reasoningEffort, c.serviceTier, g.reasoningEffort, g.serviceTier], ["high", "flex", "low", ""]);
  assert.deepEqual([c.tokens.inputTokens, c.tokens.outputTokens, c.tokens.totalTokens], [7, 3, 10]);
  assert.deepEqual([g.tokens.inputTokens, g.tokens.outputTokens, g.tokens.totalTokens], [4, 2, 6]);
});

test("acceptance: a connect timeout answers 504 naming the upstream host", async (t) => {
  // A proxy that accepts CONNECT and never answers holds the connection open past the timeout.
  const proxy = createServer();
  const held: Array<{ destroy(): void }> = [];
  proxy.on("connect", (_req, socket) => void held.push(socket));
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  t.after(() => {
    for (const s of held) s.destroy();
    return new Promise<void>((r) => proxy.close(() => r()));
  });
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    upstreamConnectTimeoutMs: 50,
    claudeApiKey: [key("ka", "http://127.0.0.1:9", { proxyUrl })],
  });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 504);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /127\.0\.0\.1:9/);
});
