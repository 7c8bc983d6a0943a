import { test } from "node:test";
import assert from "node:assert/strict";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { startServer } from "../support/server.js";
import { answerF, routingConfig } from "./routing-setup.js";

const auth = { authorization: "Bearer ck-1" };

test("model lists follow {p}: anthropic → Claude shape, google → Gemini shape, anything else → OpenAI (RT-1)", async (t) => {
  const F = await startFake(t, answerF);
  const s = await startServer(t, routingConfig(F.url, "http://127.0.0.1:1"));
  const list = async (p: string) =>
    (await (await fetch(`${s.url}/api/provider/${p}`, { headers: auth })).json()) as any;
  assert.equal((await list("Anthropic/v1/models")).has_more, false);
  assert.ok((await list("google/models")).models.some((m: any) => m.name === "models/gemini-2.5-pro"));
  assert.equal((await list("groq/v1/models")).object, "list");
  assert.ok((await list("cerebras/models")).data.some((m: any) => m.id === "gpt-5.2"));
  assert.ok((await list("google/v1beta/models")).models.length > 0);
  assert.equal((await list("google/v1beta/models/gemini-2.5-pro")).name, "models/gemini-2.5-pro");
  assert.equal((await fetch(`${s.url}/api/provider/openai/v1/models`)).status, 401);
});

test("chat under any {p} is OpenAI chat (RT-1), and an unknown Gemini method answers 400 in the Gemini shape", async (t) => {
  const F = await startFake(t, answerF);
  const s = await startServer(t, routingConfig(F.url, "http://127.0.0.1:1"));
  const chat = await fetch(`${s.url}/api/provider/groq/v1/chat/completions`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ model: "gpt-5.2", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(((await chat.json()) as any).object, "chat.completion");
  const bad = await fetch(`${s.url}/api/provider/google/v1beta/models/gemini-2.5-pro:embedContent`, {
    method: "POST",
    headers: auth,
    body: "{}",
  });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as any).error.status, "INVALID_ARGUMENT");
});

test("N3: the v1beta1 model branch needs only the API key: no 503 without an upstream, no localhost guard", async (t) => {
  const F = await startFake(t, answerF);
  const s = await startServer(t, routingConfig(F.url, "", { upstreamUrl: "", restrictManagementToLocalhost: true }));
  const path = "/api/provider/google/v1beta1/publishers/google/models/gemini-2.5-pro:generateContent";
  const ok = await fetch(s.url + path, {
    method: "POST",
    headers: auth,
    body: '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}',
  });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as any).modelVersion, "gemini-2.5-pro");
  const noKey = await fetch(s.url + path, { method: "POST", body: "{}" });
  assert.equal(noKey.status, 401);
  const proxied = await fetch(s.url + "/api/provider/google/v1beta1/models", { headers: auth });
  assert.deepEqual([proxied.status, await proxied.json()], [503, { error: "amp upstream proxy not available" }]);
});

test("the v1beta1 bridge serves a model locally when a Gemini credential has it, else sends it to ampcode.com as is", async (t) => {
  const F = await startFake(t, answerF);
  const A = await startFake(t, (_r, res) => sendJson(res, 200, { modelVersion: "from-amp" }));
  const s = await startServer(t, routingConfig(F.url, A.url));
  const path = (m: string) => `/api/provider/google/v1beta1/publishers/google/models/${m}:generateContent?x=1`;
  const body = '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}';
  await fetch(s.url + path("gemini-2.5-pro"), { method: "POST", headers: auth, body });
  assert.equal(F.requests.length, 1);
  const up = await fetch(s.url + path("gemini-3-pro-preview"), { method: "POST", headers: auth, body });
  assert.deepEqual(await up.json(), { modelVersion: "from-amp" });
  const got = await A.nth(1);
  assert.deepEqual(
    [got.method, got.url, got.body.toString(), got.headers.authorization],
    ["POST", path("gemini-3-pro-preview"), body, "Bearer amp-default"],
  );
  assert.equal(F.requests.length, 1);
});
