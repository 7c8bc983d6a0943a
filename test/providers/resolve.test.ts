/** providers/resolve.ts: a requested model is resolved once, and the pipeline (conduct, attempt, Amp) reads that value. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_AMP, makeConfig, providerKey } from "../../src/config/schema.js";
import { decide, lookupOf, route } from "../../src/amp/decide.js";
import { suffixText, upstreamModels } from "../../src/providers/resolve.js";
import { countRequestBody } from "../../src/pipeline/answer.js";
import type { App } from "../../src/server/handler.js";
import { claudeKeys, makeRuntime, OK } from "../routing/fixture.js";
import { startServer } from "../support/server.js";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { chatCompletion, compat, post, CLIENT_KEY } from "./support.js";

const A = "sk-key-aaaaaaaaaaaa";
const M = "claude-sonnet-4-5";

test("resolve() parses the suffix once and names each candidate's upstream models (an alias's pool)", () => {
  const { rt } = makeRuntime({
    claudeApiKey: [providerKey(A, { baseUrl: "http://127.0.0.1:9", models: [{ name: M, alias: "sonnet" }] })],
  });
  const r = rt.resolve(" sonnet(HIGH) ")!;
  assert.equal(r.requested, " sonnet(HIGH) ");
  assert.equal(r.route, "local");
  assert.deepEqual(r.name, { base: "sonnet", suffix: "HIGH", reasoning: { level: "high" } });
  assert.equal(r.model, "sonnet");
  assert.deepEqual(upstreamModels(r, r.candidates[0]), [M]);
  assert.equal(suffixText(r), "(HIGH)");
});

test("resolve() of a name served only with its suffix routes on the full name and still carries the suffix upstream (settled)", () => {
  const { rt } = makeRuntime({
    openaiCompatibility: [
      compat("Local", "http://127.0.0.1:9/v1", ["ko-kkkkkkkkkkkk"], [{ name: "odd-upstream", alias: "odd(1)" }]),
    ],
  });
  const r = rt.resolve("odd(1)")!;
  // Routing took the whole name (registry.ts), and attempt.ts's regex appended "(1)" upstream: both kept, now from one parse.
  assert.deepEqual([r.model, r.suffix, r.name.suffix], ["odd(1)", undefined, "1"]);
  assert.deepEqual(upstreamModels(r, r.candidates[0]), ["odd-upstream"]);
  assert.equal(suffixText(r), "(1)");
});

test("conduct() takes the caller's Resolved instead of resolving the name again", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const resolved = rt.resolve(M)!;
  const tried: string[] = [];
  const r = await rt.conduct({ model: "not-served-by-that-name", resolved }, async (cred, upstream) => {
    tried.push(`${cred.apiKey} ${upstream}`);
    return OK;
  });
  assert.equal(r.kind, "done");
  assert.deepEqual(tried, [`${A} ${M}`]);
  const none = await rt.conduct({ model: M, resolved: null }, async () => OK);
  assert.equal(none.kind, "unknown-model", "null says the caller found nothing: no second lookup");
});

test("route() sends a name served only with its suffix locally (settled: decide() looked the base up and went to ampcode.com)", () => {
  const config = makeConfig({
    openaiCompatibility: [
      compat("Local", "http://127.0.0.1:9/v1", ["ko-kkkkkkkkkkkk"], [{ name: "up", alias: "odd(1)" }]),
    ],
    ampcode: { ...DEFAULT_AMP, upstreamUrl: "http://amp.invalid" },
  });
  const { rt } = makeRuntime(config);
  const app = { providers: rt, amp: { upstream: () => ({}) } } as unknown as App;
  const r = route("odd(1)", config, lookupOf(app));
  assert.equal(r.decision.routeType, "LOCAL_PROVIDER");
  assert.equal(r.resolved?.model, "odd(1)");
  assert.equal(route("other-model", config, lookupOf(app)).resolved?.route, "amp-upstream");
});

test("route() keeps the resolution beside the decision: what is logged, kept and explained holds no credential", () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const config = makeConfig({ ampcode: { ...DEFAULT_AMP } });
  const r = route(M, config, lookupOf({ providers: rt } as unknown as App));
  assert.equal(r.resolved?.candidates[0].apiKey, A);
  assert.equal(r.decision.routeType, "LOCAL_PROVIDER");
  assert.ok(!JSON.stringify(r.decision).includes(A));
  assert.deepEqual(decide(M, config, lookupOf({ providers: rt } as unknown as App)), r.decision);
});

/** Counts every resolution the app's provider runtime makes, by name. */
function countResolves(app: App): string[] {
  const names: string[] = [];
  const rt = app.providers;
  const resolve = rt.resolve.bind(rt);
  rt.resolve = (model) => {
    names.push(model);
    return resolve(model);
  };
  return names;
}

test("a local request and an Amp request resolve the requested model once; a mapping adds only its target", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, chatCompletion("hi", "gpt-5.2")));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("fcompat", `${fake.url}/v1`, ["sk-compat-000003"], [{ name: "gpt-5.2" }])],
    ampcode: {
      ...DEFAULT_AMP,
      upstreamUrl: "http://amp.invalid",
      modelMappings: [{ from: "gpt-7", to: "gpt-5.2", regex: false }],
    },
  });
  const names = countResolves(s.app);
  const chat = (model: string) => ({ model, messages: [{ role: "user", content: "hi" }] });
  for (const path of ["/v1/chat/completions", "/api/provider/openai/v1/chat/completions"]) {
    names.length = 0;
    const res = await post(s.url, path, chat("gpt-5.2(high)"));
    assert.equal(res.status, 200, path);
    await res.arrayBuffer();
    assert.deepEqual(names, ["gpt-5.2(high)"], path);
  }
  names.length = 0;
  const mapped = await post(s.url, "/api/provider/openai/v1/chat/completions", chat("gpt-7(low)"));
  assert.equal(mapped.status, 200);
  await mapped.arrayBuffer();
  assert.deepEqual(names, ["gpt-7(low)", "gpt-5.2(low)"]);
  assert.equal(
    fake.requests.at(-1)?.json?.reasoning_effort,
    "low",
    "the suffix parsed once still reaches the upstream",
  );
});

test("countRequestBody() names the Gemini count model by the one parser: only the final suffix comes off (settled)", () => {
  const body = countRequestBody("gemini", { contents: [] }, "gemini-2.5-pro(b)(8192)");
  assert.deepEqual(body, { generateContentRequest: { contents: [], model: "models/gemini-2.5-pro(b)" } });
});
