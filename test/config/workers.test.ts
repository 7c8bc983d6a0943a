import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_WORKERS, parseWorkers } from "../../src/config/workers.js";
import { keepRestartOnly } from "../../src/config/diff.js";
import { load, problems } from "../support/config.js";

test("parseWorkers() takes 1 to 64, as a number or text, and auto as the core count (capped)", () => {
  assert.equal(parseWorkers(1), 1);
  assert.equal(parseWorkers("8"), 8);
  assert.equal(parseWorkers(MAX_WORKERS), 64);
  assert.equal(parseWorkers("auto", 6), 6);
  assert.equal(parseWorkers(" AUTO ", 200), MAX_WORKERS);
  for (const bad of [0, 65, 1.5, -2, "two", "", null, true])
    assert.match(String(parseWorkers(bad)), /^expected an integer from 1 to 64, or "auto"/);
});

test("workers: defaults to 1, reads a count or auto, and names the key of a bad value", () => {
  assert.equal(load("").config.workers, 1);
  assert.equal(load("workers: 3").config.workers, 3);
  assert.ok(load("workers: auto").config.workers >= 1);
  assert.deepEqual(problems("workers: 0"), [
    'workers at line 1, column 10: expected an integer from 1 to 64, or "auto" (one per core), got 0',
  ]);
});

test("a reload that changes workers keeps the running count and says it needs a restart", () => {
  const running = load("workers: 2").config;
  const { config, needsRestart } = keepRestartOnly(running, load("workers: 4").config);
  assert.equal(config.workers, 2);
  assert.deepEqual(needsRestart, ["workers"]);
});
