import { test } from "node:test";
import assert from "node:assert/strict";
import { buildGeminiRequest, GEMINI } from "../../src/providers/gemini.js";
import { catalogModel } from "../../src/providers/catalog.js";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { cred, geminiAnswer, get, input, key, post, sendSse, CLIENT_KEY, GEMINI_STREAM } from "./support.js";

const BODY = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };

test("buildGeminiRequest() puts the model in the path and the key in x-goog-api-key", () => {
  const i = input(cred("gemini", { baseUrl: "http://h/" }), BODY, { upstreamModel: "gemini-2.5-pro" });
  const out = buildGeminiRequest(i);
  assert.equal(out.url, "http://h/v1beta/models/gemini-2.5-pro:generateContent");
  assert.equal(out.headers["x-goog-api-key"], "k-123");
  assert.equal(out.headers.authorization, undefined);
  assert.equal(out.body, i.body);
});

test("buildGeminiRequest() streams as SSE, counts at countTokens and passes another alt as $alt", () => {
  const c = cred("gemini", { baseUrl: "http://h" });
  assert.equal(
    buildGeminiRequest(input(c, BODY, { upstreamModel: "g", stream: true })).url,
    "http://h/v1beta/models/g:streamGenerateContent?alt=sse",
  );
  assert.equal(
    buildGeminiRequest(input(c, BODY, { upstreamModel: "g", action: "count" })).url,
    "http://h/v1beta/models/g:countTokens",
  );
  assert.equal(
    buildGeminiRequest(input(c, BODY, { upstreamModel: "g", alt: "proto" })).url,
    "http://h/v1beta/models/g:generateContent?$alt=proto",
  );
});

test("buildGeminiRequest() sends an OAuth-style token as bearer and applies credential headers", () => {
  const out = buildGeminiRequest(
    input(cred("gemini", { apiKey: "ya29.token", headers: { "X-Goog-User-Project": "p" } }), BODY, {
      upstreamModel: "g",
    }),
  );
  assert.equal(out.headers.authorization, "Bearer ya29.token");
  assert.equal(out.headers["x-goog-api-key"], undefined);
  assert.equal(out.headers["x-goog-user-project"], "p");
});

test("generateContent returns the upstream body unchanged and countTokens reaches countTokens", async (t) => {
  const text = '{"candidates":[{"content":{"parts":[{"text":"hi"}]}}],  "usageMetadata":{"totalTokenCount":3}}';
  const fake = await startFake(t, (r, res) =>
    sendJson(res, 200, r.url.includes("countTokens") ? '{"totalTokens":7}' : text),
  );
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], geminiApiKey: [key("kg", fake.url)] });
  const res = await post(s.url, "/v1beta/models/gemini-2.5-pro:generateContent?key=sk-client", BODY, {
    authorization: "",
  });
  assert.equal(await res.text(), text);
  const r = await fake.nth(1);
  assert.equal(r.url, "/v1beta/models/gemini-2.5-pro:generateContent");
  assert.equal(r.body.toString(), JSON.stringify(BODY));
  const count = await post(s.url, "/v1beta/models/gemini-2.5-pro:countTokens", BODY);
  assert.equal(await count.text(), '{"totalTokens":7}');
});

test("streamGenerateContent without alt=sse answers one JSON array of the chunks", async (t) => {
  const fake = await startFake(t, (_r, res) => sendSse(res, GEMINI_STREAM));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], geminiApiKey: [key("kg", fake.url)] });
  const res = await post(s.url, "/v1beta/models/gemini-2.5-flash:streamGenerateContent", BODY);
  assert.equal(res.headers.get("content-type"), "application/json");
  const arr = (await res.json()) as unknown[];
  assert.equal(arr.length, 2);
  assert.equal((await fake.nth(1)).url, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
});

test("the /v1/models/{model}:{action} form is served as the /v1beta one", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, geminiAnswer()));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], geminiApiKey: [key("kg", fake.url)] });
  const res = await post(s.url, "/v1/models/gemini-2.5-pro:generateContent", BODY);
  assert.equal(res.status, 200);
  assert.equal((await fake.nth(1)).url, "/v1beta/models/gemini-2.5-pro:generateContent");
});

test("a Gemini action that is not model:method answers 404 '<path> not found.'", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY] });
  const res = await post(s.url, "/v1beta/models/gemini-2.5-pro:explode", BODY);
  assert.equal(res.status, 404);
  assert.equal(
    ((await res.json()) as { error: { message: string } }).error.message,
    "/v1beta/models/gemini-2.5-pro:explode not found.",
  );
});

test("GET /v1beta/models lists Gemini-shaped entries and GET /v1beta/models/{id} one of them", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], geminiApiKey: [key("kg", "http://127.0.0.1:9")] });
  const list = (await (await get(s.url, "/v1beta/models")).json()) as { models: Array<Record<string, unknown>> };
  const pro = list.models.find((m) => m.name === "models/gemini-2.5-pro")!;
  assert.equal(pro.displayName, "Gemini 2.5 Pro");
  assert.deepEqual(pro.supportedGenerationMethods, ["generateContent", "streamGenerateContent", "countTokens"]);
  const one = await get(s.url, "/v1beta/models/gemini-2.5-pro");
  assert.equal(((await one.json()) as { name: string }).name, "models/gemini-2.5-pro");
  assert.equal((await get(s.url, "/v1beta/models/models/gemini-2.5-pro")).status, 200);
  const bare = (await (await get(s.url, "/v1beta/models/")).json()) as { models: unknown[] };
  assert.equal(bare.models.length, list.models.length);
  const missing = await get(s.url, "/v1beta/models/nope");
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: { message: "Not Found", type: "not_found" } });
});

test("buildGeminiRequest() caps maxOutputTokens at the model's limit and leaves lower values alone", () => {
  const c = cred("gemini");
  const high = buildGeminiRequest(
    input(
      c,
      { ...BODY, generationConfig: { temperature: 1, maxOutputTokens: 1_000_000 } },
      { upstreamModel: "gemini-2.5-pro" },
    ),
  );
  assert.deepEqual(JSON.parse(high.body.toString()).generationConfig, {
    temperature: 1,
    maxOutputTokens: catalogModel("gemini-2.5-pro")!.maxOutputTokens,
  });
  const low = input(c, { ...BODY, generationConfig: { maxOutputTokens: 10 } }, { upstreamModel: "gemini-2.5-pro" });
  assert.equal(buildGeminiRequest(low).body, low.body);
  const notJson = { ...input(c, BODY, { upstreamModel: "gemini-2.5-pro" }), body: Buffer.from("{") };
  assert.equal(buildGeminiRequest(notJson).body, notJson.body);
});

test("a vertex-api-key is served at /v1/publishers/google/models/{model}:{action} with x-goog-api-key", async (t) => {
  const fake = await startFake(t, (_r, res) => sendSse(res, GEMINI_STREAM));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], vertexApiKey: [key("kv", fake.url)] });
  const res = await post(s.url, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", BODY);
  assert.equal(await res.text(), GEMINI_STREAM.join(""));
  const r = await fake.nth(1);
  assert.equal(r.url, "/v1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  assert.equal(r.headers["x-goog-api-key"], "kv");
});

test("GEMINI.isFinal() ends a stream on a finish reason or a blocked prompt, not on a plain chunk", () => {
  assert.equal(GEMINI.isFinal(undefined, { candidates: [{ finishReason: "STOP" }] }), true);
  assert.equal(GEMINI.isFinal(undefined, { promptFeedback: { blockReason: "SAFETY" } }), true);
  assert.equal(GEMINI.isFinal(undefined, { response: { candidates: [{ finishReason: "MAX_TOKENS" }] } }), true);
  assert.equal(GEMINI.isFinal(undefined, { candidates: [{ content: {} }] }), false);
  assert.equal(GEMINI.isFinal(undefined, "[DONE]"), false);
});
