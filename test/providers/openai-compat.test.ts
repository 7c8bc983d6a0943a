import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOpenAICompatRequest } from "../../src/providers/openai-compat.js";
import { uuidV5 } from "../../src/providers/codex.js";
import { suffixEdits as editsFor } from "../../src/providers/thinking-suffix.js";
import { parseModelName } from "../../src/translate/model-suffix.js";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { chatCompletion, compat, cred, input, post, sendSse, CHAT_STREAM, CLIENT_KEY } from "./support.js";

test("buildOpenAICompatRequest() posts to {base-url}/chat/completions with bearer and its user agent", () => {
  const i = input(cred("openai-compat", { baseUrl: "http://h/v1/" }), { model: "m", messages: [] });
  const out = buildOpenAICompatRequest(i);
  assert.equal(out.url, "http://h/v1/chat/completions");
  assert.equal(out.headers.authorization, "Bearer k-123");
  assert.equal(out.headers["user-agent"], "cli-proxy-openai-compat");
  assert.equal(out.headers.accept, "application/json");
  assert.equal(out.body, i.body);
});

test("buildOpenAICompatRequest() asks streams for usage, keeping other stream options", () => {
  const out = buildOpenAICompatRequest(
    input(cred("openai-compat"), { model: "m", stream: true, stream_options: { x: 1 } }),
  );
  assert.deepEqual(JSON.parse(out.body.toString()).stream_options, { x: 1, include_usage: true });
  assert.equal(out.headers.accept, "text/event-stream");
  assert.equal(out.headers["cache-control"], "no-cache");
  const already = input(cred("openai-compat"), { model: "m", stream: true, stream_options: { include_usage: true } });
  assert.equal(buildOpenAICompatRequest(already).body, already.body);
});

test("buildOpenAICompatRequest() sends no Authorization for an entry without a key", () => {
  assert.equal(
    buildOpenAICompatRequest(input(cred("openai-compat", { apiKey: "" }), { model: "m" })).headers.authorization,
    undefined,
  );
});

test("a non-stream chat answer reaches the client byte for byte", async (t) => {
  const text = ` ${JSON.stringify(chatCompletion())}\n`;
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, text));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", fake.url, ["ko"], [{ name: "llama-3" }])],
  });
  const res = await post(s.url, "/v1/chat/completions", {
    model: "llama-3",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(await res.text(), text);
});

test("POST /v1/completions is served as chat and answered as text_completion", async (t) => {
  const fake = await startFake(t, (r, res) =>
    r.json.stream ? sendSse(res, CHAT_STREAM) : sendJson(res, 200, chatCompletion("done")),
  );
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", fake.url, ["ko"], [{ name: "llama-3" }])],
  });
  const res = await post(s.url, "/v1/completions", { model: "llama-3", prompt: "say", max_tokens: 5, echo: false });
  const body = (await res.json()) as { object: string; choices: Array<{ text: string }> };
  assert.equal(body.object, "text_completion");
  assert.equal(body.choices[0].text, "done");
  assert.deepEqual((await fake.nth(1)).json, {
    model: "llama-3",
    max_tokens: 5,
    messages: [{ role: "user", content: "say" }],
  });
  const stream = await post(s.url, "/v1/completions", { model: "llama-3", prompt: ["a", "b"], stream: true });
  const text = await stream.text();
  assert.match(text, /"object":"text_completion","created":1,"model":"llama-3","choices":\[\{"text":"hi"/);
  assert.match(text, /data: \[DONE\]\n\n$/);
});

test("an Anthropic client is served by an OpenAI-compatible upstream through the translator", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, chatCompletion("translated")));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", fake.url, ["ko"], [{ name: "llama-3", alias: "fast" }])],
  });
  const res = await post(s.url, "/v1/messages", {
    model: "fast",
    max_tokens: 5,
    messages: [{ role: "user", content: "hi" }],
  });
  const body = (await res.json()) as { type: string; content: Array<{ text: string }> };
  assert.equal(body.type, "message");
  assert.equal(body.content[0].text, "translated");
  assert.equal((await fake.nth(1)).json.model, "llama-3");
});

test("a 2xx answer that is not JSON cannot be translated and fails over as a 502", async (t) => {
  const fake = await startFake(t, (_r, res) => void res.writeHead(200, { "content-type": "text/html" }).end("<html>"));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", fake.url, ["ko"], [{ name: "m" }])],
  });
  const res = await post(s.url, "/v1/messages", { model: "m", max_tokens: 5, messages: [] });
  assert.equal(res.status, 502);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /not JSON/);
});

test("a thinking suffix on a same-dialect chat request becomes reasoning_effort, overriding the body", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, chatCompletion()));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", fake.url, ["ko"], [{ name: "llama-3" }])],
  });
  await (
    await post(s.url, "/v1/chat/completions", { model: "llama-3(high)", reasoning_effort: "low", messages: [] })
  ).text();
  const r = await fake.nth(1);
  assert.equal(r.json.model, "llama-3");
  assert.equal(r.json.reasoning_effort, "high");
});

const suffixEdits = (dialect: Parameters<typeof editsFor>[0], model: string, body: Record<string, unknown>) =>
  editsFor(dialect, parseModelName(model).reasoning, body);

test("suffixEdits() writes each dialect's own reasoning field", () => {
  assert.deepEqual(suffixEdits("openai-chat", "m(auto)", {}), { reasoning_effort: "medium" });
  assert.deepEqual(suffixEdits("openai-responses", "m(low)", { reasoning: { summary: "auto" } }), {
    reasoning: { summary: "auto", effort: "low" },
  });
  assert.deepEqual(suffixEdits("anthropic", "m(8192)", {}), { thinking: { type: "enabled", budget_tokens: 8192 } });
  assert.deepEqual(suffixEdits("anthropic", "m(none)", {}), { thinking: { type: "disabled" } });
  assert.deepEqual(suffixEdits("anthropic", "m(auto)", {}), { thinking: { type: "enabled", budget_tokens: 8192 } });
  assert.deepEqual(suffixEdits("gemini", "m(0)", { generationConfig: { temperature: 1 } }), {
    generationConfig: { temperature: 1, thinkingConfig: { thinkingBudget: 0, includeThoughts: false } },
  });
  assert.deepEqual(suffixEdits("gemini", "m", {}), {});
  assert.deepEqual(suffixEdits("openai-chat", "m(weird)", {}), {});
});

// CLIProxyAPI HEAD a7e3596b7 openai_compat_executor.go applyPromptCacheKey: only entries with support-prompt-cache-key.
test("support-prompt-cache-key: a Claude Code request gets HEAD's per-session prompt_cache_key; a client's own key is kept; off by default", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, chatCompletion()));
  const entry = (on: boolean) =>
    compat("local", fake.url, ["ko"], [{ name: "llama-3" }], on ? { supportPromptCacheKey: true } : {});
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], openaiCompatibility: [entry(true)] });
  const claude = { model: "llama-3", max_tokens: 8, messages: [{ role: "user", content: "hi" }] };
  const session = { "x-claude-code-session-id": "sess-1", "anthropic-version": "2023-06-01" };
  assert.equal((await post(s.url, "/v1/messages", claude, session)).status, 200);
  assert.equal(
    (await post(s.url, "/v1/messages", claude, { ...session, "x-claude-code-agent-id": "agent-2" })).status,
    200,
  );
  assert.equal(
    (await post(s.url, "/v1/chat/completions", { model: "llama-3", messages: [], prompt_cache_key: "mine" })).status,
    200,
  );
  assert.equal((await post(s.url, "/v1/chat/completions", { model: "llama-3", messages: [] })).status, 200);
  const expected = uuidV5(["cli-proxy-api:codex:claude-code", "llama-3", "claude:sess-1:agent:main"].join("\0"));
  assert.equal((await fake.nth(1)).json.prompt_cache_key, expected);
  assert.notEqual((await fake.nth(2)).json.prompt_cache_key, expected, "one key per agent");
  assert.match((await fake.nth(2)).json.prompt_cache_key, /^[0-9a-f-]{36}$/);
  assert.equal((await fake.nth(3)).json.prompt_cache_key, "mine");
  assert.equal((await fake.nth(4)).json.prompt_cache_key, undefined, "no session, no client key: nothing derived");
  s.setConfig({ apiKeys: [CLIENT_KEY], openaiCompatibility: [entry(false)] });
  assert.equal((await post(s.url, "/v1/messages", claude, session)).status, 200);
  assert.equal((await fake.nth(5)).json.prompt_cache_key, undefined, "off (HEAD's default): no key added");
});
