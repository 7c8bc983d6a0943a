import { test } from "node:test";
import assert from "node:assert/strict";
import { planLimitUntil } from "../../src/routing/plan-limit.js";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { claudeMessage, key, post, CLIENT_KEY } from "../providers/support.js";

const NOW = 1_790_000_000_000;
const sec = (ms: number) => String(Math.floor(ms / 1000));

test("planLimitUntil() takes the latest reset of the rejected 5-hour / 7-day windows and ignores a model-only (7d_oi) limit", () => {
  const h5 = NOW + 3_600_000,
    h7 = NOW + 86_400_000;
  assert.equal(
    planLimitUntil(
      { "anthropic-ratelimit-unified-5h-status": "rejected", "anthropic-ratelimit-unified-5h-reset": sec(h5) },
      NOW,
    ),
    h5,
  );
  assert.equal(
    planLimitUntil(
      {
        "anthropic-ratelimit-unified-status": "rejected",
        "anthropic-ratelimit-unified-5h-status": "rejected",
        "anthropic-ratelimit-unified-5h-reset": sec(h5),
        "anthropic-ratelimit-unified-7d-status": "rejected",
        "anthropic-ratelimit-unified-7d-reset": new Date(h7).toISOString(),
      },
      NOW,
    ),
    h7,
  );
  assert.equal(
    planLimitUntil(
      { "anthropic-ratelimit-unified-status": "rejected", "anthropic-ratelimit-unified-reset": sec(h5) },
      NOW,
    ),
    h5,
  );
  assert.equal(
    planLimitUntil(
      {
        "anthropic-ratelimit-unified-5h-status": "allowed",
        "anthropic-ratelimit-unified-7d-status": "allowed",
        "anthropic-ratelimit-unified-7d_oi-status": "rejected",
        "anthropic-ratelimit-unified-7d_oi-reset": sec(h5),
      },
      NOW,
    ),
    undefined,
  );
  assert.equal(planLimitUntil({ "retry-after": "5" }, NOW), undefined);
  assert.equal(
    planLimitUntil(
      { "anthropic-ratelimit-unified-5h-status": "rejected", "anthropic-ratelimit-unified-5h-reset": sec(NOW - 1000) },
      NOW,
    ),
    undefined,
  );
});

test("a plan-limit 429 rests the whole credential until the reset: other models skip it too, and the status page says so", async (t) => {
  const reset = Math.floor(Date.now() / 1000) + 5 * 3600;
  const A = await startFake(t, (_r, res) =>
    sendJson(
      res,
      429,
      { type: "error", error: { type: "rate_limit_error", message: "limit" } },
      {
        "anthropic-ratelimit-unified-status": "rejected",
        "anthropic-ratelimit-unified-5h-status": "rejected",
        "anthropic-ratelimit-unified-5h-reset": String(reset),
        "retry-after": "3",
      },
    ),
  );
  const B = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    claudeApiKey: [key("ka", A.url), key("kb", B.url)],
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 3_600_000 },
  });
  const msg = (model: string) => ({ model, max_tokens: 8, messages: [{ role: "user", content: "hi" }] });
  assert.equal((await post(s.url, "/v1/messages", msg("claude-sonnet-4-5"))).status, 200);
  assert.equal((await post(s.url, "/v1/messages", msg("claude-opus-4-7"))).status, 200);
  assert.equal(A.requests.length, 1, "the second model never reached the limited credential");
  assert.equal(B.requests.length, 2);
  const a = s.app.providers.state().find((c) => c.id.startsWith("claude-api-key[0]"))!;
  assert.deepEqual(
    a.models.map((m) => [m.model, m.reason, Math.round(m.until / 1000)]),
    [["*", "plan limit", reset]],
  );
});
