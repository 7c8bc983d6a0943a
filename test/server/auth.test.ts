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

test("matchKey() finds the configured key whatever its position and returns undefined for none", () => {
  assert.equal(matchKey(["nope", "k2"], ["k1", "k2", "k3"]), "k2");
  assert.equal(matchKey(["nope"], ["k1"]), undefined);
  const keys = ["a-key"];
  assert.equal(matchKey(["a-key"], keys), "a-key");
  assert.equal(matchKey(["a-key"], keys), "a-key", "cached digests give the same answer");
});
