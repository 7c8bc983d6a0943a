import { test } from "node:test";
import assert from "node:assert/strict";
import type { Decision } from "../../src/amp/decide.js";
import { RecentDecisions, RECENT_DECISIONS } from "../../src/amp/recent.js";

const d = (model: string): Decision => ({
  requestedModel: model,
  resolvedModel: model,
  routeType: "AMP_CREDITS",
  provider: "ampcode.com",
  reason: "r",
  suppressThinking: false,
});

test("RecentDecisions keeps the last RECENT_DECISIONS decisions, newest first", () => {
  const recent = new RecentDecisions();
  for (let i = 0; i < RECENT_DECISIONS + 2; i++) recent.note(d(`m${i}`), "/api/provider/anthropic/v1/messages", i);
  const list = recent.newestFirst();
  assert.equal(list.length, RECENT_DECISIONS);
  assert.equal(list[0].decision.requestedModel, `m${RECENT_DECISIONS + 1}`);
  assert.equal(list[0].at, RECENT_DECISIONS + 1);
  assert.equal(list.at(-1)?.decision.requestedModel, "m2");
  assert.equal(list[0].path, "/api/provider/anthropic/v1/messages");
  assert.deepEqual(new RecentDecisions().newestFirst(), []);
});
