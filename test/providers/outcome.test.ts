/** providers/outcome.ts: what an attempt throws becomes a typed outcome, so routing imports no error class. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HttpError } from "../../src/server/errors.js";
import { UpstreamError } from "../../src/proxy/forward.js";
import { TokenUnavailableError } from "../../src/oauth/refresh.js";
import { settled, thrownOutcome } from "../../src/providers/outcome.js";
import { cred } from "./support.js";

const C = cred("claude", { baseUrl: "http://127.0.0.1:9" });

test("thrownOutcome() types transport errors, timeouts, token failures and upstream 5xx; leaves client errors and bugs alone", () => {
  const refused = new UpstreamError("unreachable", "127.0.0.1:9", "x", {
    cause: Object.assign(new Error("r"), { code: "ECONNREFUSED" }),
  });
  assert.deepEqual(thrownOutcome(refused, C), {
    kind: "failed",
    status: 502,
    body: "",
    headers: {},
    retryable: true,
    transport: 'Upstream request to "127.0.0.1:9" failed: ECONNREFUSED',
  });
  const slow = new UpstreamError("timeout", "127.0.0.1:9", "Upstream timed out; raise x");
  const late = thrownOutcome(slow, C);
  assert.equal(late?.kind === "failed" && late.status, 504);
  const timer = Object.assign(new Error("aborted"), { name: "TimeoutError" });
  assert.deepEqual(thrownOutcome(timer, C), {
    kind: "failed",
    status: 504,
    body: "",
    headers: {},
    retryable: true,
    transport: 'Upstream request to "127.0.0.1:9" failed: timed out',
  });
  assert.deepEqual(thrownOutcome(new TokenUnavailableError(503, "busy", 5_000), C), {
    kind: "unavailable",
    status: 503,
    message: "busy",
    retryAfterMs: 5_000,
  });
  assert.equal(thrownOutcome(new HttpError(502, "api_error", "unreadable"), C)?.kind, "failed");
  assert.equal(thrownOutcome(new HttpError(400, "invalid_request_error", "bad"), C), undefined);
  assert.equal(thrownOutcome(new TypeError("bug"), C), undefined);
});

test("settled() rethrows once the client went away or bytes were sent, whatever the error", async () => {
  const refused = new UpstreamError("unreachable", "h", "x");
  const throwing = async () => {
    throw refused;
  };
  assert.equal((await settled(throwing, {})(C, "m")).kind, "failed");
  await assert.rejects(settled(throwing, { committed: () => true })(C, "m"), refused);
  await assert.rejects(settled(throwing, { signal: AbortSignal.abort() })(C, "m"), refused);
});

test("routing (providers/conduct.ts, routing/) imports nothing from oauth, proxy or server: no error class to catch", () => {
  const src = join(import.meta.dirname, "..", "..", "src");
  const files = [
    join(src, "providers", "conduct.ts"),
    ...readdirSync(join(src, "routing")).map((f) => join(src, "routing", f)),
  ];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+["']\.\.\/(oauth|proxy|server)\//g))
      assert.fail(`${file} imports {${m[2].trim()}} from ${m[3]}/`);
  }
});
