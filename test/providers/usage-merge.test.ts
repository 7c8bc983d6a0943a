import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeSnapshots } from "../../src/providers/usage-merge.js";
import { emptyUsage, type CredentialUsage, type UsageSnapshot } from "../../src/providers/usage.js";

function cred(id: string, requests: number, failures: number, models: Record<string, number>): CredentialUsage {
  const tokens = { ...emptyUsage(), inputTokens: requests * 10, totalTokens: requests * 10 };
  return {
    id,
    provider: "claude",
    label: id,
    authIndex: id,
    baseUrl: "",
    requests,
    failures,
    tokens,
    models: Object.fromEntries(
      Object.entries(models).map(([m, n]) => [m, { requests: n, failures: 0, tokens: emptyUsage() }]),
    ),
    recent: [
      { start: 0, success: requests - failures, failed: failures },
      { start: 600_000, success: 1, failed: 0 },
    ],
  };
}

function snap(enabled: boolean, credentials: CredentialUsage[]): UsageSnapshot {
  const totals = { requests: 0, failures: 0, tokens: emptyUsage() };
  for (const c of credentials) {
    totals.requests += c.requests;
    totals.failures += c.failures;
    totals.tokens.inputTokens += c.tokens.inputTokens;
    totals.tokens.totalTokens += c.tokens.totalTokens;
  }
  return { enabled, totals, credentials };
}

test("mergeSnapshots() sums totals, credentials, models and recent buckets of several workers", () => {
  const a = snap(true, [cred("b-key", 3, 1, { m1: 3 }), cred("a-key", 1, 0, { m1: 1 })]);
  const b = snap(false, [cred("b-key", 2, 0, { m1: 1, m2: 1 })]);
  const merged = mergeSnapshots([a, b]);
  assert.equal(merged.enabled, true);
  assert.deepEqual([merged.totals.requests, merged.totals.failures, merged.totals.tokens.totalTokens], [6, 1, 60]);
  assert.deepEqual(
    merged.credentials.map((c) => c.id),
    ["a-key", "b-key"],
  );
  const bKey = merged.credentials[1];
  assert.deepEqual([bKey.requests, bKey.failures, bKey.tokens.inputTokens], [5, 1, 50]);
  assert.deepEqual(Object.fromEntries(Object.entries(bKey.models).map(([m, t]) => [m, t.requests])), { m1: 4, m2: 1 });
  assert.deepEqual(bKey.recent, [
    { start: 0, success: 4, failed: 1 },
    { start: 600_000, success: 2, failed: 0 },
  ]);
  assert.equal(a.credentials[0].requests, 3, "the inputs are left as they were");
});
