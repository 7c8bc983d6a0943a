/** Remembered wsTokens: the store, capture from relayed credential answers, and gateway HTTP calls. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { captureWsTokens, createActorTokens, findWsTokens, MAX_CREDENTIAL_BODY } from "../../src/amp/actor-tokens.js";
import { fakeClock } from "../support/server.js";
import { sendJson } from "../support/fake-upstream.js";
import { ampSetup, bearer, raw } from "./management-setup.js";
import { PUBLISHABLE_RIVET_TOKEN } from "../support/amp-actor.js";

test("createActorTokens() accepts a remembered token until it expires and forgets the oldest past its bound", () => {
  const clock = fakeClock();
  const store = createActorTokens(clock, 1000, 2);
  store.remember("a");
  assert.equal(store.accepts("a"), true);
  assert.equal(store.accepts("b"), false);
  clock.advance(1000);
  assert.equal(store.accepts("a"), false, "expired");
  assert.equal(store.size, 0);
  store.remember("x");
  store.remember("y");
  store.remember("x"); // refreshed: y is now the oldest
  store.remember("z");
  assert.deepEqual(
    ["x", "y", "z"].map((k) => store.accepts(k)),
    [true, false, true],
  );
});

test("findWsTokens() finds wsToken strings at any depth and ignores other types", () => {
  assert.deepEqual(
    findWsTokens({ wsToken: "a", result: { wsToken: "b", list: [{ wsToken: "c" }] }, other: { wsToken: 5 } }),
    ["a", "b", "c"],
  );
  assert.deepEqual(findWsTokens("text"), []);
});

test("captureWsTokens() holds the body back until its tokens are remembered, and streams on past its cap", async () => {
  const seen: string[] = [];
  const tap = captureWsTokens((t) => seen.push(t));
  const out: Buffer[] = [];
  tap.on("data", (c: Buffer) => {
    assert.deepEqual(seen, ["tok"], "no byte leaves before the token is known");
    out.push(c);
  });
  const ended = new Promise((r) => tap.once("end", r));
  tap.write('{"wsToken":');
  tap.end('"tok"}');
  await ended;
  assert.equal(Buffer.concat(out).toString(), '{"wsToken":"tok"}');
  const big = captureWsTokens((t) => seen.push(t), 10);
  const chunks: string[] = [];
  big.on("data", (c: Buffer) => chunks.push(c.toString()));
  const bigEnded = new Promise((r) => big.once("end", r));
  big.write('{"wsToken":"lost",');
  big.end('"pad":1}');
  await bigEnded;
  assert.equal(chunks.join(""), '{"wsToken":"lost","pad":1}');
  assert.deepEqual(seen, ["tok"]);
});

test("POST /api/thread-actors and /api/user-actor-credentials answers (gzip too) have their wsTokens remembered; failures and oversized ones do not", async (t) => {
  const { A, s } = await ampSetup(t, {
    handler: (req, res) => {
      if (req.url === "/api/thread-actors") {
        const body = gzipSync(
          JSON.stringify({ threadId: "T-1", wsToken: "wst_gzip", ownerUserId: "u", threadVersion: 1 }),
        );
        res.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": String(body.length),
        });
        res.end(body);
        return;
      }
      if (req.url === "/api/user-actor-credentials")
        return sendJson(res, 200, { ok: true, result: { wsToken: "wst_user" } });
      if (req.url === "/api/thread-actors?case=failed") return sendJson(res, 500, { wsToken: "wst_failed" });
      sendJson(res, 200, { wsToken: "wst_big", pad: "x".repeat(MAX_CREDENTIAL_BODY) });
    },
  });
  const post = (path: string) =>
    raw(`${s.url}${path}`, {
      method: "POST",
      headers: { ...bearer("ck-1"), "content-type": "application/json" },
      body: "{}",
    });
  const first = await post("/api/thread-actors");
  assert.equal(first.status, 200);
  assert.equal(JSON.parse(first.body.toString()).wsToken, "wst_gzip", "the client gets the decoded answer");
  assert.equal((await post("/api/user-actor-credentials")).status, 200);
  assert.equal((await post("/api/thread-actors?case=failed")).status, 500);
  const big = await post("/api/thread-actors?case=big");
  assert.equal(big.body.length, JSON.stringify({ wsToken: "wst_big", pad: "x".repeat(MAX_CREDENTIAL_BODY) }).length);
  const tokens = s.app.amp.actorTokens;
  assert.deepEqual(
    ["wst_gzip", "wst_user", "wst_failed", "wst_big"].map((k) => tokens.accepts(k)),
    [true, true, false, false],
  );
  assert.equal((await raw(`${s.url}/api/thread-actors`, { method: "POST", body: "{}" })).status, 401);
  assert.equal(A.requests.length, 4, "the key-less call never reached upstream");
});

test("HTTP through the actor gateway: the client key is swapped, a remembered wsToken is enough, anything else is 401", async (t) => {
  const { A, s } = await ampSetup(t, { handler: (_r, res) => sendJson(res, 200, { ok: true }) });
  const path = "/actors/gateway/threadActor/request/inference?rvt-namespace=default&rvt-method=get&rvt-key=T-1";
  assert.equal(
    (
      await raw(`${s.url}${path}`, {
        method: "POST",
        headers: { ...bearer("ck-1"), "content-type": "application/json" },
        body: "{}",
      })
    ).status,
    200,
  );
  const first = await A.nth(1);
  assert.equal(first.headers.authorization, "Bearer amp-default");
  assert.equal(new URL(first.url, "http://x").searchParams.get("rvt-token"), PUBLISHABLE_RIVET_TOKEN);
  assert.equal(new URL(first.url, "http://x").searchParams.get("rvt-key"), "T-1");
  s.app.amp.actorTokens.remember("wst_known");
  const importPath = "/actors/gateway/threadActor/request/import?rvt-method=get&rvt-key=T-1";
  const known = await raw(`${s.url}${importPath}`, {
    method: "POST",
    headers: { "x-rivet-conn-params": JSON.stringify({ wsToken: "wst_known", transport: "json-rpc" }) },
    body: "{}",
  });
  assert.equal(known.status, 200);
  assert.equal(
    (await A.nth(2)).headers["x-rivet-conn-params"],
    JSON.stringify({ wsToken: "wst_known", transport: "json-rpc" }),
  );
  const forged = await raw(`${s.url}${importPath}`, {
    method: "POST",
    headers: { "x-rivet-conn-params": JSON.stringify({ wsToken: "wst_forged" }) },
    body: "{}",
  });
  assert.equal(forged.status, 401);
  assert.equal(
    (await raw(`${s.url}${importPath}`, { method: "POST", headers: { "x-rivet-conn-params": "not json" }, body: "{}" }))
      .status,
    401,
  );
  assert.equal(A.requests.length, 2);
  s.setConfig({
    apiKeys: ["ck-1"],
    ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default", restrictManagementToLocalhost: true },
  });
  assert.equal(
    (
      await raw(`${s.url}${importPath}`, {
        method: "POST",
        headers: { "x-rivet-conn-params": JSON.stringify({ wsToken: "wst_known" }) },
        body: "{}",
      })
    ).status,
    200,
    "loopback passes the restriction",
  );
});
