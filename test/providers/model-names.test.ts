/**
 * Router spellings (src/providers/model-names.ts) and the routes Amp's custom-url model router calls:
 * the three formats at `<base>/v1/…` and `<base>/…`, stream and not, bare, prefixed and dotted names,
 * served by local fake providers, every answer carrying the name the caller sent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { alternativeSpellings, dashedVersion, stripProviderPrefix } from "../../src/providers/model-names.js";
import { INVALID_KEY } from "../../src/server/auth.js";
import { startServer } from "../support/server.js";
import { sendJson, startFake } from "../support/fake-upstream.js";
import {
  chatCompletion,
  claudeMessage,
  compat,
  key,
  sendSse,
  CHAT_STREAM,
  CLAUDE_STREAM,
  CLIENT_KEY,
} from "./support.js";

test("alternativeSpellings() strips a known provider prefix, then writes version dots as dashes", () => {
  assert.deepEqual(alternativeSpellings("anthropic/claude-sonnet-4.6"), [
    { name: "claude-sonnet-4.6", how: "provider prefix stripped" },
    { name: "claude-sonnet-4-6", how: "provider prefix stripped, version dots as dashes" },
  ]);
  assert.deepEqual(alternativeSpellings("claude-opus-4.5"), [
    { name: "claude-opus-4-5", how: "version dots as dashes" },
  ]);
  assert.deepEqual(alternativeSpellings("OpenAI/gpt-5"), [{ name: "gpt-5", how: "provider prefix stripped" }]);
  assert.deepEqual(alternativeSpellings("team/claude-sonnet-4-5"), []);
  assert.deepEqual(alternativeSpellings("claude-sonnet-4-5"), []);
  assert.equal(stripProviderPrefix("anthropic/"), undefined);
  assert.equal(stripProviderPrefix("/x"), undefined);
  assert.equal(dashedVersion("gemini-2.5-pro"), "gemini-2-5-pro");
  assert.equal(dashedVersion("v1.x"), undefined);
});

const FORMATS = [
  { path: "/v1/chat/completions", dialect: "openai" },
  { path: "/v1/responses", dialect: "openai" },
  { path: "/v1/messages", dialect: "anthropic" },
] as const;

const PROMPT = "PROMPT-TEXT-31337";
const ANSWER = "ANSWER-TEXT-4242";

function bodyFor(path: string, model: string, stream: boolean): Record<string, unknown> {
  if (path.endsWith("/responses")) return { model, input: PROMPT, stream };
  return { model, max_tokens: 16, messages: [{ role: "user", content: PROMPT }], stream };
}

/** Every `model` field of a JSON answer or of each SSE data line (top level, message, response). */
function modelsIn(text: string, stream: boolean): string[] {
  const docs = stream
    ? text
        .split("\n")
        .filter((l) => l.startsWith("data: ") && l !== "data: [DONE]")
        .map((l) => JSON.parse(l.slice(6)))
    : [JSON.parse(text)];
  const out: string[] = [];
  for (const d of docs)
    for (const h of [d, d.message, d.response]) if (h && typeof h.model === "string") out.push(h.model);
  return out;
}

test("the router routes serve chat, responses and messages with and without /v1, stream or not, bare, prefixed and dotted names, answering with the caller's name", async (t) => {
  // The fake answers with the id it was asked for, as Anthropic does.
  const claude = await startFake(t, (r, res) =>
    r.json.stream
      ? sendSse(
          res,
          CLAUDE_STREAM.map((e) => e.replace("claude-sonnet-4-5", r.json.model).replace('"hi"', `"${ANSWER}"`)),
        )
      : sendJson(res, 200, { ...claudeMessage(ANSWER), model: r.json.model }),
  );
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("sk-up", claude.url)] });
  let n = 0;
  for (const { path: v1, dialect } of FORMATS) {
    for (const path of [v1, v1.replace(/^\/v1/, "")]) {
      for (const stream of [false, true]) {
        for (const model of ["claude-sonnet-4-6", "anthropic/claude-sonnet-4-6", "anthropic/claude-sonnet-4.6"]) {
          // Bearer for whole answers, x-api-key for streams: both are accepted on every route.
          const auth: Record<string, string> = stream
            ? { "x-api-key": CLIENT_KEY }
            : { authorization: `Bearer ${CLIENT_KEY}` };
          const res = await fetch(`${s.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json", ...auth },
            body: JSON.stringify(bodyFor(path, model, stream)),
          });
          const text = await res.text();
          const what = `${path} stream=${stream} model=${model} (${dialect})`;
          assert.equal(res.status, 200, `${what}: ${text}`);
          assert.ok(text.includes(ANSWER), what);
          const seen = modelsIn(text, stream);
          assert.ok(seen.length > 0, `${what}: no model field in ${text}`);
          assert.deepEqual([...new Set(seen)], [model], what);
          const up = await claude.nth(++n);
          assert.equal(up.json.model, "claude-sonnet-4-6", what);
          assert.equal(up.headers.authorization, "Bearer sk-up", what); // the upstream's key, never the client's
        }
      }
    }
  }
  const lines = s.logs.filter((l) => l.includes("is served as"));
  assert.ok(lines.every((l) => / INFO /.test(l)));
  assert.deepEqual(
    s.logs.filter((l) => l.includes(PROMPT) || l.includes(ANSWER)),
    [],
    "no request or response body in the log",
  );
  assert.ok(
    lines.some((l) =>
      l.includes(
        'model: "anthropic/claude-sonnet-4.6" is served as "claude-sonnet-4-6" (provider prefix stripped, version dots as dashes)',
      ),
    ),
  );
  // One decision line per respelled request: 2 of the 3 names × 3 formats × 2 paths × 2 stream modes.
  assert.equal(lines.length, 24);
});

test("a dotted name that is served keeps its dots (gpt-4.1 is not respelled), and a prefixed one is served by it", async (t) => {
  const up = await startFake(t, (r, res) =>
    r.json.stream ? sendSse(res, CHAT_STREAM) : sendJson(res, 200, chatCompletion("hi", r.json.model)),
  );
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", up.url, ["sk-up"], [{ name: "gpt-4.1" }, { name: "gpt-4-1" }])],
  });
  for (const [model, stream] of [
    ["openai/gpt-4.1", false],
    ["openai/gpt-4.1", true],
    ["gpt-4.1", false],
  ] as const) {
    const res = await fetch(`${s.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(bodyFor("/chat/completions", model, stream)),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual([...new Set(modelsIn(text, stream))], [model]);
  }
  assert.deepEqual(
    up.requests.map((r) => r.json.model),
    ["gpt-4.1", "gpt-4.1", "gpt-4.1"],
  );
});

test("an unserved prefixed name is still a 404 naming the name as sent", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("sk-up", "http://127.0.0.1:9")] });
  const res = await fetch(`${s.url}/messages`, {
    method: "POST",
    headers: { "x-api-key": CLIENT_KEY, "content-type": "application/json" },
    body: JSON.stringify(bodyFor("/messages", "anthropic/claude-nonesuch-9.9", false)),
  });
  assert.equal(res.status, 404);
  const body = (await res.json()) as { type: string; error: { message: string } };
  assert.equal(body.type, "error");
  assert.match(body.error.message, /"anthropic\/claude-nonesuch-9\.9"/);
});

test("the router routes answer a wrong or missing key 401 in their own dialect, with and without /v1", async (t) => {
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    claudeApiKey: [key("sk-up", "http://127.0.0.1:9")],
    apiKeyLockoutFailures: 0,
  });
  for (const { path: v1, dialect } of FORMATS) {
    for (const path of [v1, v1.replace(/^\/v1/, "")]) {
      for (const auth of [{ authorization: "Bearer wrong" }, { "x-api-key": "wrong" }, {} as Record<string, string>]) {
        const res = await fetch(`${s.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...auth },
          body: JSON.stringify(bodyFor(path, "claude-sonnet-4-6", false)),
        });
        assert.equal(res.status, 401, path);
        const body = (await res.json()) as Record<string, any>;
        const message = Object.keys(auth).length ? INVALID_KEY : "Missing API key";
        if (dialect === "anthropic")
          assert.deepEqual(body, { type: "error", error: { type: "authentication_error", message } });
        else
          assert.deepEqual(body, {
            error: { message, type: "authentication_error", param: null, code: "invalid_api_key" },
          });
      }
    }
  }
});
