import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import type { AddressInfo } from "node:net";
import { startServer, fakeClock } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { PROVIDER_HANDLERS, parseGeminiAction } from "../../src/pipeline/routes.js";
import {
  chatCompletion,
  claudeMessage,
  compat,
  get,
  key,
  post,
  sendSse,
  CLIENT_KEY,
  RESPONSES_STREAM,
} from "../providers/support.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

const MSG = { model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] };

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test("GET /v1/models lists sorted ids with id, object, created, owned_by and where each comes from (source)", async (t) => {
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", "http://127.0.0.1:9", [], [{ name: "z-model" }, { name: "a-model" }])],
  });
  const body = (await (await get(s.url, "/v1/models")).json()) as {
    object: string;
    data: Array<Record<string, unknown>>;
  };
  assert.equal(body.object, "list");
  assert.deepEqual(
    body.data.map((m) => m.id),
    ["a-model", "z-model"],
  );
  assert.deepEqual(Object.keys(body.data[0]).sort(), ["created", "id", "object", "owned_by", "source"]);
  assert.equal(body.data[0].source, "config", "openai-compatibility models are the config's");
});

test("GET /v1/models answers in Anthropic's shape for claude-cli and for anthropic-version", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", "http://127.0.0.1:9")] });
  const variants: Array<Record<string, string>> = [
    { "user-agent": "claude-cli/2.0 (external, cli)" },
    { "anthropic-version": "2023-06-01" },
  ];
  for (const headers of variants) {
    const body = (await (await get(s.url, "/v1/models", headers)).json()) as Record<string, unknown> & {
      data: Array<Record<string, unknown>>;
    };
    assert.equal(body.has_more, false);
    assert.equal(body.first_id, body.data[0].id);
    assert.equal(body.last_id, body.data.at(-1)!.id);
    const sonnet = body.data.find((m) => m.id === "claude-sonnet-4-5")!;
    assert.equal(sonnet.type, "model");
    assert.match(String(sonnet.display_name), /Sonnet/);
    assert.match(String(sonnet.created_at), /^\d{4}-\d\d-\d\dT/);
  }
});

test("a body without a model, or not JSON, answers 400 in the route's dialect", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY] });
  const none = await post(s.url, "/v1/messages", { messages: [] });
  assert.equal(none.status, 400);
  assert.equal(((await none.json()) as { type: string }).type, "error");
  const bad = await post(s.url, "/v1/chat/completions", "{nope");
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /not valid JSON/);
});

test("count_tokens for a model only OpenAI-compatible keys serve answers cliproxy's estimate without calling the upstream", async (t) => {
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", "http://127.0.0.1:9", ["k"], [{ name: "m" }])],
  });
  const res = await post(s.url, "/v1/messages/count_tokens", {
    model: "m",
    messages: [{ role: "user", content: "hello world!" }],
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { input_tokens: 6 }); // 12 characters ÷ 4 + 3 for the message
});

test("count_tokens crosses dialects: Anthropic clients on Gemini keys and Gemini clients on Claude keys", async (t) => {
  const gem = await startFake(t, (_r, res) => sendJson(res, 200, { totalTokens: 11 }));
  const cla = await startFake(t, (_r, res) => sendJson(res, 200, { input_tokens: 12 }));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    geminiApiKey: [key("kg", gem.url)],
    claudeApiKey: [key("ka", cla.url)],
  });
  const a = await post(s.url, "/v1/messages/count_tokens", {
    model: "gemini-2.5-pro",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.deepEqual(await a.json(), { input_tokens: 11 });
  assert.equal((await gem.nth(1)).url, "/v1beta/models/gemini-2.5-pro:countTokens");
  assert.equal((await gem.nth(1)).json.generateContentRequest.model, "models/gemini-2.5-pro");
  const g = await post(s.url, "/v1beta/models/claude-sonnet-4-5:countTokens", {
    contents: [{ role: "user", parts: [{ text: "hi" }] }],
  });
  assert.deepEqual(await g.json(), { totalTokens: 12, promptTokensDetails: [{ modality: "TEXT", tokenCount: 12 }] });
  assert.equal((await cla.nth(1)).url, "/v1/messages/count_tokens?beta=true");
});

test("an unreachable upstream answers 502 naming its host, never the key", async (t) => {
  const port = await closedPort();
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    claudeApiKey: [key("ka-secret-key", `http://127.0.0.1:${port}`)],
  });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 502);
  const text = await res.text();
  assert.match(text, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.ok(!text.includes("ka-secret-key"));
  assert.equal((JSON.parse(text) as { type: string }).type, "error");
});

test("an Anthropic client gets the cooldown 429 as rate_limit_error with Retry-After", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 429, { type: "error", error: { type: "rate_limit_error", message: "slow" } }),
  );
  const s = await startServer(
    t,
    { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] },
    { clock: fakeClock() },
  );
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 429);
  const cooled = await post(s.url, "/v1/messages", MSG);
  assert.equal(cooled.status, 429);
  assert.equal(cooled.headers.get("retry-after"), "1");
  const body = (await cooled.json()) as { type: string; error: { type: string; message: string } };
  assert.equal(body.error.type, "rate_limit_error");
  assert.match(body.error.message, /All credentials for model claude-sonnet-4-5 are cooling down via provider claude/);
});

test("a credential blocked for a non-quota reason leaves a 503 saying what to fix", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "bad" } }),
  );
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 403); // the provider refused the key (pipeline/answer.ts)
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 503);
  // 30 minutes' rest after a 401, announced so clients wait instead of hammering.
  assert.equal(res.headers.get("retry-after"), "1800");
  const message = ((await res.json()) as { error: { message: string } }).error.message;
  assert.match(message, /no credential can serve model "claude-sonnet-4-5"/);
  assert.match(
    message,
    /Last upstream error: claude-api-key\[0\] \([^)]*\) got 401 \(unauthorized\) "bad" at \d{4}-[\d-]+T[\d:.]+Z; it is tried again from \d{4}-[\d-]+T[\d:.]+Z\. Fix: the provider refused the key or token; replace it in config\.yaml/,
  );
});

test("an upstream error reaches a client of another dialect rendered in the client's shape", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 400, { type: "error", error: { type: "invalid_request_error", message: "too long" } }),
  );
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/chat/completions", {
    model: "claude-sonnet-4-5",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    error: { message: "too long", type: "invalid_request_error", param: null, code: null },
  });
});

test("passthrough-headers copies filtered upstream headers on answers and errors, and only then", async (t) => {
  let status = 200;
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, status, status === 200 ? chatCompletion() : { error: { message: "x" } }, {
      "x-ratelimit-remaining": "7",
      "set-cookie": "a=b",
      "x-litellm-key": "k",
    }),
  );
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    passthroughHeaders: true,
    disableCooling: true,
    openaiCompatibility: [compat("l", fake.url, ["k"], [{ name: "m" }])],
  });
  const ok = await post(s.url, "/v1/chat/completions", { model: "m", messages: [] });
  assert.equal(ok.headers.get("x-ratelimit-remaining"), "7");
  assert.equal(ok.headers.get("set-cookie"), null);
  assert.equal(ok.headers.get("x-litellm-key"), null);
  status = 503;
  const err = await post(s.url, "/v1/chat/completions", { model: "m", messages: [] });
  assert.equal(err.status, 503);
  assert.equal(err.headers.get("x-ratelimit-remaining"), "7");
  s.setConfig({ apiKeys: [CLIENT_KEY], openaiCompatibility: [compat("l", fake.url, ["k"], [{ name: "m" }])] });
  status = 200;
  const off = await post(s.url, "/v1/chat/completions", { model: "m", messages: [] });
  assert.equal(off.headers.get("x-ratelimit-remaining"), null);
});

test("passthrough-headers redacts upstream headers that echo the provider key, on answers and on errors", async (t) => {
  let status = 200;
  const providerKey = "sk-provider-secret-0123456789";
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, status, status === 200 ? chatCompletion() : { error: { message: `bad key ${providerKey}` } }, {
      "x-echo-key": providerKey,
      "x-debug": "authorization: Bearer abcdefghijklmnop",
    }),
  );
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    passthroughHeaders: true,
    disableCooling: true,
    openaiCompatibility: [compat("l", fake.url, [providerKey], [{ name: "m" }])],
  });
  // 400 (a request error) is relayed as the provider's own answer; a 401 would become cliproxy's own 403.
  for (const code of [200, 400]) {
    status = code;
    const res = await post(s.url, "/v1/chat/completions", { model: "m", messages: [] });
    const text = await res.text();
    assert.equal(res.status, code);
    assert.match(String(res.headers.get("x-echo-key")), /^sk-pr\[REDACTED\]$/);
    assert.doesNotMatch(String(res.headers.get("x-debug")), /abcdefghijklmnop/);
    assert.ok(!text.includes(providerKey), text);
  }
});

test("the access log line names the provider and the requested model", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  await (await post(s.url, "/v1/messages", MSG)).text();
  assert.ok(
    s.logs.some(
      (l) => l.includes("POST /v1/messages") && l.includes("provider=claude") && l.includes("model=claude-sonnet-4-5"),
    ),
  );
});

test("a Gemini client is served by a Claude key through the translator", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage("from claude")));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1beta/models/claude-sonnet-4-5:generateContent", {
    contents: [{ role: "user", parts: [{ text: "hi" }] }],
  });
  const body = (await res.json()) as { candidates: Array<{ content: { parts: Array<{ text: string }> } }> };
  assert.equal(body.candidates[0].content.parts[0].text, "from claude");
});

test("PROVIDER_HANDLERS and parseGeminiAction() are exported for the Amp routes", () => {
  assert.equal(typeof PROVIDER_HANDLERS.messages, "function");
  assert.deepEqual(parseGeminiAction("models/gemini-2.5-pro:streamGenerateContent"), {
    model: "gemini-2.5-pro",
    endpoint: "gemini-stream",
  });
  assert.equal(parseGeminiAction("gemini-2.5-pro"), undefined);
  assert.equal(parseGeminiAction(":countTokens"), undefined);
});

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "providers");

/** Loads a README example with the fake's port filled in. */
function loadExample(name: string, port: number) {
  const text = readFileSync(join(FIXTURES, name), "utf8").replaceAll("PORT", String(port));
  return parseConfig(text, { kinds: PROVIDER_KINDS, path: name, homeDir: tmpdir(), env: {} });
}

test("the README provider examples load with parseConfig without warnings and serve a request each", async (t) => {
  const fake = await startFake(t, (r, res) => {
    if (r.url.startsWith("/responses")) return sendSse(res, RESPONSES_STREAM);
    if (r.url.includes("/chat/completions")) return sendJson(res, 200, chatCompletion());
    if (r.url.startsWith("/v1beta") || r.url.startsWith("/v1/publishers"))
      return sendJson(res, 200, { candidates: [] });
    sendJson(res, 200, claudeMessage());
  });
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ["claude.yaml", "/v1/messages", { model: "sonnet", max_tokens: 1, messages: [] }, "/v1/messages?beta=true"],
    [
      "gemini.yaml",
      "/v1beta/models/team/gemini-2.5-pro:generateContent",
      { contents: [] },
      "/v1beta/models/gemini-2.5-pro:generateContent",
    ],
    ["codex.yaml", "/v1/responses", { model: "gpt-5", input: "hi" }, "/responses"],
    ["openai-compatibility.yaml", "/v1/chat/completions", { model: "fast", messages: [] }, "/v1/chat/completions"],
    [
      "vertex.yaml",
      "/v1beta/models/vertex-pro:generateContent",
      { contents: [] },
      "/v1/publishers/google/models/gemini-2.5-pro:generateContent",
    ],
    [
      "routing.yaml",
      "/v1/messages",
      { model: "claude-sonnet-4-5", max_tokens: 1, messages: [] },
      "/v1/messages?beta=true",
    ],
  ];
  for (const [file, path, body, upstreamPath] of cases) {
    const { config, warnings } = loadExample(file, fake.port);
    assert.deepEqual(warnings, [], file);
    const s = await startServer(t, config);
    const res = await post(s.url, path, body);
    assert.equal(res.status, 200, `${file}: ${await res.text()}`);
    assert.equal(fake.requests.at(-1)!.url, upstreamPath, file);
  }
});

test("nonstream-keepalive-interval writes newlines while a non-stream answer is pending; a later error follows as the body", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  let release!: () => void;
  let status = 200;
  const fake = await startFake(t, async (_r, res) => {
    await new Promise<void>((r) => (release = r));
    sendJson(
      res,
      status,
      status === 200 ? chatCompletion() : { error: { message: "bad", type: "invalid_request_error" } },
    );
  });
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    nonstreamKeepaliveInterval: 2,
    openaiCompatibility: [compat("l", fake.url, ["k"], [{ name: "m" }])],
  });
  for (const [n, expected] of [
    [1, JSON.stringify(chatCompletion())],
    [2, '{"error":{"message":"bad","type":"invalid_request_error"}}'],
  ] as const) {
    const pending = post(s.url, "/v1/chat/completions", { model: "m", messages: [] });
    await fake.nth(n);
    t.mock.timers.tick(2000);
    const res = await pending;
    assert.equal(res.status, 200);
    release();
    assert.equal(await res.text(), `\n${expected}`);
    status = 400;
  }
});
