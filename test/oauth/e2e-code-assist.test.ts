/**
 * Subscription accounts end to end, Cloud Code Assist side: Gemini CLI and Antigravity token files
 * served by a started cliproxy against fake backends (envelopes in, `{"response":{…}}` unwrapped out),
 * and CLIProxyAPI-written token files of all four types used as they are.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";
import { sendJson, startFake, type Recorded } from "../support/fake-upstream.js";
import { sendSse, RESPONSES_STREAM } from "../providers/support.js";
import { CLIENT_KEY, claudeMessage, expiresIn, messages, post, startProxy } from "./e2e-support.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/oauth/cliproxyapi/", import.meta.url));

const ANSWER = {
  candidates: [{ content: { role: "model", parts: [{ text: "hi" }] }, finishReason: "STOP", index: 0 }],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
};
const CHUNKS = [
  { candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] }, index: 0 }] },
  {
    candidates: [{ content: { role: "model", parts: [{ text: "lo" }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
  },
];
const REQUEST = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };

/** A Code Assist backend: every answer wrapped in `{"response":…}` as the real one does. */
function codeAssist(req: Recorded, res: ServerResponse): void {
  if (req.url.startsWith("/v1internal:countTokens")) return sendJson(res, 200, { totalTokens: 7 });
  if (req.url.startsWith("/v1internal:streamGenerateContent"))
    return sendSse(
      res,
      CHUNKS.map((c) => `data: ${JSON.stringify({ response: c })}\r\n\r\n`),
    );
  sendJson(res, 200, { response: ANSWER, traceId: "t-1" });
}

function geminiFile(project = "proj-1"): Record<string, unknown> {
  return {
    type: "gemini",
    email: "g@example.com",
    project_id: project,
    token: { access_token: "ya29.e2e-gemini-000000", refresh_token: "1//r", expiry: expiresIn(3600_000) },
  };
}

function antigravityFile(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "antigravity",
    email: "a@example.com",
    project_id: "anti-1",
    access_token: "ya29.e2e-anti-0000000",
    refresh_token: "1//r",
    expired: expiresIn(3600_000),
    ...fields,
  };
}

const gemini = (base: string, model: string, method: string) => `${base}/v1beta/models/${model}:${method}`;

test("providers §7.12 through a started server: a Gemini CLI token with project_id posts the Code Assist envelope with Gemini CLI headers; the client gets the unwrapped response", async (t) => {
  const backend = await startFake(t, codeAssist);
  const p = await startProxy(t, {
    endpoints: { gemini: { "code-assist-base-url": backend.url } },
    files: { "gemini-g@example.com-proj-1.json": geminiFile() },
  });
  const res = await post(gemini(p.url, "gemini-2.5-pro", "generateContent"), REQUEST);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), ANSWER);
  const r = await backend.nth(1);
  assert.equal(r.method, "POST");
  assert.equal(r.url, "/v1internal:generateContent");
  assert.deepEqual(r.json, { model: "gemini-2.5-pro", project: "proj-1", request: REQUEST });
  assert.equal(r.headers.authorization, "Bearer ya29.e2e-gemini-000000");
  assert.match(String(r.headers["user-agent"]), /^GeminiCLI\/0\.34\.0\/gemini-2\.5-pro \(/);
  assert.equal(r.headers["x-goog-api-client"], "google-genai-sdk/1.41.0 gl-node/v22.19.0");
  assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY));
});

test("Gemini CLI streams reach the client unwrapped, as SSE frames with alt=sse and as one JSON array without", async (t) => {
  const backend = await startFake(t, codeAssist);
  const p = await startProxy(t, {
    endpoints: { gemini: { "code-assist-base-url": backend.url } },
    files: { "gemini-g.json": geminiFile() },
  });
  const sse = await post(`${gemini(p.url, "gemini-2.5-flash", "streamGenerateContent")}?alt=sse`, REQUEST);
  assert.equal(sse.status, 200);
  assert.match(String(sse.headers.get("content-type")), /text\/event-stream/);
  const frames = (await sse.text())
    .split("\n\n")
    .filter(Boolean)
    .map((f) => JSON.parse(f.replace(/^data: /, "")));
  assert.deepEqual(frames, CHUNKS);
  assert.equal((await backend.nth(1)).url, "/v1internal:streamGenerateContent?alt=sse");
  assert.equal((await backend.nth(1)).headers.accept, "text/event-stream");

  const array = await post(gemini(p.url, "gemini-2.5-flash", "streamGenerateContent"), REQUEST);
  assert.equal(array.status, 200);
  assert.deepEqual(await array.json(), CHUNKS);
});

test("Gemini CLI serves other dialects through the translator and counts tokens with the request-only envelope", async (t) => {
  const backend = await startFake(t, codeAssist);
  const p = await startProxy(t, {
    endpoints: { gemini: { "code-assist-base-url": backend.url } },
    files: { "gemini-g.json": geminiFile() },
  });
  const chat = await post(`${p.url}/v1/chat/completions`, {
    model: "gemini-2.5-pro",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(chat.status, 200);
  const body = (await chat.json()) as any;
  assert.equal(body.choices[0].message.content, "hi");
  assert.equal(body.usage.prompt_tokens, 3);
  assert.equal((await backend.nth(1)).json.project, "proj-1");

  const count = await post(gemini(p.url, "gemini-2.5-pro", "countTokens"), REQUEST);
  assert.equal(count.status, 200);
  assert.deepEqual(await count.json(), { totalTokens: 7 });
  const r = await backend.nth(2);
  assert.equal(r.url, "/v1internal:countTokens");
  assert.deepEqual(r.json, { request: REQUEST });
});

test("Antigravity through a started server: the envelope and User-Agent reach the next configured root after a 429; the client gets the unwrapped response", async (t) => {
  const busy = await startFake(t, (_r, res) =>
    sendJson(res, 429, { error: { code: 429, message: "no capacity", status: "RESOURCE_EXHAUSTED" } }),
  );
  const good = await startFake(t, codeAssist);
  const p = await startProxy(t, {
    endpoints: { antigravity: { "api-base-urls": [busy.url, good.url] } },
    files: { "antigravity-a@example.com.json": antigravityFile() },
  });
  const res = await post(gemini(p.url, "gemini-2.5-pro", "generateContent"), {
    ...REQUEST,
    safetySettings: [{ category: "x", threshold: "y" }],
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), ANSWER);
  assert.equal(busy.requests.length, 1);
  const r = await good.nth(1);
  assert.equal(r.url, "/v1internal:generateContent");
  assert.equal(r.headers.authorization, "Bearer ya29.e2e-anti-0000000");
  assert.equal(r.headers["user-agent"], "antigravity/hub/2.9.1 darwin/arm64");
  assert.equal(r.json.model, "gemini-2.5-pro");
  assert.equal(r.json.project, "anti-1");
  assert.equal(r.json.userAgent, "antigravity");
  assert.equal(r.json.requestType, "agent");
  assert.match(r.json.requestId, /^agent-/);
  assert.equal(r.json.request.safetySettings, undefined);
  assert.ok(r.json.request.sessionId);
  assert.deepEqual(r.json.request.contents, REQUEST.contents);
});

test("Antigravity tries the next root when one cannot be reached; a file's base_url and user_agent replace the configured ones", async (t) => {
  const down = await startFake(t);
  await down.close();
  const good = await startFake(t, codeAssist);
  const p = await startProxy(t, {
    endpoints: { antigravity: { "api-base-urls": [down.url, good.url] } },
    files: { "antigravity-a.json": antigravityFile() },
  });
  const res = await post(gemini(p.url, "gemini-2.5-pro", "generateContent"), REQUEST);
  assert.equal(res.status, 200);
  assert.equal(good.requests.length, 1);

  const own = await startFake(t, codeAssist);
  const q = await startProxy(t, {
    endpoints: { antigravity: { "api-base-urls": [good.url] } },
    files: {
      "antigravity-b.json": antigravityFile({ base_url: own.url, user_agent: "antigravity/9.9.9 linux/amd64" }),
    },
  });
  const streamed = await post(`${gemini(q.url, "gemini-2.5-pro", "streamGenerateContent")}?alt=sse`, REQUEST);
  assert.equal(streamed.status, 200);
  assert.match(await streamed.text(), /"text":"Hel"/);
  assert.equal(good.requests.length, 1, "the configured roots are not used");
  const r = await own.nth(1);
  assert.equal(r.url, "/v1internal:streamGenerateContent?alt=sse");
  assert.equal(r.headers["user-agent"], "antigravity/9.9.9 linux/amd64");
});

test("S-12 through a started server: CLIProxyAPI-written token files of all four types load and their bearers reach the backends with each provider's headers", async (t) => {
  const backend = await startFake(t, (req, res) => {
    if (req.url.startsWith("/v1/messages")) return sendJson(res, 200, claudeMessage());
    if (req.url.startsWith("/responses")) return sendSse(res, RESPONSES_STREAM);
    codeAssist(req, res);
  });
  const p = await startProxy(t, {
    endpoints: {
      claude: { "api-base-url": backend.url },
      codex: { "api-base-url": backend.url },
      gemini: { "code-assist-base-url": backend.url },
      antigravity: { "api-base-urls": [backend.url] },
    },
    // The files exactly as CLIProxyAPI wrote them: one line, sorted keys, local-offset times.
    files: Object.fromEntries(readdirSync(FIXTURES).map((name) => [name, readFileSync(join(FIXTURES, name), "utf8")])),
  });
  assert.ok(p.logs.some((l) => l.includes("token files: antigravity=1 claude=1 codex=1 gemini=1 in")));
  assert.ok(
    p.logs.some((l) => l.includes("Gemini CLI: Google ended access for individual")),
    "start-up says what changed for Gemini CLI",
  );
  assert.equal((await post(`${p.url}/v1/messages`, messages("Be terse."))).status, 200);
  assert.equal((await post(`${p.url}/v1/responses`, { model: "gpt-5", input: "hi" })).status, 200);
  // HEAD's models.json lists gemini-2.5-pro for Gemini CLI and gemini-3-flash for Antigravity.
  assert.equal((await post(gemini(p.url, "gemini-2.5-pro", "generateContent"), REQUEST)).status, 200);
  assert.equal((await post(gemini(p.url, "gemini-3-flash", "generateContent"), REQUEST)).status, 200);

  const [claude, codex, ...google] = backend.requests;
  assert.equal(claude.headers.authorization, "Bearer sk-ant-oat01-fixture-access-0123456789");
  assert.ok(String(claude.headers["anthropic-beta"]).split(",").includes("oauth-2025-04-20"));
  assert.equal(claude.json.system[1].text, "You are Claude Code, Anthropic's official CLI for Claude.");
  assert.ok(JSON.stringify(claude.json.messages).includes("Be terse."));
  assert.equal(codex.headers.authorization, "Bearer codex-fixture-access-0123456789");
  assert.equal(codex.headers["chatgpt-account-id"], "acct-fixture");
  assert.deepEqual(google.map((r) => [r.headers.authorization, r.json.project]).sort(), [
    ["Bearer ya29.fixture-anti-access-0123456789", "anti-fixture"],
    ["Bearer ya29.fixture-gemini-access-0123456789", "fixture-proj"],
  ]);
});
