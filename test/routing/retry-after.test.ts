import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatGoDuration,
  parseGoDuration,
  retryAfterFromBody,
  retryAfterFromHeader,
  retryAfterMs,
} from "../../src/routing/retry-after.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");

function google(details: unknown[], message = "quota"): string {
  return JSON.stringify({ error: { code: 429, message, status: "RESOURCE_EXHAUSTED", details } });
}

test("parseGoDuration() reads seconds with fractions, compound and sub-second units", () => {
  assert.equal(parseGoDuration("0.847655010s"), 848);
  assert.equal(parseGoDuration("1h2m3s"), 3_723_000);
  assert.equal(parseGoDuration("373.801628ms"), 374);
  assert.equal(parseGoDuration("5s"), 5000);
  assert.equal(parseGoDuration("1500us"), 2);
  assert.equal(parseGoDuration("soon"), undefined);
  assert.equal(parseGoDuration(""), undefined);
});

test("formatGoDuration() rounds up to whole seconds in Go's style", () => {
  assert.equal(formatGoDuration(150_000), "2m30s");
  assert.equal(formatGoDuration(1), "1s");
  assert.equal(formatGoDuration(0), "0s");
  assert.equal(formatGoDuration(3_600_000), "1h0m0s");
});

test("retryAfterFromBody() prefers RetryInfo.retryDelay over ErrorInfo and the message", () => {
  const body = google(
    [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", metadata: { quotaResetDelay: "9s" } },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2s" },
    ],
    "Please retry after 7s.",
  );
  assert.equal(retryAfterFromBody(body, NOW), 2000);
});

test("retryAfterFromBody() falls back to ErrorInfo quotaResetDelay, then 'after Ns' in the message", () => {
  assert.equal(
    retryAfterFromBody(
      google([{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", metadata: { quotaResetDelay: "373.8ms" } }]),
      NOW,
    ),
    374,
  );
  assert.equal(retryAfterFromBody(google([], "Resource exhausted, please retry after 7s."), NOW), 7000);
  assert.equal(retryAfterFromBody(google([], "Quota will reset after 1h2m3s."), NOW), 3_723_000);
  assert.equal(retryAfterFromBody(google([], "no hint"), NOW), undefined);
});

test("retryAfterFromBody() reads a Gemini stream's array-wrapped error", () => {
  const body = JSON.stringify([
    { error: { code: 429, details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "3s" }] } },
  ]);
  assert.equal(retryAfterFromBody(body, NOW), 3000);
});

test("retryAfterFromBody() reads Codex usage_limit_reached resets_in_seconds, then resets_at", () => {
  assert.equal(
    retryAfterFromBody(JSON.stringify({ error: { type: "usage_limit_reached", resets_in_seconds: 90 } }), NOW),
    90_000,
  );
  const at = NOW / 1000 + 120;
  assert.equal(
    retryAfterFromBody(JSON.stringify({ error: { type: "usage_limit_reached", resets_at: at } }), NOW),
    120_000,
  );
  assert.equal(
    retryAfterFromBody(JSON.stringify({ error: { type: "usage_limit_reached", resets_at: NOW / 1000 - 5 } }), NOW),
    undefined,
  );
  assert.equal(
    retryAfterFromBody(JSON.stringify({ error: { type: "rate_limit", resets_in_seconds: 90 } }), NOW),
    undefined,
  );
});

test("retryAfterFromBody() ignores bodies that are not JSON error objects", () => {
  assert.equal(retryAfterFromBody("<html>busy</html>", NOW), undefined);
  assert.equal(retryAfterFromBody('{"message":"x"}', NOW), undefined);
});

test("retryAfterFromHeader() reads integer seconds and HTTP dates", () => {
  assert.equal(retryAfterFromHeader("3", NOW), 3000);
  assert.equal(retryAfterFromHeader(new Date(NOW + 10_000).toUTCString(), NOW), 10_000);
  assert.equal(retryAfterFromHeader(new Date(NOW - 10_000).toUTCString(), NOW), 0);
  assert.equal(retryAfterFromHeader("later", NOW), undefined);
  assert.equal(retryAfterFromHeader(undefined, NOW), undefined);
});

test("retryAfterMs() lets the body win over the header, and reads the header only on 429 and 503", () => {
  const body = google([{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "5s" }]);
  assert.equal(retryAfterMs(429, body, { "retry-after": "30" }, NOW), 5000);
  assert.equal(retryAfterMs(429, "{}", { "Retry-After": "30" }, NOW), 30_000);
  assert.equal(retryAfterMs(503, "{}", { "retry-after": "4" }, NOW), 4000);
  assert.equal(retryAfterMs(500, body, { "retry-after": "4" }, NOW), undefined);
});
