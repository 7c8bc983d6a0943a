import { test } from "node:test";
import assert from "node:assert/strict";
import { AffinityTable, MAX_BINDINGS, sessionIdOf } from "../../src/routing/session.js";
import { claudeKeys, failed, makeRuntime, scripted } from "./fixture.js";

const A = "sk-key-aaaaaaaaaaaa";
const B = "sk-key-bbbbbbbbbbbb";
const M = "claude-sonnet-4-5";
const AFFINITY = { strategy: "round-robin" as const, sessionAffinity: true, sessionAffinityTtlMs: 60_000 };

test("sessionIdOf() takes the Claude metadata session, then a session header, then a hash of the conversation start", () => {
  const uuid = "0B4445E1-F5BE-49E1-87CE-62BBC28AD705";
  assert.equal(
    sessionIdOf({}, { metadata: { user_id: `user_x_account__session_${uuid}` } }),
    `claude:${uuid.toLowerCase()}`,
  );
  assert.equal(sessionIdOf({ "x-session-id": " s1 " }, { metadata: { user_id: "user_x" } }), "header:s1");
  assert.equal(sessionIdOf({ session_id: ["s2", "s3"] }, {}), "header:s2");
  const turn1 = { system: "S", messages: [{ role: "user", content: "hi" }] };
  const turn2 = {
    system: "S",
    messages: [
      { role: "user", content: "hi" },
      { role: "assistant", content: "yo" },
      { role: "user", content: "more" },
    ],
  };
  assert.match(sessionIdOf({}, turn1)!, /^hash:[0-9a-f]{32}$/);
  assert.equal(sessionIdOf({}, turn1), sessionIdOf({}, turn2));
  assert.notEqual(sessionIdOf({}, turn1), sessionIdOf({}, { ...turn1, system: "T" }));
  assert.equal(sessionIdOf({}, { input: "hello" })?.startsWith("hash:"), true);
  assert.equal(sessionIdOf({}, { model: "x" }), undefined);
});

test("sessionIdOf() takes X-Amp-Thread-Id as amp:<id> after the session headers and before the conversation hash", () => {
  const turn = { metadata: { user_id: "user_x" }, messages: [{ role: "user", content: "hi" }] };
  assert.equal(sessionIdOf({ "x-amp-thread-id": " T-1 " }, turn), "amp:T-1");
  assert.equal(sessionIdOf({ "x-amp-thread-id": "T-1", "session-id": "s1" }, turn), "header:s1");
  assert.equal(sessionIdOf({ "x-amp-thread-id": "T-1", "x-claude-code-session-id": "c1" }, turn), "amp:T-1");
  const uuid = "0b4445e1-f5be-49e1-87ce-62bbc28ad705";
  assert.equal(
    sessionIdOf({ "x-amp-thread-id": "T-1" }, { metadata: { user_id: `u__session_${uuid}` } }),
    `claude:${uuid}`,
  );
});

test("AffinityTable expires bindings after the TTL since last use and evicts the least recently used beyond the cap", () => {
  const t = new AffinityTable();
  t.bind("s", "m", "k1", 0, 100);
  assert.equal(t.get("s", "m", 99), "k1");
  assert.equal(t.get("s", "other", 99), undefined, "bindings are per model");
  assert.equal(t.get("s", "m", 100), undefined);
  assert.equal(t.size, 0);
  for (let i = 0; i <= MAX_BINDINGS; i++) t.bind(`s${i}`, "m", "k", 0, 100);
  assert.equal(t.size, MAX_BINDINGS);
  assert.equal(t.get("s0", "m", 1), undefined);
  t.clear();
  assert.equal(t.size, 0);
});

test("providers §4.3 session affinity: a session stays on its first credential, falls back when it is blocked and rebinds", async () => {
  const { rt, clock } = makeRuntime({ claudeApiKey: claudeKeys(A, B), routing: AFFINITY });
  const s = scripted({});
  await rt.conduct({ model: M, sessionId: "s1" }, s.attempt);
  await rt.conduct({ model: M, sessionId: "s2" }, s.attempt);
  await rt.conduct({ model: M, sessionId: "s1" }, s.attempt);
  await rt.conduct({ model: M, sessionId: "s1" }, s.attempt);
  assert.deepEqual(s.keys(), [A, B, A, A]);
  const fail = scripted({ [A]: [failed(500)] });
  await rt.conduct({ model: M, sessionId: "s1" }, fail.attempt);
  clock.advance(60_000);
  await rt.conduct({ model: M, sessionId: "s1" }, fail.attempt);
  assert.deepEqual(fail.keys(), [A, B, B], "rebound to B, which it keeps after A recovers");
});

test("session affinity is off unless configured, and a routing change drops the bindings", async () => {
  const off = makeRuntime({ claudeApiKey: claudeKeys(A, B) });
  const s = scripted({});
  for (let i = 0; i < 3; i++) await off.rt.conduct({ model: M, sessionId: "s1" }, s.attempt);
  assert.deepEqual(s.keys(), [A, B, A]);
  const on = makeRuntime({ claudeApiKey: claudeKeys(A, B), routing: AFFINITY });
  const s2 = scripted({});
  await on.rt.conduct({ model: M, sessionId: "s1" }, s2.attempt);
  on.setConfig({ claudeApiKey: claudeKeys(A, B), routing: { ...AFFINITY, sessionAffinityTtlMs: 0 } });
  await on.rt.conduct({ model: M, sessionId: "other" }, s2.attempt);
  await on.rt.conduct({ model: M, sessionId: "s1" }, s2.attempt);
  assert.deepEqual(s2.keys(), [A, A, B], "bindings and cursor restarted; s1 is no longer bound to A");
});
