import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../src/log/log.js";
import { makeConfig } from "../../src/config/schema.js";
import { createApp } from "../../src/app/app.js";

test("createApp() holds its logger's ring on the App: two apps on one logger each keep their own", () => {
  const log = createLogger({ sink: () => undefined });
  const a = createApp({ config: makeConfig(), log });
  const b = createApp({ config: makeConfig(), log });
  log.info("one line");
  assert.notEqual(a.logRing, b.logRing);
  assert.equal(a.logRing?.lines().filter((l) => l.includes("one line")).length, 1);
  b.logRing?.clear();
  assert.equal(a.logRing?.lines().filter((l) => l.includes("one line")).length, 1);
});

test("createApp() gives each App its own Amp decision list, on app.amp, not on the shared logger", () => {
  const log = createLogger({ sink: () => undefined });
  const a = createApp({ config: makeConfig(), log });
  const b = createApp({ config: makeConfig(), log });
  const d = {
    requestedModel: "m",
    resolvedModel: "m",
    routeType: "AMP_CREDITS",
    provider: "ampcode.com",
    reason: "r",
    suppressThinking: false,
  } as const;
  a.amp.recent.note(d, "/p", 1);
  assert.equal(a.amp.recent.newestFirst().length, 1);
  assert.deepEqual(b.amp.recent.newestFirst(), []);
});
