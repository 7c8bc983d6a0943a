/** CooldownBook's observer and restore(): the seam the PostgreSQL store uses to share cooldowns between replicas. */
import test from "node:test";
import assert from "node:assert/strict";
import { CooldownBook, type CooldownState } from "../../src/routing/cooldown.js";

test("the observer hears blocks set, cleared by a success or clear(), but not successes with nothing to clear nor restore()", () => {
  const book = new CooldownBook();
  const heard: Array<[string, string, CooldownState | undefined]> = [];
  book.observer = (k, m, s) => heard.push([k, m, s]);
  book.succeed("k", "m");
  assert.deepEqual(heard, []);
  const block = book.fail("k", "m", 429, "", 60_000, 1000)!;
  assert.deepEqual(heard, [["k", "m", { block, level: 0 }]]);
  book.fail("k", "n", 400, "bad request", undefined, 1000); // not a blocking failure
  assert.equal(heard.length, 1);
  book.succeed("k", "m");
  assert.deepEqual(heard[1], ["k", "m", undefined]);
  book.fail("k", "a", 429, "", undefined, 1000);
  book.fail("k", "b", 429, "", undefined, 1000);
  heard.length = 0;
  book.clear("k");
  assert.deepEqual(
    heard
      .slice()
      .map((h) => [h[1], h[2]])
      .sort(),
    [
      ["a", undefined],
      ["b", undefined],
      ["n", undefined],
    ],
  );
  heard.length = 0;
  book.restore("x", "m", {
    block: { until: 5000, quota: true, status: 429, reason: "rate limited", message: "slow down", at: 1000 },
    level: 2,
  });
  assert.deepEqual(heard, []);
  assert.equal(book.get("x", "m", 4000)?.status, 429);
  assert.equal(book.fail("x", "m", 429, "", undefined, 4000)!.until, 4000 + 4000, "the shared backoff level continues");
  book.restore("x", "m", undefined);
  assert.equal(book.get("x", "m", 4000), undefined);
  book.restore("y", "m", undefined);
});
