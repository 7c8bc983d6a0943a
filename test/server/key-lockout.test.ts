/** The client-key lockout of src/server/auth.ts (refuseKey): per source, 429 with Retry-After, never against a valid key. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { refuseKey } from "../../src/server/auth.js";
import { HttpError } from "../../src/server/errors.js";
import { makeConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import type { App } from "../../src/server/handler.js";
import { Lockout } from "../../src/server/lockout.js";
import { fakeClock, startServer } from "../support/server.js";
import { CLIENT_KEY } from "../providers/support.js";

const MSG = { model: "claude-sonnet-4-6", max_tokens: 8, messages: [{ role: "user", content: "hi" }] };

function call(
  url: string,
  path: string,
  key: string,
  header: "authorization" | "x-api-key" | "x-goog-api-key" = "authorization",
  method = "POST",
): Promise<Response> {
  const value = header === "authorization" ? `Bearer ${key}` : key;
  return fetch(`${url}${path}`, {
    method,
    headers: { [header]: value, "content-type": "application/json" },
    body: method === "POST" ? JSON.stringify(MSG) : undefined,
  });
}

test("wrong client keys from one source get 429 with Retry-After in each dialect after api-key-lockout-failures, while a valid key is still served", async (t) => {
  const clock = fakeClock();
  const s = await startServer(
    t,
    { apiKeys: [CLIENT_KEY], apiKeyLockoutFailures: 3, apiKeyLockoutMs: 60_000 },
    { clock },
  );
  for (let i = 0; i < 3; i++) assert.equal((await call(s.url, "/v1/messages", "wrong", "x-api-key")).status, 401);
  const warn = s.logs.filter((l) => l.includes("failed client API keys"));
  assert.equal(warn.length, 1);
  assert.match(warn[0], / WARN auth: 3 failed client API keys from loopback; its wrong keys get 429 for 1m0s/);

  const anthropic = await call(s.url, "/messages", "wrong", "x-api-key");
  assert.equal(anthropic.status, 429);
  assert.equal(anthropic.headers.get("retry-after"), "60");
  assert.deepEqual(await anthropic.json(), {
    type: "error",
    error: { type: "rate_limit_error", message: "Too many failed API keys from this address; try again in 1m0s" },
  });
  const openai = await call(s.url, "/v1/chat/completions", "wrong");
  assert.equal(openai.status, 429);
  assert.equal(openai.headers.get("retry-after"), "60");
  assert.deepEqual(((await openai.json()) as { error: unknown }).error, {
    message: "Too many failed API keys from this address; try again in 1m0s",
    type: "rate_limit_error",
    param: null,
    code: "rate_limit_exceeded",
  });
  clock.advance(30_000);
  const gemini = await call(s.url, "/v1beta/models", "wrong", "x-goog-api-key", "GET");
  assert.equal(gemini.status, 429);
  assert.equal(gemini.headers.get("retry-after"), "30");
  assert.equal(((await gemini.json()) as { error: { status: string } }).error.status, "RESOURCE_EXHAUSTED");
  // A missing key from the locked-out source is refused the same way.
  assert.equal((await fetch(`${s.url}/v1/models`)).status, 429);

  // The owner's key, from the same source, during the lockout: served, by Bearer and by x-api-key.
  assert.equal((await call(s.url, "/v1/models", CLIENT_KEY, "authorization", "GET")).status, 200);
  assert.equal((await call(s.url, "/models", CLIENT_KEY, "x-api-key", "GET")).status, 200);

  clock.advance(30_000);
  assert.equal(
    (await call(s.url, "/v1/messages", "wrong", "x-api-key")).status,
    401,
    "the lockout ends after its duration",
  );
  assert.equal(s.logs.filter((l) => l.includes("failed client API keys")).length, 1, "one warning per lockout");
});

test("api-key-lockout-failures: 0 turns the lockout off, and a reload applies to the next request", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], apiKeyLockoutFailures: 0 });
  for (let i = 0; i < 12; i++)
    assert.equal((await call(s.url, "/v1/models", "wrong", "authorization", "GET")).status, 401);
  s.setConfig({ apiKeys: [CLIENT_KEY], apiKeyLockoutFailures: 1 });
  assert.equal((await call(s.url, "/v1/models", "wrong", "authorization", "GET")).status, 401);
  assert.equal((await call(s.url, "/v1/models", "wrong", "authorization", "GET")).status, 429);
});

test("refuseKey() counts each IPv4 address alone, an IPv6 peer by its /64, and every loopback address as one source", () => {
  const clock = fakeClock();
  const lines: string[] = [];
  const app = {
    clock,
    log: createLogger({ sink: (l) => lines.push(l) }),
    clientLockout: new Lockout(() => clock.now()),
  } as unknown as App;
  const config = makeConfig({ apiKeys: ["k"], apiKeyLockoutFailures: 2, apiKeyLockoutMs: 1000 });
  const status = (peer: string) => {
    try {
      refuseKey({ app, config, peer }, "Invalid API key");
    } catch (err) {
      return (err as HttpError).status;
    }
    return 0;
  };
  assert.equal(status("203.0.113.7"), 401);
  assert.equal(status("203.0.113.8"), 401);
  assert.equal(status("203.0.113.7"), 401);
  assert.equal(status("203.0.113.7"), 429);
  assert.equal(status("203.0.113.8"), 401, "another address has its own count");
  assert.equal(status("2001:db8:0:1::1"), 401);
  assert.equal(status("2001:db8:0:1:ffff::2"), 401);
  assert.equal(status("2001:db8:0:1::3"), 429, "same /64");
  assert.equal(status("2001:db8:0:2::1"), 401, "another /64");
  assert.equal(status("127.0.0.1"), 401);
  assert.equal(status("::1"), 401);
  assert.equal(status("::ffff:127.0.0.2"), 429, "all loopback is one source");
  assert.deepEqual(lines.map((l) => / from (\S+);/.exec(l)?.[1]).filter(Boolean), [
    "203.0.113.7",
    "203.0.113.8",
    "2001:db8:0:1::/64",
    "loopback",
  ]);
});
