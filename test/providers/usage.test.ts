import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCredential } from "../../src/providers/credentials.js";
import {
  usageQueueEntry,
  BUCKET_MS,
  BUCKETS,
  emptyUsage,
  FAILURE_EXCERPT_BYTES,
  hashClientKey,
  mergeUsage,
  parseUsage,
  QUEUE_MAX,
  QUEUE_RETENTION_MS,
  UsageStats,
} from "../../src/providers/usage.js";
import { fakeClock } from "../routing/fixture.js";

const cred = buildCredential(
  { id: "claude-api-key[0]", provider: "claude", kind: "claude", apiKey: "sk-ant-111111111111" },
  false,
);

function stats(enabled = true) {
  const clock = fakeClock(BUCKET_MS * 1000);
  const u = new UsageStats(clock.now);
  u.setEnabled(enabled);
  return { u, clock };
}

test("parseUsage() reads OpenAI Chat usage with cached and reasoning details", () => {
  const u = parseUsage("openai", {
    usage: {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 3 },
      completion_tokens_details: { reasoning_tokens: 2 },
    },
  });
  assert.deepEqual(u, {
    ...emptyUsage(),
    inputTokens: 10,
    outputTokens: 5,
    totalTokens: 15,
    cachedTokens: 3,
    cacheReadTokens: 3,
    reasoningTokens: 2,
  });
});

test("parseUsage() reads Responses usage from response.completed events", () => {
  const u = parseUsage("responses", {
    type: "response.completed",
    response: {
      usage: {
        input_tokens: 7,
        output_tokens: 4,
        input_tokens_details: { cached_tokens: 1 },
        output_tokens_details: { reasoning_tokens: 2 },
      },
    },
  });
  assert.deepEqual(u, {
    ...emptyUsage(),
    inputTokens: 7,
    outputTokens: 4,
    totalTokens: 11,
    cachedTokens: 1,
    cacheReadTokens: 1,
    reasoningTokens: 2,
  });
});

test("parseUsage() reads Claude usage, including message_start events, keeping the cache split", () => {
  const u = parseUsage("claude", {
    usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 6 },
  });
  assert.deepEqual(u, {
    ...emptyUsage(),
    inputTokens: 10,
    outputTokens: 5,
    totalTokens: 15,
    cachedTokens: 4,
    cacheReadTokens: 4,
    cacheCreationTokens: 6,
  });
  assert.equal(
    parseUsage("claude", { type: "message_start", message: { usage: { input_tokens: 9, output_tokens: 1 } } })
      ?.inputTokens,
    9,
  );
});

test("parseUsage() reads Gemini usageMetadata, usage_metadata and a Gemini CLI response wrapper", () => {
  const meta = {
    promptTokenCount: 8,
    candidatesTokenCount: 3,
    thoughtsTokenCount: 2,
    cachedContentTokenCount: 1,
    totalTokenCount: 13,
  };
  const want = {
    ...emptyUsage(),
    inputTokens: 8,
    outputTokens: 3,
    reasoningTokens: 2,
    cachedTokens: 1,
    cacheReadTokens: 1,
    totalTokens: 13,
  };
  assert.deepEqual(parseUsage("gemini", { usageMetadata: meta }), want);
  assert.deepEqual(parseUsage("gemini", { usage_metadata: meta }), want);
  assert.deepEqual(parseUsage("gemini", { response: { usageMetadata: meta } }), want);
  assert.equal(
    parseUsage("gemini", { usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1 } })?.totalTokens,
    3,
  );
});

test("parseUsage() returns undefined when a chunk carries no usage", () => {
  assert.equal(parseUsage("openai", { choices: [] }), undefined);
  assert.equal(parseUsage("gemini", { candidates: [] }), undefined);
  assert.equal(parseUsage("claude", null), undefined);
  assert.equal(parseUsage("openai", [1]), undefined);
});

test("mergeUsage() keeps the larger count of each field across a Claude stream", () => {
  const start = parseUsage("claude", { message: { usage: { input_tokens: 10, output_tokens: 1 } } });
  const delta = parseUsage("claude", { usage: { output_tokens: 5 } });
  assert.deepEqual(mergeUsage(start, delta), { ...emptyUsage(), inputTokens: 10, outputTokens: 5, totalTokens: 15 });
  assert.equal(mergeUsage(undefined, delta), delta);
  assert.equal(mergeUsage(start, undefined), start);
});

test("providers §7.28 usage: a Claude answer with 10 input and 5 output tokens yields a queued record without the raw client key", () => {
  const { u } = stats();
  const tokens = parseUsage("claude", { usage: { input_tokens: 10, output_tokens: 5 } });
  u.record({
    credential: cred,
    model: "claude-sonnet-4-5",
    alias: "sonnet",
    clientKey: "sk-client",
    endpoint: "anthropic-messages",
    failed: false,
    tokens,
    latencyMs: 12,
  });
  const [rec] = u.drain(5);
  assert.equal(rec.tokens.inputTokens, 10);
  assert.equal(rec.tokens.outputTokens, 5);
  assert.equal(rec.failed, false);
  assert.equal(rec.status, 200);
  assert.equal(rec.clientKeyHash, hashClientKey("sk-client"));
  assert.match(rec.clientKeyHash, /^[0-9a-f]{12}$/);
  assert.ok(!JSON.stringify(rec).includes("sk-client"));
  assert.ok(!JSON.stringify(rec).includes(cred.apiKey));
  assert.deepEqual(
    [rec.provider, rec.executorType, rec.model, rec.alias, rec.endpoint, rec.latencyMs],
    ["claude", "claude", "claude-sonnet-4-5", "sonnet", "anthropic-messages", 12],
  );
  assert.deepEqual(u.drain(5), [], "drain pops");
  const json = usageQueueEntry(rec);
  assert.deepEqual(json.tokens, {
    input_tokens: 10,
    output_tokens: 5,
    reasoning_tokens: 0,
    cached_tokens: 0,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    total_tokens: 15,
  });
  assert.deepEqual(
    [json.failed, json.fail, json.auth_type, json.source, json.api_key],
    [false, undefined, "apikey", cred.label, rec.clientKeyHash],
  );
  assert.equal(json.timestamp, new Date(rec.timestamp).toISOString());
});

test("UsageStats keeps nothing while disabled", () => {
  const { u } = stats(false);
  u.record({ credential: cred, model: "m", failed: false });
  assert.equal(u.enabled, false);
  assert.deepEqual(u.drain(1), []);
  assert.deepEqual(u.counts(cred.id), { success: 0, failed: 0 });
  assert.deepEqual(u.snapshot().credentials, []);
});

test("UsageStats totals per credential and model, caps failure excerpts at 1 KiB and buckets recent activity", () => {
  const { u, clock } = stats();
  u.record({ credential: cred, model: "a", failed: false, tokens: { inputTokens: 3, outputTokens: 2 } });
  u.record({ credential: cred, model: "a", failed: true, status: 500, body: "x".repeat(5000) });
  assert.equal(u.drain(10)[1].body.length, FAILURE_EXCERPT_BYTES);
  clock.advance(BUCKET_MS);
  u.record({
    credential: cred,
    model: "b",
    failed: false,
    tokens: { inputTokens: 1, outputTokens: 1, totalTokens: 9 },
  });
  assert.deepEqual(u.counts(cred.id), { success: 2, failed: 1 });
  const snap = u.snapshot();
  assert.equal(snap.enabled, true);
  assert.deepEqual([snap.totals.requests, snap.totals.failures, snap.totals.tokens.totalTokens], [3, 1, 14]);
  const [c] = snap.credentials;
  assert.deepEqual([c.id, c.label, c.requests], [cred.id, cred.label, 3]);
  assert.deepEqual(Object.keys(c.models), ["a", "b"]);
  assert.equal(c.models.a.tokens.inputTokens, 3);
  assert.equal(c.recent.length, BUCKETS);
  assert.deepEqual(
    c.recent.slice(-2).map((b) => [b.success, b.failed]),
    [
      [1, 1],
      [1, 0],
    ],
  );
});

test("UsageStats drops queued records after the retention window and bounds the queue", () => {
  const { u, clock } = stats();
  u.record({ credential: cred, model: "old", failed: false });
  clock.advance(QUEUE_RETENTION_MS);
  u.record({ credential: cred, model: "new", failed: false });
  assert.deepEqual(
    u.drain(10).map((r) => r.model),
    ["new"],
  );
  for (let i = 0; i < QUEUE_MAX + 5; i++) u.record({ credential: cred, model: `m${i}`, failed: false });
  const all = u.drain(QUEUE_MAX + 10);
  assert.equal(all.length, QUEUE_MAX);
  assert.equal(all[0].model, "m5");
  assert.deepEqual(u.drain(-1), []);
});

test("usageQueueEntry() carries the failure status and excerpt, and marks token-file credentials as oauth", () => {
  const { u } = stats();
  const token = buildCredential(
    { id: "claude-me.json", provider: "claude", kind: "claude", apiKey: "sk-ant-oat-111111", label: "me@example.com" },
    false,
  );
  u.record({ credential: token, model: "m", failed: true, status: 429, body: "slow" });
  const json = usageQueueEntry(u.drain(1)[0]);
  assert.deepEqual(
    [json.failed, json.fail, json.auth_type, json.source],
    [true, { status_code: 429, body: "slow" }, "oauth", "me@example.com"],
  );
});
