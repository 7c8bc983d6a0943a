import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../src/log/log.js";
import { LogRing, tapRing } from "../../src/log/ring.js";

test("LogRing keeps the last `capacity` lines oldest first and clear() empties it", () => {
  const r = new LogRing(3);
  for (const l of ["a", "b", "c", "d", "e"]) r.push(l);
  assert.deepEqual(r.lines(), ["c", "d", "e"]);
  assert.equal(r.clear(), 3);
  assert.deepEqual(r.lines(), []);
  r.push("f");
  assert.deepEqual(r.lines(), ["f"]);
});

test("tapRing() taps a logger and sees its redacted lines whatever the sink", () => {
  const sunk: string[] = [];
  const log = createLogger({ sink: (l) => sunk.push(l) });
  log.secrets.set(["very-secret-value"]);
  const ring = tapRing(log);
  assert.ok(ring);
  log.setSink(() => undefined);
  log.info("key very-secret-value used");
  log.debug("below the level");
  assert.equal(ring.lines().length, 1);
  assert.match(ring.lines()[0], /key \[REDACTED\] used/);
  assert.equal(tapRing({ ...log, tap: undefined }), undefined);
});
