import { test } from "node:test";
import assert from "node:assert/strict";
import { usageAggregate } from "../../src/management/usage.js";
import { withTraffic } from "./traffic.js";

test("api-key-usage groups success and failure counts by provider and base_url|api_key with 20 ten-minute buckets", async (t) => {
  const m = await withTraffic(t);
  assert.equal(await m.send("claude-sonnet-4-5"), 200);
  assert.equal(await m.send("claude-sonnet-4-5"), 200);
  const usage = (await m.call("GET", "/api-key-usage")).json;
  const entry = usage.claude[`${m.F.url}|sk-ant-fake-000001`];
  assert.equal(entry.success, 2);
  assert.equal(entry.failed, 0);
  assert.equal(entry.recent_requests.length, 20);
  assert.match(entry.recent_requests[19].time, /^\d\d:\d\d-\d\d:\d\d$/);
  assert.equal(entry.recent_requests[19].success, 2);
});

test("usage-queue pops records in upstream's shape; count defaults to 1 and must be a positive integer", async (t) => {
  const m = await withTraffic(t);
  await m.send("claude-sonnet-4-5");
  await m.send("claude-sonnet-4-5");
  const first = (await m.call("GET", "/usage-queue")).json;
  assert.equal(first.length, 1);
  assert.equal(first[0].provider, "claude");
  assert.equal(first[0].model, "claude-sonnet-4-5");
  assert.equal(first[0].tokens.input_tokens, 1);
  assert.match(first[0].auth_index, /^[0-9a-f]{16}$/);
  assert.notEqual(first[0].api_key, "ck-1", "client keys appear only hashed");
  assert.equal((await m.call("GET", "/usage-queue?count=10")).json.length, 1);
  assert.deepEqual((await m.call("GET", "/usage-queue?count=10")).json, []);
  for (const bad of ["0", "-2", "x", "1.5"]) {
    assert.deepEqual(
      await m.call("GET", `/usage-queue?count=${bad}`).then((r) => [r.status, r.json]),
      [400, { error: "count must be a positive integer" }],
      bad,
    );
  }
});

test("GET /usage answers the older aggregate shape from the same totals", async (t) => {
  const m = await withTraffic(t);
  await m.send("claude-sonnet-4-5");
  const body = (await m.call("GET", "/usage")).json;
  assert.equal(body.usage.total_requests, 1);
  assert.equal(body.usage.success_count, 1);
  assert.equal(body.failed_requests, 0);
  assert.equal(body.usage.total_tokens, 2);
  assert.deepEqual(
    Object.values(body.usage.apis).map((a: any) => a.models["claude-sonnet-4-5"].total_requests),
    [1],
  );
  assert.deepEqual(
    usageAggregate({
      enabled: false,
      totals: {
        requests: 0,
        failures: 0,
        tokens: {
          inputTokens: 0,
          outputTokens: 0,
          cachedTokens: 0,
          reasoningTokens: 0,
          totalTokens: 0,
          cacheReadTokens: 0,
          cacheCreationTokens: 0,
        },
      },
      credentials: [],
    }).failed_requests,
    0,
  );
});
