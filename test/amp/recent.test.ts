import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../src/log/log.js";
import { logDecision, type Decision } from "../../src/amp/decide.js";
import { recentDecisions, RECENT_DECISIONS } from "../../src/amp/recent.js";

const d = (model: string): Decision => ({
  requestedModel: model,
  resolvedModel: model,
  routeType: "AMP_CREDITS",
  provider: "ampcode.com",
  reason: "r",
  suppressThinking: false,
});

test("logDecision() remembers the last RECENT_DECISIONS decisions per logger, newest first", () => {
  const log = createLogger({ sink: () => undefined });
  for (let i = 0; i < RECENT_DECISIONS + 2; i++) logDecision(log, d(`m${i}`), "/api/provider/anthropic/v1/messages");
  const list = recentDecisions(log);
  assert.equal(list.length, RECENT_DECISIONS);
  assert.equal(list[0].decision.requestedModel, `m${RECENT_DECISIONS + 1}`);
  assert.equal(list.at(-1)!.decision.requestedModel, "m2");
  assert.equal(list[0].path, "/api/provider/anthropic/v1/messages");
  assert.deepEqual(recentDecisions(createLogger({ sink: () => undefined })), []);
});
