import test from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { sendJson } from "../support/fake-upstream.js";
import { fakeClock } from "../support/server.js";
import { ampSetup, bearer, raw } from "./management-setup.js";
import { createApp } from "../../src/app/app.js";
import { dispatch } from "../../src/server/dispatch.js";
import { route } from "../../src/server/router.js";
import { readBody } from "../../src/server/body.js";
import { makeConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import { forwardToAmp, TIMEOUT_BODY, UNREACHABLE_BODY } from "../../src/amp/upstream.js";

function deadline(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms).unref(),
  );
}

test("S-1 basic forward: GET /api/user?x=1 reaches A with the upstream key and A's answer reaches the client", async (t) => {
  const { A, s } = await ampSetup(t, {
    handler: (_r, res) => sendJson(res, 200, { id: "u1" }, { "x-amp-answer": "yes" }),
  });
  const res = await raw(`${s.url}/api/user?x=1`, { headers: bearer("ck-1") });
  const got = await A.nth(1);
  assert.equal(got.method, "GET");
  assert.equal(got.url, "/api/user?x=1");
  assert.equal(got.headers.authorization, "Bearer amp-default");
  assert.equal(got.headers["x-api-key"], "amp-default");
  assert.equal(got.headers.host, `127.0.0.1:${A.port}`);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body.toString()), { id: "u1" });
  assert.equal(res.headers["x-amp-answer"], "yes");
  assert.equal(res.headers["content-type"], "application/json");
});

test("S-7 credential stripping: every key/auth_token value and the key headers are removed, other values stay in order", async (t) => {
  const { A, s } = await ampSetup(t);
  await raw(`${s.url}/api/meta?key=ck-1&key=keep&x=1&auth_token=ck-2&foo=bar`, {
    headers: { "x-goog-api-key": "ck-1", "x-api-key": "ck-1", "x-management-key": "mgmt-secret" },
  });
  const got = await A.nth(1);
  assert.equal(got.url, "/api/meta?x=1&foo=bar");
  assert.equal(got.headers["x-management-key"], undefined);
  assert.equal(got.headers["x-goog-api-key"], undefined);
  assert.equal(got.headers["x-api-key"], "amp-default");
  assert.equal(got.headers.authorization, "Bearer amp-default");
});

test("S-7 the query keeps its original encoding and order; a second client key in it is stripped though the key came by header", async (t) => {
  const { A, s } = await ampSetup(t);
  await raw(`${s.url}/api/threads/find?q=a%20b&key=ck-2&z=%E2%9C%93&a=1`, { headers: bearer("ck-1") });
  assert.equal((await A.nth(1)).url, "/api/threads/find?q=a%20b&z=%E2%9C%93&a=1");
});

test("a key-less browser page request strips ?key= and ?auth_token= too", async (t) => {
  const { A, s } = await ampSetup(t);
  assert.equal((await raw(`${s.url}/threads/T-1?auth_token=ck-2&key=ck-1&v=2`)).status, 200);
  assert.equal((await A.nth(1)).url, "/threads/T-1?v=2");
});

test("S-8 header scrub: tracing, fingerprints and the client's Accept-Encoding are removed; Cookie, User-Agent, X-Amp-* kept", async (t) => {
  const { A, s } = await ampSetup(t);
  await raw(`${s.url}/api/user`, {
    headers: {
      ...bearer("ck-1"),
      "x-forwarded-for": "1.2.3.4",
      via: "x",
      referer: "r",
      "sec-ch-ua": "y",
      "x-stainless-os": "z",
      priority: "u=1",
      "accept-encoding": "br",
      cookie: "s=1",
      "user-agent": "amp/1",
      "x-amp-thread-id": "T-9",
      "x-real-ip": "5.6.7.8",
      forwarded: "for=1.2.3.4",
      "anthropic-beta": "context-1m-2025-08-07",
      "x-hop": "1",
      connection: "x-hop",
      "keep-alive": "timeout=5",
    },
  });
  const h = (await A.nth(1)).headers;
  for (const name of [
    "x-forwarded-for",
    "via",
    "referer",
    "sec-ch-ua",
    "x-stainless-os",
    "priority",
    "x-real-ip",
    "forwarded",
    "x-hop",
    "keep-alive",
  ]) {
    assert.equal(h[name], undefined, name);
  }
  assert.equal(h["accept-encoding"], "gzip");
  assert.equal(h.cookie, "s=1");
  assert.equal(h["user-agent"], "amp/1");
  assert.equal(h["x-amp-thread-id"], "T-9");
  assert.equal(h["anthropic-beta"], "context-1m-2025-08-07");
});

test("the proxy adds no User-Agent when the client sent none", async (t) => {
  const { A, s } = await ampSetup(t);
  await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal((await A.nth(1)).headers["user-agent"], undefined);
});

test("S-11 hidden gzip through the proxy: the client gets the decoded body with a correct Content-Length", async (t) => {
  const { s } = await ampSetup(t, {
    handler: (_r, res) => void res.writeHead(404, { "content-type": "application/json" }).end(gzipSync('{"ok":true}')),
  });
  const res = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(res.status, 404);
  assert.equal(res.body.toString(), '{"ok":true}');
  assert.equal(res.headers["content-length"], "11");
  assert.equal(res.headers["content-encoding"], undefined);
});

test("S-12 declared gzip through the proxy: decoded, without Content-Encoding", async (t) => {
  const { s } = await ampSetup(t, {
    handler: (_r, res) =>
      void res
        .writeHead(200, { "content-encoding": "gzip", "content-type": "application/json" })
        .end(gzipSync('{"a":1}')),
  });
  const res = await raw(`${s.url}/api/user`, { headers: { ...bearer("ck-1"), "accept-encoding": "gzip, deflate" } });
  assert.equal(res.body.toString(), '{"a":1}');
  assert.equal(res.headers["content-encoding"], undefined);
});

test("S-13 corrupt gzip through the proxy: exactly the upstream's 9 bytes; a non-gzip body labelled gzip does not crash anything", async (t) => {
  const bytes = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("notgzip")]);
  const { A, s } = await ampSetup(t, { handler: (_r, res) => void res.writeHead(200).end(bytes) });
  assert.deepEqual((await raw(`${s.url}/api/user`, { headers: bearer("ck-1") })).body, bytes);
  A.handle((_r, res) => void res.writeHead(200, { "content-encoding": "gzip" }).end("plain"));
  const res = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(res.body.toString(), "plain");
  assert.equal((await raw(`${s.url}/healthz`)).status, 200);
});

test("S-14 SSE flush: the client reads the first event before A sends the second; bytes unchanged", async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const { s } = await ampSetup(t, {
    handler: async (_r, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
      await released;
      res.end("data: 2\n\n");
    },
  });
  const chunks: string[] = [];
  await new Promise<void>((resolve, reject) => {
    request(`${s.url}/api/internal/stream`, { headers: bearer("ck-1") }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        chunks.push(c);
        if (chunks.length === 1) release();
      });
      res.on("end", resolve);
    })
      .on("error", reject)
      .end();
  });
  assert.equal(chunks[0], "data: 1\n\n");
  assert.equal(chunks.join(""), "data: 1\n\ndata: 2\n\n");
});

test("S-15 upstream down: 502 with the exact JSON and one error log naming method and path", async (t) => {
  const { s } = await ampSetup(t, { amp: { upstreamUrl: "http://127.0.0.1:1" } });
  const res = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(res.status, 502);
  assert.equal(res.headers["content-type"], "application/json");
  assert.equal(res.body.toString(), JSON.stringify(UNREACHABLE_BODY));
  assert.equal(res.body.toString(), '{"error":"amp_upstream_proxy_error","message":"Failed to reach Amp upstream"}');
  assert.equal(
    s.logs.filter((l) => l.includes("ERROR amp upstream proxy error for GET /api/user: ECONNREFUSED")).length,
    1,
  );
});

test("S-15 upstream silent past upstream-timeout: 504, the upstream request is aborted, and the next request is served", async (t) => {
  const { A, s } = await ampSetup(t, { amp: { upstreamTimeoutMs: 200 }, handler: () => {} });
  const res = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(res.status, 504);
  assert.equal(res.body.toString(), JSON.stringify(TIMEOUT_BODY));
  await (
    await A.nth(1)
  ).closed;
  A.handle((_r, r) => sendJson(r, 200, { id: "u2" }));
  const next = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(next.status, 200);
  assert.equal(next.body.toString(), '{"id":"u2"}');
});

test("S-18 catch-all (N17): unknown /api paths and new RPCs reach A intact with the upstream key; without a key 401 and A gets nothing", async (t) => {
  const { A, s } = await ampSetup(t);
  assert.equal((await raw(`${s.url}/api/foo?bar=1`)).status, 401);
  assert.equal((await raw(`${s.url}/api/internal?someNewRpc`, { method: "POST", body: "{}" })).status, 401);
  assert.equal(A.requests.length, 0);
  await raw(`${s.url}/api/foo?bar=1`, { headers: bearer("ck-1") });
  const body = '{"method":"someNewRpc","params":{"n":12345678901234567890}}';
  await raw(`${s.url}/api/internal?someNewRpc`, {
    method: "POST",
    body,
    headers: { ...bearer("ck-1"), "content-type": "application/json" },
  });
  await raw(`${s.url}/api/thread-actors`, { method: "POST", body: "{}", headers: bearer("ck-2") });
  const [foo, rpc, actors] = [await A.nth(1), await A.nth(2), await A.nth(3)];
  assert.equal(foo.url, "/api/foo?bar=1");
  assert.equal(rpc.method, "POST");
  assert.equal(rpc.url, "/api/internal?someNewRpc");
  assert.equal(rpc.body.toString(), body);
  assert.equal(actors.url, "/api/thread-actors");
  for (const r of [foo, rpc, actors]) assert.equal(r.headers.authorization, "Bearer amp-default");
  assert.equal(s.logs.filter((l) => l.includes("first request under /api/foo")).length, 1);
  assert.equal(s.logs.filter((l) => l.includes("first request under /api/internal")).length, 0);
});

test("a large gzip request body (as the Amp CLI sends past 25,600 bytes) is forwarded byte for byte with its Content-Encoding", async (t) => {
  const { A, s } = await ampSetup(t);
  const zipped = gzipSync(
    JSON.stringify({ method: "uploadThread", params: { thread: { text: "x".repeat(200_000) } } }),
  );
  await raw(`${s.url}/api/internal?uploadThread`, {
    method: "POST",
    body: zipped,
    headers: { ...bearer("ck-1"), "content-encoding": "gzip", "content-type": "application/json" },
  });
  const got = await A.nth(1);
  assert.deepEqual(got.body, zipped);
  assert.equal(got.headers["content-encoding"], "gzip");
  assert.equal(got.headers["content-length"], String(zipped.length));
});

test("a chunked request body is streamed to A intact", async (t) => {
  const { A, s } = await ampSetup(t);
  await new Promise<void>((resolve, reject) => {
    const req = request(`${s.url}/api/telemetry`, { method: "POST", headers: bearer("ck-1") }, (res) =>
      res.resume().on("end", resolve),
    );
    req.on("error", reject);
    req.write("part-1;");
    setImmediate(() => req.end("part-2"));
  });
  assert.equal((await A.nth(1)).body.toString(), "part-1;part-2");
});

test("an upstream URL with a path and a query is joined as PX-1 says", async (t) => {
  const { A, s } = await ampSetup(t);
  s.setConfig({
    apiKeys: ["ck-1"],
    ampcode: { upstreamUrl: `${A.url}/base/?tenant=1`, upstreamApiKey: "amp-default" },
  });
  await raw(`${s.url}/api/user?x=1`, { headers: bearer("ck-1") });
  assert.equal((await A.nth(1)).url, "/base/api/user?tenant=1&x=1");
});

test("HEAD on a management path is forwarded as HEAD", async (t) => {
  const { A, s } = await ampSetup(t);
  const res = await raw(`${s.url}/api/user`, { method: "HEAD", headers: bearer("ck-1") });
  assert.equal(res.status, 200);
  assert.equal((await A.nth(1)).method, "HEAD");
});

test("S-40 cancellation: a client abort mid-stream closes A's request within 100 ms, with nothing written or logged as an error", async (t) => {
  const { A, s } = await ampSetup(t, {
    handler: (_r, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
    },
  });
  const clientReq = request(`${s.url}/api/internal/slow`, { headers: bearer("ck-1") });
  clientReq.on("error", () => {});
  const firstChunk = new Promise<void>((resolve) =>
    clientReq.on("response", (res) => res.once("data", () => resolve())),
  );
  clientReq.end();
  await firstChunk;
  const upstream = await A.nth(1);
  clientReq.destroy();
  await Promise.race([upstream.closed, deadline(100, "A's request closing")]);
  assert.deepEqual(
    s.logs.filter((l) => / (ERROR|WARN) /.test(l)),
    [],
  );
  assert.equal((await raw(`${s.url}/healthz`)).status, 200);
});

test("a client abort while waiting for A's response head destroys A's request and logs nothing", async (t) => {
  const { A, s } = await ampSetup(t, { handler: () => {} });
  const clientReq = request(`${s.url}/api/user`, { headers: bearer("ck-1") });
  clientReq.on("error", () => {});
  clientReq.end();
  const upstream = await A.nth(1);
  clientReq.destroy();
  await Promise.race([upstream.closed, deadline(100, "A's request closing")]);
  assert.deepEqual(
    s.logs.filter((l) => / (ERROR|WARN) /.test(l)),
    [],
  );
});

test("A failing mid-body truncates the client's response (PX-13) with one warning and no crash", async (t) => {
  const { s } = await ampSetup(t, {
    handler: (_r, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
      setImmediate(() => res.destroy());
    },
  });
  await assert.rejects(raw(`${s.url}/api/user`, { headers: bearer("ck-1") }));
  assert.equal(
    s.logs.filter((l) => l.includes("WARN amp upstream response failed mid-stream for GET /api/user")).length,
    1,
  );
  assert.equal((await raw(`${s.url}/healthz`)).status, 200);
});

test("a kept-alive upstream socket closed under a replayable request is retried once on a fresh connection", async (t) => {
  const { A, s } = await ampSetup(t);
  assert.equal((await raw(`${s.url}/api/user`, { headers: bearer("ck-1") })).status, 200);
  A.handle((r, res) => {
    if (A.requests.length === 2) res.socket?.destroy();
    else sendJson(res, 200, { id: "again" });
  });
  const res = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), '{"id":"again"}');
  assert.equal(A.requests.length, 3);
});

test("PX-15, superseded by issue 11: an upgrade that is no valid WebSocket handshake is answered 400 and logged, and A gets nothing", async (t) => {
  const { A, s } = await ampSetup(t);
  const res = await raw(`${s.url}/api/thread-actors`, {
    headers: { ...bearer("ck-1"), connection: "Upgrade", upgrade: "websocket" },
  });
  assert.equal(res.status, 400);
  assert.match(res.body.toString(), /Sec-WebSocket-Version must be 13/);
  assert.equal(A.requests.length, 0);
  assert.equal(
    s.logs.filter((l) => l.includes("UPGRADE GET /api/thread-actors") && l.includes("status=400")).length,
    1,
  );
});

test("forwardToAmp() sends a changed body with a Content-Length equal to its bytes (N5) and without the client's Content-Encoding", async (t) => {
  const { A } = await ampSetup(t);
  const app = createApp({
    config: makeConfig({ apiKeys: ["ck-1"], ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default" } }),
    log: createLogger({ sink: () => {} }),
    env: {},
    clock: fakeClock(),
  });
  const server = createServer(
    dispatch(
      [
        route("POST", "/api/provider/anthropic/v1/messages", "anthropic", async (req, ctx) => {
          const body = await readBody(req, 1 << 20, { decode: true });
          await forwardToAmp(req, ctx, Buffer.from(body.toString().replace("long-original-value", "short")));
        }),
      ],
      app,
    ),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/provider/anthropic/v1/messages`;
  const res = await raw(url, {
    method: "POST",
    body: gzipSync('{"v":"long-original-value"}'),
    headers: { "x-api-key": "ck-1", "content-encoding": "gzip" },
  });
  assert.equal(res.status, 200);
  const got = await A.nth(1);
  assert.equal(got.body.toString(), '{"v":"short"}');
  assert.equal(got.headers["content-length"], "13");
  assert.equal(got.headers["content-encoding"], undefined);
  assert.equal(got.headers["x-api-key"], "amp-default");
});

test("forwardToAmp() answers 503 in the route's dialect when Amp's upstream is off", async (t) => {
  const app = createApp({
    config: makeConfig({ ampcode: { upstreamUrl: "" } }),
    log: createLogger({ sink: () => {} }),
    env: {},
  });
  const server = createServer(dispatch([route("POST", "/x", "anthropic", (req, ctx) => forwardToAmp(req, ctx))], app));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const res = await raw(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, { method: "POST", body: "{}" });
  assert.equal(res.status, 503);
  assert.deepEqual(JSON.parse(res.body.toString()), { error: "amp upstream proxy not available" });
});

test("an Amp error answer that echoes the upstream key is redacted, body (plain or gzip) and headers; a success is relayed as sent", async (t) => {
  let mode = "plain";
  const { s } = await ampSetup(t, {
    amp: { upstreamApiKey: "amp-upstream-secret-42" },
    handler: (r, res) => {
      const text = JSON.stringify({ error: `bad auth ${String(r.headers.authorization)}` });
      if (mode === "ok") return sendJson(res, 200, { echo: "amp-upstream-secret-42" });
      const body = mode === "plain" ? Buffer.from(text) : gzipSync(text);
      res
        .writeHead(401, {
          "content-type": "application/json",
          "x-echo": "amp-upstream-secret-42",
          ...(mode === "gzip" ? { "content-encoding": "gzip" } : {}),
        })
        .end(body);
    },
  });
  for (const m of ["plain", "gzip", "hidden"]) {
    mode = m;
    const res = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
    assert.equal(res.status, 401, m);
    assert.ok(!res.body.toString().includes("amp-upstream-secret-42"), `${m}: ${res.body}`);
    assert.match(res.body.toString(), /^\{"error":"bad auth Bearer \[REDACTED\]"\}$/, m);
    assert.equal(res.headers["x-echo"], "[REDACTED]", m);
    assert.equal(res.headers["content-length"], String(res.body.length), m);
  }
  mode = "ok";
  assert.match(
    (await raw(`${s.url}/api/user`, { headers: bearer("ck-1") })).body.toString(),
    /amp-upstream-secret-42/,
    "the user's own data is not touched",
  );
});
