import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { checkApiKey, matchKey } from "../../src/server/auth.js";
import { makeConfig } from "../../src/config/schema.js";

const req = (headers: Record<string, string> = {}) => ({ headers }) as unknown as IncomingMessage;
const url = new URL("http://x/v1/models");

test("checkApiKey() with no api-keys lets loopback peers through and refuses remote ones", () => {
  const config = makeConfig({ apiKeys: [] });
  assert.deepEqual(checkApiKey(req(), { config, url, peer: "127.0.0.1" }), { ok: true });
  assert.deepEqual(checkApiKey(req(), { config, url, peer: "::ffff:127.0.0.1" }), { ok: true });
  assert.deepEqual(checkApiKey(req(), { config, url, peer: "10.1.2.3" }), { ok: false, message: "Missing API key" });
});

test("checkApiKey() with no api-keys refuses a loopback peer that relays for someone else (a local reverse proxy or tunnel)", () => {
  const config = makeConfig({ apiKeys: [] });
  for (const h of ["x-forwarded-for", "forwarded", "x-real-ip", "cf-connecting-ip", "true-client-ip"]) {
    assert.deepEqual(
      checkApiKey(req({ [h]: "203.0.113.9" }), { config, url, peer: "127.0.0.1" }),
      { ok: false, message: "Missing API key" },
      h,
    );
  }
  assert.deepEqual(
    checkApiKey(req({ "x-forwarded-for": "127.0.0.1" }), {
      config: makeConfig({ apiKeys: ["k"] }),
      url,
      peer: "127.0.0.1",
    }),
    { ok: false, message: "Missing API key" },
  );
  assert.deepEqual(
    checkApiKey(req({ "x-forwarded-for": "1.2.3.4", authorization: "Bearer k" }), {
      config: makeConfig({ apiKeys: ["k"] }),
      url,
      peer: "127.0.0.1",
    }),
    { ok: true, key: "k" },
  );
});

test("matchKey() finds the configured key whatever its position and returns undefined for none", () => {
  assert.equal(matchKey(["nope", "k2"], ["k1", "k2", "k3"]), "k2");
  assert.equal(matchKey(["nope"], ["k1"]), undefined);
  const keys = ["a-key"];
  assert.equal(matchKey(["a-key"], keys), "a-key");
  assert.equal(matchKey(["a-key"], keys), "a-key", "cached digests give the same answer");
});
