import { test } from "node:test";
import assert from "node:assert/strict";
import { normaliseStrategy, Picker, topPriorityGroup } from "../../src/routing/pick.js";

const c = (id: string, priority = 0) => ({ id, priority });

test("normaliseStrategy() accepts fill-first, fillfirst and ff; anything else is round-robin", () => {
  for (const v of ["fill-first", "FillFirst", " ff "]) assert.equal(normaliseStrategy(v), "fill-first");
  for (const v of ["round-robin", "random", ""]) assert.equal(normaliseStrategy(v), "round-robin");
});

test("topPriorityGroup() keeps only the highest priority, in the given order", () => {
  assert.deepEqual(
    topPriorityGroup([c("a", 0), c("b", 5), c("c", -1), c("d", 5)]).map((x) => x.id),
    ["b", "d"],
  );
  assert.deepEqual(topPriorityGroup([]), []);
});

test("Picker.pick() round-robins per key, independently for each key", () => {
  const p = new Picker();
  const group = [c("a"), c("b"), c("c")];
  const seq = [1, 2, 3, 4].map(() => p.pick("round-robin", "claude:m1", group)!.id);
  assert.deepEqual(seq, ["a", "b", "c", "a"]);
  assert.equal(p.pick("round-robin", "claude:m2", group)!.id, "a");
});

test("Picker.pick() with fill-first always takes the first of the top group", () => {
  const p = new Picker();
  assert.equal(p.pick("fill-first", "k", [c("a", 0), c("b", 1), c("c", 1)])!.id, "b");
  assert.equal(p.pick("fill-first", "k", [c("a", 0), c("b", 1), c("c", 1)])!.id, "b");
});

test("Picker.pick() returns undefined when nothing is available, and reset() restarts the cursors", () => {
  const p = new Picker();
  assert.equal(p.pick("round-robin", "k", []), undefined);
  p.pick("round-robin", "k", [c("a"), c("b")]);
  p.reset();
  assert.equal(p.pick("round-robin", "k", [c("a"), c("b")])!.id, "a");
});
