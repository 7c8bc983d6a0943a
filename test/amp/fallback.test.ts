import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { createApp } from "../../src/app/app.js";
import { listen } from "../../src/server/listen.js";
import { route } from "../../src/server/router.js";
import { DEFAULT_AMP, makeConfig, type AmpConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import { withAmpFallback, requestedModel } from "../../src/amp/fallback.js";
import type { LocalCall } from "../../src/providers/types.js";
import type { ModelLookup } from "../../src/amp/decide.js";
import { ampUpstream } from "../../src/providers/resolve.js";
import { parseModelName } from "../../src/translate/model-suffix.js";

const served: Record<string, string[]> = {
  "claude-sonnet-4-5": ["claude"],
  "gpt-5.2": ["openai-compat-x"],
  "test/gpt-5.2": ["openai-compat-x"],
};
const lookup: ModelLookup = {
  resolve: (m) => {
    const providers = served[parseModelName(m).base];
    return providers ? { ...ampUpstream(m), route: "local", providers } : undefined;
  },
  closest: () => "claude-sonnet-4-5",
};

async function setup(t: TestContext, amp: Partial<AmpConfig> = {}) {
  const calls: LocalCall[] = [];
  const forwarded: Buffer[] = [];
  const logs: string[] = [];
  const app = createApp({
    config: makeConfig({ ampcode: { ...DEFAULT_AMP, upstreamUrl: "http://amp.invalid", ...amp } }),
    log: createLogger({ level: "debug", sink: (l) => logs.push(l) }),
    env: {},
    homeDir: "/nonexistent",
  });
  const deps = {
    lookup: () => lookup,
    async serve(_req: unknown, ctx: any, call: LocalCall) {
      calls.push(call);
      const out = call.rewrite
        ? call.rewrite.json({
            model: "upstream-name",
            content: [{ type: "tool_use", name: "read_file", id: "x", input: {} }],
          })
        : { model: "upstream-name" };
      ctx.res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
    },
    async forward(_req: unknown, ctx: any, body: Buffer) {
      forwarded.push(body);
      ctx.res.writeHead(200, { "content-type": "application/json" }).end('{"from":"amp"}');
    },
  };
  const routes = [
    route(
      "POST",
      "/m",
      "anthropic",
      withAmpFallback(() => ({ endpoint: "anthropic-messages" }), deps),
    ),
    route(
      "POST",
      "/g/:action",
      "gemini",
      withAmpFallback((_r, ctx) => ({ endpoint: "gemini-generate", pathModel: ctx.params.action.split(":")[0] }), deps),
    ),
  ];
  const running = await listen(app, "127.0.0.1", 0, routes);
  t.after(() => running.close(100));
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(running.url + path, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  return { calls, forwarded, logs, post };
}

test("requestedModel() prefers the body's model string and falls back to the path model", () => {
  assert.equal(requestedModel({ model: "a" }, "b"), "a");
  assert.equal(requestedModel({ model: 5 }, "b"), "b");
  assert.equal(requestedModel({}, undefined), undefined);
});

test("withAmpFallback() serves a local model with the beta filter, rewriter and request tool casing", async (t) => {
  const s = await setup(t);
  const res = await s.post("/m", '{"model":"claude-sonnet-4-5","tools":[{"name":"Read_File"}]}', {
    "anthropic-beta": "context-1m-2025-08-07,x",
    "x-amp-thread-id": "T-1",
  });
  assert.deepEqual(await res.json(), {
    model: "claude-sonnet-4-5",
    content: [{ type: "tool_use", name: "Read_File", id: "x", input: {}, signature: "" }],
  });
  assert.equal(s.calls[0].headers["anthropic-beta"], "x");
  assert.equal(s.calls[0].headers["x-amp-thread-id"], "T-1", "PR-21: the thread id is left for session affinity");
  assert.equal(s.calls[0].model, "claude-sonnet-4-5");
  assert.equal(s.forwarded.length, 0);
  assert.equal(s.logs.filter((l) => l.includes("component=amp-routing")).length, 1);
});

test("withAmpFallback() passes the mapped name in body, json and model, keeping the client suffix", async (t) => {
  const s = await setup(t, {
    modelMappings: [{ from: "gpt-5.2", to: "test/gpt-5.2", regex: false }],
    forceModelMappings: true,
  });
  const res = await s.post("/m", '{"model":"gpt-5.2(xhigh)","n":12345678901234567890}');
  assert.equal(((await res.json()) as any).model, "gpt-5.2(xhigh)");
  assert.equal(s.calls[0].model, "test/gpt-5.2(xhigh)");
  assert.equal(s.calls[0].body.toString(), '{"model":"test/gpt-5.2(xhigh)","n":12345678901234567890}');
  assert.equal(s.calls[0].json.model, "test/gpt-5.2(xhigh)");
});

test("withAmpFallback() maps the model of a Gemini path without touching a body that has none", async (t) => {
  const s = await setup(t, { modelMappings: [{ from: "gemini-x", to: "gpt-5.2", regex: false }] });
  await s.post("/g/gemini-x:generateContent?alt=sse", '{"contents":[]}');
  assert.equal(s.calls[0].model, "gpt-5.2");
  assert.equal(s.calls[0].body.toString(), '{"contents":[]}');
  assert.equal(s.calls[0].alt, "sse");
});

test("withAmpFallback() forwards the sanitised, gzip-decoded body for Amp credits", async (t) => {
  const s = await setup(t);
  const text =
    '{"model":"claude-opus-9","messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x"}]}]}';
  const res = await s.post("/m", gzipSync(text), { "content-encoding": "gzip" });
  assert.deepEqual(await res.json(), { from: "amp" });
  assert.equal(s.forwarded[0].toString(), '{"model":"claude-opus-9","messages":[{"role":"assistant","content":[]}]}');
  assert.equal(s.calls.length, 0);
});

test("withAmpFallback() answers a request without a model with the local handlers' 400 and routes nothing", async (t) => {
  const s = await setup(t);
  const res = await s.post("/m", '{"messages":[]}');
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    type: "error",
    error: { type: "invalid_request_error", message: 'Request body has no "model"; name the model to use' },
  });
  assert.equal(s.calls.length + s.forwarded.length, 0);
  assert.equal(
    s.logs.some((l) => l.includes("component=amp-routing")),
    false,
  );
});

test("withAmpFallback() lets the local handler answer NO_PROVIDER and refuses with 404 under deny", async (t) => {
  const s = await setup(t, { upstreamUrl: "" });
  await s.post("/m", '{"model":"claude-opus-9"}');
  assert.equal(s.calls[0].model, "claude-opus-9");
  assert.equal(s.calls[0].rewrite, undefined);
  const d = await setup(t, { modelFallback: "deny" });
  const res = await d.post("/g/claude-opus-9:generateContent", "{}");
  assert.equal(res.status, 404);
  const body = (await res.json()) as any;
  assert.equal(body.error.status, "NOT_FOUND");
  assert.match(body.error.message, /"claude-opus-9".*ampcode\.model-mappings/);
  assert.equal(d.calls.length + d.forwarded.length, 0);
});
