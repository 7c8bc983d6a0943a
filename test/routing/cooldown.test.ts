import { test } from "node:test";
import assert from "node:assert/strict";
import { blockFor, classifyFailure, CooldownBook, isCloudflareChallenge } from "../../src/routing/cooldown.js";

test("classifyFailure() treats invalid_request_error, INVALID_ARGUMENT and FAILED_PRECONDITION 400s as request errors", () => {
  assert.equal(classifyFailure(400, '{"error":{"type":"invalid_request_error"}}'), "request");
  assert.equal(classifyFailure(400, '{"error":{"status":"INVALID_ARGUMENT"}}'), "request");
  assert.equal(classifyFailure(400, '{"error":{"status":"FAILED_PRECONDITION"}}'), "request");
  assert.equal(classifyFailure(400, '{"error":"something else"}'), "credential");
});

test("classifyFailure() treats every 422, the store=false 404 and a 500 with status UNKNOWN as request errors", () => {
  assert.equal(classifyFailure(422, "{}"), "request");
  assert.equal(
    classifyFailure(404, "Item with id 'rs_1' not found. Items are not persisted when `store` is set to false."),
    "request",
  );
  assert.equal(classifyFailure(404, '{"error":"model not found"}'), "credential");
  assert.equal(classifyFailure(500, '{"error":{"status": "UNKNOWN"}}'), "request");
  assert.equal(classifyFailure(500, '{"error":{"status":"INTERNAL"}}'), "credential");
});

test("classifyFailure() makes 400/422 'model not supported' bodies model-support errors, not request errors", () => {
  assert.equal(
    classifyFailure(400, '{"error":{"type":"invalid_request_error","message":"The requested model is not supported"}}'),
    "model-support",
  );
  assert.equal(classifyFailure(422, "This model is not available for your plan"), "model-support");
  assert.equal(classifyFailure(429, "model not supported"), "credential");
});

test("blockFor() follows the cooldown table of providers §5.3", () => {
  const ms = (status: number, body = "{}", retry?: number, level = 0) => blockFor(status, body, retry, level)?.ms;
  assert.equal(ms(429, "{}", 2500), 2500);
  assert.deepEqual(
    [0, 1, 2, 3].map((l) => ms(429, "{}", undefined, l)),
    [1000, 2000, 4000, 8000],
  );
  assert.equal(ms(429, "{}", undefined, 40), 30 * 60_000);
  for (const s of [401, 402, 403]) assert.equal(ms(s), 30 * 60_000);
  assert.equal(ms(404), 12 * 3_600_000);
  assert.equal(ms(400, "model_not_supported"), 12 * 3_600_000);
  for (const s of [408, 500, 502, 503, 504]) assert.equal(ms(s), 60_000);
  assert.equal(ms(503, "{}", 5000), 5000, "a 503 with Retry-After waits exactly that long");
  assert.equal(ms(500, "{}", 5000), 60_000);
  for (const s of [400, 409, 418, 501]) assert.equal(blockFor(s, "{}", undefined, 0), undefined);
  assert.equal(blockFor(429, "{}", undefined, 0)?.quota, true);
  assert.equal(blockFor(500, "{}", undefined, 0)?.quota, false);
});

test("blockFor() treats a Cloudflare challenge as a quota block of at least 10 s, growing like 429", () => {
  const page = "<html><head><title>Just a moment...</title></head><body>cf-chl</body></html>";
  assert.equal(isCloudflareChallenge(403, page), true);
  assert.equal(isCloudflareChallenge(200, page), false);
  assert.deepEqual(blockFor(403, page, undefined, 0), {
    ms: 10_000,
    quota: true,
    reason: "cloudflare challenge",
    nextLevel: 1,
  });
  assert.equal(blockFor(503, page, undefined, 5)?.ms, 32_000);
});

test("CooldownBook blocks per credential per model and doubles the 429 backoff until a success resets it", () => {
  const book = new CooldownBook();
  const t = 1_000_000;
  assert.equal(book.fail("a", "m1", 429, "{}", undefined, t)?.until, t + 1000);
  assert.equal(book.get("a", "m2", t), undefined, "another model stays usable");
  assert.equal(book.get("b", "m1", t), undefined, "another credential stays usable");
  assert.equal(book.get("a", "m1", t + 999)?.status, 429);
  assert.equal(book.get("a", "m1", t + 1000), undefined, "the block ends");
  assert.equal(book.fail("a", "m1", 429, "{}", undefined, t)?.until, t + 2000);
  assert.equal(book.fail("a", "m1", 429, "{}", 500, t)?.until, t + 500, "a retry-after is exact");
  assert.equal(book.fail("a", "m1", 429, "{}", undefined, t)?.until, t + 4000, "and leaves the level alone");
  book.succeed("a", "m1");
  assert.equal(book.get("a", "m1", t), undefined);
  assert.equal(book.fail("a", "m1", 429, "{}", undefined, t)?.until, t + 1000);
  assert.equal(book.fail("a", "m1", 418, "{}", undefined, t), undefined);
});

test("CooldownBook.blocks() lists active blocks by model; retain() forgets removed credentials", () => {
  const book = new CooldownBook();
  book.fail("a", "m2", 401, "{}", undefined, 0);
  book.fail("a", "m1", 500, "{}", undefined, 0);
  book.fail("b", "m1", 500, "{}", undefined, 0);
  assert.deepEqual(
    book.blocks("a", 1).map(([m, b]) => [m, b.status, b.reason]),
    [
      ["m1", 500, "upstream error"],
      ["m2", 401, "unauthorized"],
    ],
  );
  assert.deepEqual(
    book.blocks("a", 60_000).map(([m]) => m),
    ["m2"],
  );
  book.retain(new Set(["b"]));
  assert.deepEqual(book.blocks("a", 1), []);
  assert.equal(book.blocks("b", 1).length, 1);
});
