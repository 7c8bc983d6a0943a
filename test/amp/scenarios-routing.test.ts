/**
 * amp.md §7 model-routing scenarios end to end: cliproxy between a fake Amp upstream A and a fake
 * provider upstream F that serves claude-sonnet-4-5 (Claude), gpt-5.2 (OpenAI-compatible) and
 * gemini-2.5-pro (Gemini API key).
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { startFake, sendJson, type FakeHandler, type Recorded } from "../support/fake-upstream.js";
import { startServer } from "../support/server.js";
import type { AmpConfig } from "../../src/config/schema.js";
import { parseConfig } from "../../src/config/load.js";
import { watchConfig } from "../../src/config/watch.js";

import { answerF, routingConfig, sse } from "./routing-setup.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

const MSG = { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
const BETA = "context-1m-2025-08-07, fine-grained-tool-streaming-2025-05-14";

async function setup(
  t: TestContext,
  amp: Partial<AmpConfig> = {},
  handlers: { F?: FakeHandler; A?: FakeHandler } = {},
) {
  const F = await startFake(t, handlers.F ?? answerF);
  const A = await startFake(
    t,
    handlers.A ??
      ((_r, res) =>
        sendJson(res, 200, { from: "amp", model: "upstream-model", content: [{ type: "tool_use", name: "bash" }] })),
  );
  const s = await startServer(t, routingConfig(F.url, A.url, amp));
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(s.url + path, {
      method: "POST",
      headers: { "x-api-key": "ck-1", "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const routing = () => s.logs.filter((l) => l.includes("component=amp-routing"));
  return { F, A, s, post, routing };
}

const MESSAGES = "/api/provider/anthropic/v1/messages";
const CHAT = "/api/provider/openai/v1/chat/completions";

test("S-19 local provider + beta filter: F serves it without context-1m, A gets nothing, one LOCAL_PROVIDER line", async (t) => {
  const { F, A, post, routing } = await setup(t);
  const res = await post(MESSAGES, MSG, { "anthropic-beta": BETA });
  assert.equal(res.status, 200);
  const got = await F.nth(1);
  assert.equal(got.json.model, "claude-sonnet-4-5");
  assert.doesNotMatch(String(got.headers["anthropic-beta"] ?? ""), /context-1m-2025-08-07/);
  assert.match(String(got.headers["anthropic-beta"]), /fine-grained-tool-streaming-2025-05-14/);
  assert.equal(A.requests.length, 0);
  assert.equal(routing().length, 1);
  assert.match(routing()[0], /route_type=LOCAL_PROVIDER .*provider=claude .*cost=free/);
});

test("S-20 response model restored: the client sees its own model and a correct Content-Length", async (t) => {
  const { post } = await setup(t);
  const res = await post(MESSAGES, MSG);
  const text = await res.text();
  assert.equal(JSON.parse(text).model, "claude-sonnet-4-5");
  assert.equal(Number(res.headers.get("content-length")), Buffer.byteLength(text));
});

test("S-21 Amp credits: A gets the request byte for byte with its beta header, the answer comes back untouched", async (t) => {
  const { F, A, post, routing } = await setup(t);
  const body = JSON.stringify({ ...MSG, model: "claude-opus-9" });
  const res = await post(MESSAGES, body, { "anthropic-beta": BETA });
  assert.deepEqual(await res.json(), {
    from: "amp",
    model: "upstream-model",
    content: [{ type: "tool_use", name: "bash" }],
  });
  const got = await A.nth(1);
  assert.equal(got.method, "POST");
  assert.equal(got.url, MESSAGES);
  assert.equal(got.body.toString(), body);
  assert.equal(got.headers["anthropic-beta"], BETA);
  assert.equal(got.headers.authorization, "Bearer amp-default");
  assert.equal(F.requests.length, 0);
  assert.equal(routing().length, 1);
  assert.match(
    routing()[0],
    / WARN forwarding to ampcode.com .*route_type=AMP_CREDITS .*cost=amp_credits source=ampcode.com model_id=claude-opus-9/,
  );
});

test("S-22 mapping: F gets the mapped model, the client sees the requested one, A gets nothing", async (t) => {
  const { F, A, post, routing } = await setup(t, {
    modelMappings: [{ from: "Claude-Opus-9", to: "claude-sonnet-4-5", regex: false }],
  });
  const res = await post(MESSAGES, { ...MSG, model: "claude-opus-9" });
  assert.equal(((await res.json()) as any).model, "claude-opus-9");
  assert.equal((await F.nth(1)).json.model, "claude-sonnet-4-5");
  assert.equal(A.requests.length, 0);
  assert.match(
    routing()[0],
    / INFO .*route_type=MODEL_MAPPING requested_model=claude-opus-9 resolved_model=claude-sonnet-4-5 provider=claude/,
  );
});

test("S-23 local beats mapping: force-model-mappings flips the decision to an OpenAI call for gpt-5.2", async (t) => {
  const mappings = [{ from: "claude-sonnet-4-5", to: "gpt-5.2", regex: false }];
  const local = await setup(t, { modelMappings: mappings });
  await local.post(MESSAGES, MSG);
  const first = await local.F.nth(1);
  assert.match(first.url, /^\/v1\/messages/);
  assert.equal(first.json.model, "claude-sonnet-4-5");
  const forced = await setup(t, { modelMappings: mappings, forceModelMappings: true });
  const res = await forced.post(MESSAGES, MSG);
  const body = (await res.json()) as any;
  const got = await forced.F.nth(1);
  assert.match(got.url, /^\/v1\/chat\/completions/);
  assert.equal(got.json.model, "gpt-5.2");
  assert.equal(body.type, "message");
  assert.equal(body.model, "claude-sonnet-4-5");
  assert.match(forced.routing()[0], /route_type=MODEL_MAPPING .*force-model-mappings is true/);
});

test("S-23 local beats mapping: the prioritize-model-mappings alias from a config file forces the mapping too", async (t) => {
  const F = await startFake(t, answerF);
  const A = await startFake(t);
  const yaml =
    `api-keys: [ck-1]\nopenai-compatibility:\n  - name: fcompat\n    base-url: ${F.url}/v1\n    api-key-entries: [{api-key: sk-compat-000003}]\n    models: [{name: gpt-5.2}]\n` +
    `claude-api-key:\n  - api-key: sk-ant-fake-000001\n    base-url: ${F.url}\n    models: [{name: claude-sonnet-4-5}]\n` +
    `ampcode:\n  upstream-url: ${A.url}\n  upstream-api-key: amp-default\n  prioritize-model-mappings: true\n  model-mappings: [{from: claude-sonnet-4-5, to: gpt-5.2}]\n`;
  const loaded = parseConfig(yaml, { kinds: PROVIDER_KINDS, homeDir: tmpdir(), env: {} });
  assert.equal(loaded.config.ampcode.forceModelMappings, true);
  const s = await startServer(t, loaded.config);
  await fetch(s.url + MESSAGES, { method: "POST", headers: { "x-api-key": "ck-1" }, body: JSON.stringify(MSG) });
  assert.equal((await F.nth(1)).json.model, "gpt-5.2");
});

test("S-24 dead target: a mapping to a model nothing serves is ignored and A gets the request", async (t) => {
  const { F, A, post, routing } = await setup(t, {
    modelMappings: [{ from: "claude-opus-9", to: "no-such-model", regex: false }],
  });
  await post(MESSAGES, { ...MSG, model: "claude-opus-9" });
  assert.equal((await A.nth(1)).json.model, "claude-opus-9");
  assert.equal(F.requests.length, 0);
  assert.match(routing()[0], /route_type=AMP_CREDITS .*mapping target \\"no-such-model\\" has no local provider/);
});

test("S-25 regex + suffix: the mapped name reaches F, the client sees its own name, and () is dropped", async (t) => {
  const { F, post } = await setup(t, { modelMappings: [{ from: "^gpt-6.*$", to: "gpt-5.2", regex: true }] });
  const res = await post(
    CHAT,
    { model: "GPT-6-mini(high)", messages: [{ role: "user", content: "hi" }] },
    { authorization: "Bearer ck-1" },
  );
  assert.equal(((await res.json()) as any).model, "GPT-6-mini(high)");
  assert.equal((await F.nth(1)).json.model, "gpt-5.2");
  await post(CHAT, { model: "gpt-6()", messages: [{ role: "user", content: "hi" }] });
  const empty = await F.nth(2);
  assert.equal(empty.json.model, "gpt-5.2");
  assert.equal(empty.json.reasoning_effort, undefined);
});

test("S-25 regex + suffix: the client's level reaches F as reasoning_effort, a target's own level wins", async (t) => {
  const { F, post } = await setup(t, { modelMappings: [{ from: "^gpt-6.*$", to: "gpt-5.2", regex: true }] });
  await post(CHAT, { model: "GPT-6-mini(high)", messages: [{ role: "user", content: "hi" }] });
  assert.equal((await F.nth(1)).json.reasoning_effort, "high");
  const low = await setup(t, { modelMappings: [{ from: "^gpt-6.*$", to: "gpt-5.2(low)", regex: true }] });
  await low.post(CHAT, { model: "GPT-6-mini(high)", messages: [{ role: "user", content: "hi" }] });
  assert.equal((await low.F.nth(1)).json.reasoning_effort, "low");
});

test("S-26 no upstream, no provider: the local unknown-model error and a NO_PROVIDER warning", async (t) => {
  const { F, A, post, routing } = await setup(t, { upstreamUrl: "" });
  const res = await post(MESSAGES, { ...MSG, model: "claude-opus-9" });
  assert.ok(res.status >= 400, String(res.status));
  assert.equal(((await res.json()) as any).type, "error");
  assert.equal(F.requests.length + A.requests.length, 0);
  assert.match(routing()[0], / WARN no provider available for model_id: claude-opus-9 .*route_type=NO_PROVIDER/);
});

test("S-26 (CFG-9) an invalid upstream-url counts as no upstream: NO_PROVIDER and the local 404, not a credit-spending route", async (t) => {
  const { F, A, post, routing } = await setup(t, { upstreamUrl: "ampcode.com" });
  const res = await post(MESSAGES, { ...MSG, model: "claude-opus-9" });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as any).type, "error");
  assert.equal(F.requests.length + A.requests.length, 0);
  assert.match(routing()[0], /route_type=NO_PROVIDER/);
  assert.match(routing()[0], /not a usable http\(s\) URL/);
});

test("S-27 no model: the local handler's validation error, A gets nothing", async (t) => {
  const { F, A, post } = await setup(t);
  const res = await post(CHAT, { messages: [] });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as any).error.message, /no "model"/);
  assert.equal(F.requests.length + A.requests.length, 0);
});

async function readSse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split(/\r?\n/).filter((l) => l.startsWith("data:"));
}

test("S-28 v1beta1 bridge: a streaming call is served by F, mapped models show the requested modelVersion", async (t) => {
  const path = (m: string) =>
    `/api/provider/google/v1beta1/publishers/google/models/${m}:streamGenerateContent?alt=sse`;
  const { F, A, post } = await setup(t, {
    modelMappings: [{ from: "gemini-3-pro-preview", to: "gemini-2.5-pro", regex: false }],
  });
  const body = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };
  const direct = await post(path("gemini-2.5-pro"), body, { authorization: "Bearer ck-1" });
  assert.equal(direct.status, 200);
  await direct.text();
  assert.match((await F.nth(1)).url, /\/models\/gemini-2\.5-pro:streamGenerateContent/);
  const mapped = await post(path("gemini-3-pro-preview"), body, { authorization: "Bearer ck-1" });
  const lines = await readSse(mapped);
  assert.match((await F.nth(2)).url, /\/models\/gemini-2\.5-pro:streamGenerateContent/);
  assert.equal(lines.length, 2);
  for (const l of lines) assert.equal(JSON.parse(l.slice(5)).modelVersion, "gemini-3-pro-preview");
  assert.equal(A.requests.length, 0);
});

test("S-29 v1beta1 passthrough: model info and the bare models POST go to A unchanged", async (t) => {
  const { F, A, s } = await setup(t);
  const info = "/api/provider/google/v1beta1/publishers/google/models/gemini-3-pro-preview";
  assert.equal((await fetch(s.url + info, { headers: { authorization: "Bearer ck-1" } })).status, 200);
  assert.equal(
    (
      await fetch(s.url + "/api/provider/google/v1beta1/models", {
        method: "POST",
        headers: { authorization: "Bearer ck-1" },
        body: '{"x":1}',
      })
    ).status,
    200,
  );
  assert.deepEqual([(await A.nth(1)).method, (await A.nth(1)).url], ["GET", info]);
  assert.deepEqual(
    [(await A.nth(2)).method, (await A.nth(2)).url, (await A.nth(2)).body.toString()],
    ["POST", "/api/provider/google/v1beta1/models", '{"x":1}'],
  );
  assert.equal(F.requests.length, 0);
  const noKey = await fetch(s.url + info);
  assert.equal(noKey.status, 401);
  assert.deepEqual(await noKey.json(), { error: "Missing API key" });
});

test("S-30 v1beta local (N9, N11): the v1beta path is served by F, and its path model is mapped", async (t) => {
  const { F, A, post } = await setup(t, { modelMappings: [{ from: "gemini-x", to: "gemini-2.5-pro", regex: false }] });
  const body = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };
  const res = await post("/api/provider/google/v1beta/models/gemini-2.5-pro:generateContent", body, {
    "x-goog-api-key": "ck-1",
  });
  assert.equal(res.status, 200);
  assert.match((await F.nth(1)).url, /\/models\/gemini-2\.5-pro:generateContent/);
  const mapped = await post("/api/provider/google/v1beta/models/gemini-x:generateContent", body, {
    "x-goog-api-key": "ck-1",
  });
  assert.equal(((await mapped.json()) as any).modelVersion, "gemini-x");
  assert.match((await F.nth(2)).url, /\/models\/gemini-2\.5-pro:generateContent/);
  assert.equal(A.requests.length, 0);
});

test("S-31 stream rewriting: each event arrives as soon as F sends it, with the requested model, signatures and tool casing", async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const F: FakeHandler = async (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[]}}\n\n',
    );
    await gate;
    res.write(
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}\n\n',
    );
    res.write(
      'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"bash","input":{}}}\n\n',
    );
    res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
  };
  const { post } = await setup(
    t,
    { modelMappings: [{ from: "Claude-Opus-9", to: "claude-sonnet-4-5", regex: false }] },
    { F },
  );
  const res = await post(MESSAGES, { ...MSG, model: "claude-opus-9", stream: true });
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
  assert.match(text, /^event: message_start\n/);
  assert.equal(JSON.parse(text.split("\n")[1].slice(6)).message.model, "claude-opus-9");
  release();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const events = text.split("\n\n").filter(Boolean);
  const blocks = events
    .filter((e) => e.includes("content_block_start"))
    .map((e) => JSON.parse(e.split("\n")[1].slice(6)).content_block);
  assert.deepEqual(blocks, [
    { type: "thinking", thinking: "", signature: "" },
    { type: "tool_use", id: "t", name: "Bash", input: {}, signature: "" },
  ]);
  assert.ok(
    events.every((e) => e.startsWith("event: ")),
    "event: lines kept",
  );
});

test("S-32 non-stream suppression: thinking next to a tool call is dropped after a mapping, kept for Claude itself", async (t) => {
  const answer = {
    id: "m",
    type: "message",
    role: "assistant",
    model: "x",
    stop_reason: "tool_use",
    usage: { input_tokens: 1, output_tokens: 1 },
    content: [
      { type: "thinking", thinking: "t", signature: "s" },
      { type: "tool_use", id: "tu1", name: "read", input: {} },
    ],
  };
  const F: FakeHandler = (_r, res) => sendJson(res, 200, answer);
  const mapped = await setup(
    t,
    { modelMappings: [{ from: "Claude-Opus-9", to: "claude-sonnet-4-5", regex: false }] },
    { F },
  );
  const a = (await (await mapped.post(MESSAGES, { ...MSG, model: "claude-opus-9" })).json()) as any;
  assert.deepEqual(a.content, [{ type: "tool_use", id: "tu1", name: "Read", input: {}, signature: "" }]);
  const local = await setup(t, {}, { F });
  const b = (await (await local.post(MESSAGES, MSG)).json()) as any;
  assert.deepEqual(
    b.content.map((c: any) => c.type),
    ["thinking", "tool_use"],
  );
});

test("S-33 tool casing from request: request casing wins, conflicting casings stay, the fixed table otherwise", async (t) => {
  const F: FakeHandler = (req, res) =>
    sendJson(res, 200, {
      id: "m",
      type: "message",
      role: "assistant",
      model: "x",
      stop_reason: "tool_use",
      usage: { input_tokens: 1, output_tokens: 1 },
      content: [
        { type: "tool_use", id: "a", name: "glob", input: {} },
        { type: "tool_use", id: "b", name: "grep", input: {} },
      ],
    });
  const { post } = await setup(t, {}, { F });
  const names = async (tools: string[]) => {
    const body = { ...MSG, tools: tools.map((name) => ({ name, input_schema: { type: "object" } })) };
    return ((await (await post(MESSAGES, body)).json()) as any).content.map((c: any) => c.name);
  };
  assert.deepEqual(await names(["Glob"]), ["Glob", "Grep"]);
  assert.deepEqual(await names(["Glob", "glob"]), ["glob", "Grep"]);
  assert.deepEqual(await names([]), ["glob", "Grep"]);
});

test("S-34 request sanitising: F gets only the signed tool block with its big integer intact; A gets the same with a matching length", async (t) => {
  const { F, A, post } = await setup(t);
  const content =
    '[{"type":"thinking","thinking":"x","signature":" "},{"type":"tool_use","id":"t","name":"Bash","input":{"n":12345678901234567890},"signature":""}]';
  const body = (model: string) =>
    `{"model":"${model}","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":${content}},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok"}]}]}`;
  await post(MESSAGES, body("claude-sonnet-4-5"));
  const want = '[{"type":"tool_use","id":"t","name":"Bash","input":{"n":12345678901234567890}}]';
  assert.ok((await F.nth(1)).body.toString().includes(`"content":${want}`));
  await post(MESSAGES, body("claude-opus-9"));
  const got = await A.nth(1);
  assert.equal(got.body.toString(), body("claude-opus-9").replace(content, want));
  assert.equal(Number(got.headers["content-length"]), got.body.length);
});

test("S-35 atomic save: a mapping written by rename applies within the debounce, identical bytes do not reload", async (t) => {
  const F = await startFake(t, answerF);
  const A = await startFake(t);
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-s35-"));
  const path = join(dir, "config.yaml");
  const base = `api-keys: [ck-1]\nclaude-api-key:\n  - api-key: sk-ant-fake-000001\n    base-url: ${F.url}\n    models: [{name: claude-sonnet-4-5}]\nampcode:\n  upstream-url: ${A.url}\n  upstream-api-key: amp-default\n`;
  writeFileSync(path, base);
  const s = await startServer(t, parseConfig(base, { kinds: PROVIDER_KINDS, homeDir: tmpdir(), env: {} }).config, {
    configPath: path,
  });
  const watcher = await watchConfig(s.app, path, { debounceMs: 20 });
  t.after(() => watcher.close());
  const mapped = base + "  model-mappings:\n    - from: Claude-Opus-9\n      to: claude-sonnet-4-5\n";
  writeFileSync(`${path}.tmp`, mapped);
  const reloaded = once(watcher, "reload");
  renameSync(`${path}.tmp`, path);
  assert.equal(((await reloaded)[0] as { kind: string }).kind, "reloaded");
  const res = await fetch(s.url + MESSAGES, {
    method: "POST",
    headers: { "x-api-key": "ck-1" },
    body: JSON.stringify({ ...MSG, model: "claude-opus-9" }),
  });
  assert.equal(((await res.json()) as any).model, "claude-opus-9");
  assert.equal((await F.nth(1)).json.model, "claude-sonnet-4-5");
  assert.equal(A.requests.length, 0);
  const reloads = s.logs.filter((l) => l.includes("config: reloaded")).length;
  const again = once(watcher, "reload");
  writeFileSync(path, readFileSync(path));
  assert.equal(((await again)[0] as { kind: string }).kind, "skipped");
  assert.equal(s.logs.filter((l) => l.includes("config: reloaded")).length, reloads);
});

test("S-41 fallback denied: 404 in the Anthropic shape naming the model and the fix; nothing reaches A or F", async (t) => {
  const { F, A, s, post, routing } = await setup(t, { modelFallback: "deny" });
  const res = await post(MESSAGES, { ...MSG, model: "claude-opus-9" });
  assert.equal(res.status, 404);
  const body = (await res.json()) as any;
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "not_found_error");
  assert.match(
    body.error.message,
    /^model "claude-opus-9" is not served by any local provider and ampcode\.model-fallback is deny; add ampcode\.model-mappings: \[\{from: "claude-opus-9", to: "[^"]+"\}\]$/,
  );
  assert.equal(F.requests.length + A.requests.length, 0);
  assert.equal(routing().length, 1);
  assert.match(routing()[0], / WARN .*route_type=FALLBACK_DENIED .*reason=/);
  const near = (await (await post(MESSAGES, { ...MSG, model: "claude-sonnet-4-6" })).json()) as any;
  assert.match(near.error.message, /to: "claude-sonnet-4-5"/, "names the closest served model");
  // The same decision, explained without sending anything.
  s.setConfig({
    ...routingConfig(F.url, A.url, { modelFallback: "deny" }),
    remoteManagement: { allowRemote: false, secretKey: "m", disableControlPanel: false },
  });
  const explain = async () =>
    (
      await fetch(s.url + "/v0/management/ampcode/explain?model=claude-opus-9", {
        headers: { authorization: "Bearer m" },
      })
    ).json() as Promise<any>;
  assert.equal((await explain()).route_type, "FALLBACK_DENIED");
  s.setConfig({
    ...routingConfig(F.url, A.url, {
      modelFallback: "deny",
      modelMappings: [{ from: "Claude-Opus-9", to: "claude-sonnet-4-5", regex: false }],
    }),
    remoteManagement: { allowRemote: false, secretKey: "m", disableControlPanel: false },
  });
  const e = await explain();
  assert.deepEqual([e.route_type, e.resolved_model], ["MODEL_MAPPING", "claude-sonnet-4-5"]);
  assert.equal(F.requests.length + A.requests.length, 0);
});

/** Tool names Amp sends must reach the model and come back exactly as sent (PR-19), in every path. */
const TOOLS = ["Bash", "glob", "Read_File"];

/** F answers tool calls with lower-cased names: Anthropic or OpenAI chat, streamed or whole. */
const toolCallsF =
  (seen: Recorded[]): FakeHandler =>
  (req, res) => {
    seen.push(req);
    const lower = TOOLS.map((n) => n.toLowerCase());
    if (req.url.startsWith("/v1/messages")) {
      const content = lower.map((name, i) => ({ type: "tool_use", id: `t${i}`, name, input: {} }));
      if (!req.json.stream)
        return sendJson(res, 200, {
          id: "m",
          type: "message",
          role: "assistant",
          model: "x",
          stop_reason: "tool_use",
          usage: { input_tokens: 1, output_tokens: 1 },
          content,
        });
      return sse(res, [
        `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { id: "m", type: "message", role: "assistant", model: "x", content: [], usage: { input_tokens: 1, output_tokens: 0 } } })}\n\n`,
        ...content.flatMap((b, i) => [
          `event: content_block_start\ndata: ${JSON.stringify({ type: "content_block_start", index: i, content_block: b })}\n\n`,
          `event: content_block_stop\ndata: ${JSON.stringify({ type: "content_block_stop", index: i })}\n\n`,
        ]),
        `event: message_delta\ndata: ${JSON.stringify({ type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 1 } })}\n\n`,
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ]);
    }
    const calls = lower.map((name, i) => ({
      index: i,
      id: `c${i}`,
      type: "function",
      function: { name, arguments: "{}" },
    }));
    if (!req.json.stream) {
      return sendJson(res, 200, {
        id: "c",
        object: "chat.completion",
        created: 1,
        model: "gpt-5.2",
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: null, tool_calls: calls.map(({ index: _i, ...c }) => c) },
            finish_reason: "tool_calls",
          },
        ],
      });
    }
    const chunk = (delta: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-5.2", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    sse(res, [
      chunk({ role: "assistant", content: null }),
      ...calls.map((c) => chunk({ tool_calls: [c] })),
      chunk({}, "tool_calls"),
      "data: [DONE]\n\n",
    ]);
  };

for (const translated of [false, true]) {
  for (const stream of [false, true]) {
    const name = `mixed-case tool names reach the provider and return unchanged: ${translated ? "translated to OpenAI chat" : "same dialect"}, ${stream ? "streamed" : "not streamed"}`;
    test(name, async (t) => {
      const seen: Recorded[] = [];
      const amp = translated ? { modelMappings: [{ from: "claude-opus-9", to: "gpt-5.2", regex: false }] } : {};
      const { post } = await setup(t, amp, { F: toolCallsF(seen) });
      const body = {
        ...MSG,
        model: translated ? "claude-opus-9" : MSG.model,
        stream,
        tools: TOOLS.map((n) => ({ name: n, input_schema: { type: "object" } })),
      };
      const res = await post(MESSAGES, body);
      let names: string[];
      let models: string[];
      if (stream) {
        const events = (await readSse(res)).map((l) => JSON.parse(l.slice(5)));
        names = events
          .filter((d) => d.type === "content_block_start" && d.content_block.type === "tool_use")
          .map((d) => d.content_block.name);
        models = events.filter((d) => d.message?.model !== undefined).map((d) => d.message.model);
      } else {
        const json = (await res.json()) as any;
        names = json.content.filter((c: any) => c.type === "tool_use").map((c: any) => c.name);
        models = [json.model];
      }
      assert.deepEqual(names, TOOLS);
      assert.deepEqual(models, [body.model]);
      const sent = translated
        ? seen[0].json.tools.map((x: any) => x.function.name)
        : seen[0].json.tools.map((x: any) => x.name);
      assert.deepEqual(sent, TOOLS);
    });
  }
}
