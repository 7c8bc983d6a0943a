import { test } from "node:test";
import assert from "node:assert/strict";
import { makeConfig, providerKey } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import { buildCredential } from "../../src/providers/credentials.js";
import { createProviderRuntime, timerSleep } from "../../src/providers/runtime.js";
import type { App } from "../../src/server/handler.js";
import { claudeKeys, failed, fakeClock, makeRuntime, OK, scripted } from "../routing/fixture.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

const A = "sk-key-aaaaaaaaaaaa";
const B = "sk-key-bbbbbbbbbbbb";
const M = "claude-sonnet-4-5";

test("update() keeps cooldowns of credentials that survive a reload and forgets those whose key changed", async () => {
  const { rt, setConfig } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  await rt.conduct({ model: M }, scripted({ [A]: [failed(401)], [B]: [failed(401)] }).attempt);
  assert.deepEqual(
    rt.state().map((c) => c.state),
    ["blocked", "blocked"],
  );
  setConfig({ claudeApiKey: claudeKeys(A, "sk-key-cccccccccccc"), debug: true });
  assert.deepEqual(
    rt.state().map((c) => [c.id, c.state]),
    [
      ["claude-api-key[0]", "blocked"],
      ["claude-api-key[1]", "ok"],
    ],
  );
});

test("update() keeps a cooldown when entries are reordered or one is inserted before it", async () => {
  const { rt, setConfig } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  await rt.conduct({ model: M }, async () => failed(401));
  setConfig({ claudeApiKey: claudeKeys(B, A) });
  assert.deepEqual(
    rt.state().map((c) => [c.id, c.state]),
    [
      ["claude-api-key[0]", "ok"],
      ["claude-api-key[1]", "blocked"],
    ],
  );
});

test("update() logs dropped entries and restarts round-robin when the strategy changes", async () => {
  const { rt, logs, setConfig } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({});
  await rt.conduct({ model: M }, s.attempt);
  setConfig({ claudeApiKey: claudeKeys(A, B), codexApiKey: [providerKey("sk-cdx-33333333333")] });
  await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(s.keys(), [A, B], "same strategy: the cursor carries on");
  setConfig({
    claudeApiKey: claudeKeys(A, B),
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  setConfig({ claudeApiKey: claudeKeys(A, B) });
  await rt.conduct({ model: M }, s.attempt);
  assert.deepEqual(s.keys(), [A, B, A]);
  assert.ok(logs.some((l) => l.includes("WARN Skipped codex-api-key[0]: base-url is required for API keys")));
});

test("resolve() strips the thinking suffix and falls back to the full name", () => {
  const { rt } = makeRuntime({
    claudeApiKey: claudeKeys(A),
    openaiCompatibility: [
      {
        name: "Local",
        baseUrl: "http://127.0.0.1:9/v1",
        apiKeyEntries: [],
        models: [{ name: "odd(1)", alias: "" }],
        prefix: "",
        priority: 0,
        headers: {},
        disableCooling: false,
      },
    ],
  });
  assert.deepEqual(rt.resolve(`${M}(high)`)?.providers, ["claude"]);
  const r = rt.resolve(`${M}(8192)`)!;
  assert.deepEqual([r.model, r.base, r.suffix, r.providers], [M, M, "8192", ["claude"]]);
  const odd = rt.resolve("odd(1)")!;
  assert.deepEqual([odd.model, odd.base, odd.suffix], ["odd(1)", "odd", undefined]);
  assert.equal(rt.resolve("nope"), undefined);
  const folded = rt.resolve("Claude-Sonnet-4-5(high)")!;
  assert.deepEqual([folded.model, folded.suffix], [M, "high"], "case is ignored when nothing matches exactly");
  assert.equal(rt.closest("claude-sonet-4-5")[0], M);
});

test("models() lists every served id sorted, hides ids only suspended credentials serve, keeps quota-cooling ones", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const ids = rt.models().map((m) => m.id);
  assert.deepEqual(ids, [...ids].sort());
  assert.ok(ids.includes(M) && ids.includes("claude-haiku-4-5"));
  await rt.conduct({ model: M }, async () => failed(429));
  await rt.conduct({ model: "claude-haiku-4-5" }, async () => failed(403));
  const after = rt.models().map((m) => m.id);
  assert.ok(after.includes(M), "quota cooldown stays listed");
  assert.ok(!after.includes("claude-haiku-4-5"), "a 403 suspension hides the id");
  assert.deepEqual(rt.models().find((m) => m.id === M)?.providers, ["claude"]);
});

test("state() reports each credential with label, index and per-model blocks, never the key", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  await rt.conduct({ model: M }, async () => failed(429));
  const [s] = rt.state();
  assert.deepEqual(
    [s.id, s.provider, s.kind, s.state, s.priority, s.prefix],
    ["claude-api-key[0]", "claude", "claude", "cooling", 0, ""],
  );
  assert.deepEqual(s.models, [
    { model: M, state: "cooling", until: clock.now() + 1000, status: 429, reason: "rate limited" },
  ]);
  await rt.conduct({ model: "claude-haiku-4-5" }, async () => failed(503));
  assert.equal(rt.state()[0].state, "cooling", "a transient 1 min block is cooling, not blocked");
  assert.ok(
    rt.models().some((m) => m.id === "claude-haiku-4-5"),
    "and keeps the id listed",
  );
  assert.ok(!JSON.stringify(s).includes(A));
});

test("setExtraCredentials() adds token-file credentials to routing and removes them when the set is empty", async () => {
  const { rt } = makeRuntime({});
  const token = buildCredential(
    { id: "claude-me.json", provider: "claude", kind: "claude", apiKey: "sk-ant-oat-1111111", label: "me@example.com" },
    false,
  );
  rt.setExtraCredentials("auth-dir", [token]);
  assert.deepEqual(
    rt.credentials().map((c) => c.id),
    ["claude-me.json"],
  );
  const r = await rt.conduct({ model: M }, async () => OK);
  assert.equal(r.kind === "done" && r.credential.id, "claude-me.json");
  rt.setExtraCredentials("auth-dir", []);
  assert.equal(rt.resolve(M), undefined);
});

test("conduct() uses the request's config snapshot for retry settings", async () => {
  const { rt, sleeps } = makeRuntime({ claudeApiKey: claudeKeys(A) });
  const snapshot = makeConfig({ claudeApiKey: claudeKeys(A), requestRetry: 1, maxRetryInterval: 5 });
  const r = await rt.conduct({ model: M, config: snapshot }, scripted({ [A]: [failed(429), OK] }).attempt);
  assert.equal(r.kind, "done");
  assert.deepEqual(sleeps, [1000]);
});

test("the runtime sleeps with the app clock's sleep() when it has one", async () => {
  const clock = Object.assign(fakeClock(), { slept: [] as number[] });
  const withSleep = { ...clock, sleep: async (ms: number) => void (clock.slept.push(ms), clock.advance(ms)) };
  const config = makeConfig({ claudeApiKey: claudeKeys(A), requestRetry: 1, maxRetryInterval: 5 });
  const app = {
    clock: withSleep,
    log: createLogger({ sink: () => {} }),
    config: () => config,
    kinds: PROVIDER_KINDS,
  } as unknown as App;
  const rt = createProviderRuntime(() => app);
  rt.update(config);
  assert.equal((await rt.conduct({ model: M }, scripted({ [A]: [failed(429), OK] }).attempt)).kind, "done");
  assert.deepEqual(clock.slept, [1000]);
});

test("timerSleep() resolves after the delay and rejects when the signal aborts", async () => {
  await timerSleep(1);
  const ac = new AbortController();
  const pending = timerSleep(60_000, ac.signal);
  ac.abort();
  await assert.rejects(pending, { name: "AbortError" });
});

test("a token-file credential keeps its cooldowns across a token refresh when built with its file id as identity", async () => {
  const { rt } = makeRuntime({});
  const spec = { id: "claude-me.json", provider: "claude", kind: "claude" as const, identity: "claude-me.json" };
  rt.setExtraCredentials("auth-dir", [buildCredential({ ...spec, apiKey: "sk-ant-oat-old-11111" }, false)]);
  await rt.conduct({ model: M }, async () => failed(429));
  rt.setExtraCredentials("auth-dir", [buildCredential({ ...spec, apiKey: "sk-ant-oat-new-22222" }, false)]);
  assert.equal(rt.state()[0].state, "cooling");
});

test("clearCooldowns() unblocks one credential by id and reports unknown ids", async () => {
  const { rt } = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  await rt.conduct({ model: M }, scripted({ [A]: [failed(401)], [B]: [failed(401)] }).attempt);
  assert.equal(rt.clearCooldowns("claude-api-key[1]"), true);
  assert.deepEqual(
    rt.state().map((c) => c.state),
    ["blocked", "ok"],
  );
  assert.equal(rt.clearCooldowns("nope"), false);
});
