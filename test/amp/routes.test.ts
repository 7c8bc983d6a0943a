import test from "node:test";
import assert from "node:assert/strict";
import { startFake } from "../support/fake-upstream.js";
import { startServer } from "../support/server.js";
import { ampSetup, bearer, raw } from "./management-setup.js";
import { AMP_ROUTES, pathPrefix } from "../../src/amp/routes.js";
import { createAmpRuntime, parseUpstreamUrl } from "../../src/amp/runtime.js";
import { makeConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import { createRouter } from "../../src/server/router.js";
import type { App } from "../../src/server/handler.js";

/** §2.2's table (RT-3 methods), plus N17 paths; each row is method + path with a query to check it is kept. */
const ANY = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const API_PATHS = [
  "/api/internal",
  "/api/internal/github-auth-status",
  "/api/user",
  "/api/user/x",
  "/api/auth",
  "/api/auth/x",
  "/api/meta",
  "/api/meta/x",
  "/api/ads",
  "/api/telemetry",
  "/api/telemetry/x",
  "/api/threads",
  "/api/threads/T-1.md",
  "/api/thread-actors",
  "/api/otel",
  "/api/otel/v1/traces",
  "/api/tab",
  "/api/tab/x",
  "/api/provider/google/v1beta1/models",
  "/api/provider/google/v1beta1/publishers/google/models/gemini-3-pro-preview",
  "/api/foo",
  "/api/ads/x",
];
const PAGES = [
  "/threads",
  "/threads/",
  "/threads/T-1",
  "/docs",
  "/docs/x",
  "/settings",
  "/settings/x",
  "/threads.rss",
  "/news.rss",
];

test("every §2.2 route without credentials answers 401 and A gets nothing", async (t) => {
  // Dozens of key-less requests from one address: the client-key lockout would turn them into 429s.
  const { A, s } = await ampSetup(t, { config: { apiKeyLockoutFailures: 0 } });
  for (const path of API_PATHS)
    for (const method of ANY) {
      const res = await raw(`${s.url}${path}?q=1`, { method, body: method === "GET" ? undefined : "{}" });
      assert.equal(res.status, 401, `${method} ${path}`);
    }
  for (const path of PAGES)
    assert.equal((await raw(`${s.url}${path}`, { headers: { "sec-fetch-site": "cross-site" } })).status, 401, path);
  for (const method of ANY)
    assert.equal(
      (await raw(`${s.url}/auth/cli-login`, { method, headers: { "sec-fetch-site": "cross-site" } })).status,
      401,
      method,
    );
  assert.equal(A.requests.length, 0);
});

test("key-less requests to Amp's routes count toward the client-key lockout: 429 after it, and A still gets nothing", async (t) => {
  const { A, s } = await ampSetup(t, { config: { apiKeyLockoutFailures: 2 } });
  assert.equal((await raw(`${s.url}/api/user`, {})).status, 401);
  assert.equal((await raw(`${s.url}/api/threads`, { headers: { "x-api-key": "wrong" } })).status, 401);
  const locked = await raw(`${s.url}/api/user`, {});
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.headers["retry-after"]) > 0);
  assert.equal(
    (await raw(`${s.url}/api/user`, { headers: { "x-api-key": "ck-1" } })).status,
    200,
    "a valid key is still served",
  );
  assert.equal(A.requests.length, 1);
});

test("every §2.2 route with a key reaches A with the upstream key, without the client's, path, query and body intact", async (t) => {
  const { A, s } = await ampSetup(t);
  const sent: Array<{ method: string; url: string; body: string }> = [];
  const send = async (method: string, url: string, body?: string) => {
    sent.push({ method, url, body: body ?? "" });
    const res = await raw(`${s.url}${url}`, {
      method,
      body,
      headers: { "x-api-key": "ck-1", "content-type": "application/json" },
    });
    assert.equal(res.status, 200, `${method} ${url}`);
  };
  for (const path of API_PATHS)
    for (const method of ANY)
      await send(method, `${path}?q=${method}&x=keep`, method === "GET" ? undefined : `{"m":"${method}"}`);
  for (const path of PAGES) await send("GET", `${path}?p=1`);
  for (const method of ANY) await send(method, "/auth/callback?code=c", method === "GET" ? undefined : "{}");
  await send("GET", "/auth");
  assert.equal(A.requests.length, sent.length);
  sent.forEach((want, i) => {
    const got = A.requests[i];
    assert.equal(got.method, want.method);
    assert.equal(got.url, want.url);
    assert.equal(got.body.toString(), want.body);
    assert.equal(got.headers.authorization, "Bearer amp-default");
    assert.equal(got.headers["x-api-key"], "amp-default");
  });
});

test("RT-3: root-level pages answer 404 to methods other than GET and HEAD, and A gets nothing", async (t) => {
  const { A, s } = await ampSetup(t);
  for (const [method, path] of [
    ["POST", "/threads"],
    ["PUT", "/docs/x"],
    ["DELETE", "/settings"],
    ["POST", "/threads.rss"],
    ["PATCH", "/news.rss"],
  ]) {
    const res = await raw(`${s.url}${path}`, { method, headers: bearer("ck-1") });
    assert.equal(res.status, 404, `${method} ${path}`);
  }
  assert.equal(A.requests.length, 0);
});

test("AMP_ROUTES: specific rows win over the /api catch-all, which still takes any other /api path and method", () => {
  const router = createRouter(AMP_ROUTES);
  const path = (method: string, p: string) => {
    const m = router.match(method, p);
    return m.kind === "found" ? m.route.path : m.kind;
  };
  assert.equal(path("POST", "/api/internal"), "/api/internal/*rest");
  assert.equal(path("DELETE", "/api/threads/T-1"), "/api/threads/*rest");
  assert.equal(path("PUT", "/api/thread-actors"), "/api/thread-actors");
  assert.equal(path("GET", "/api/thread-actors/x"), "/api/*rest");
  assert.equal(path("PATCH", "/api/whatever/next"), "/api/*rest");
  assert.equal(path("GET", "/threads.rss"), "/threads.rss");
  assert.equal(path("GET", "/auth"), "/auth/*rest");
  assert.equal(path("GET", "/v1/models"), "none");
});

test("pathPrefix() names two segments, four under /api/provider", () => {
  assert.equal(pathPrefix("/api/foo/bar/baz"), "/api/foo");
  assert.equal(pathPrefix("/api/foo"), "/api/foo");
  assert.equal(pathPrefix("/api/provider/openai/v1/embeddings"), "/api/provider/openai/v1");
});

test('S-36 upstream switch: a hot reload to A2 sends the next request there; "" answers 503; re-enabling works again', async (t) => {
  const { A, s } = await ampSetup(t);
  const A2 = await startFake(t);
  const amp = { upstreamApiKey: "amp-default" };
  s.setConfig({ apiKeys: ["ck-1"], ampcode: { ...amp, upstreamUrl: A2.url } });
  assert.equal((await raw(`${s.url}/api/user`, { headers: bearer("ck-1") })).status, 200);
  assert.equal(A2.requests.length, 1);
  assert.equal(A.requests.length, 0);
  s.setConfig({ apiKeys: ["ck-1"], ampcode: { ...amp, upstreamUrl: "" } });
  assert.equal((await raw(`${s.url}/api/user`, { headers: bearer("ck-1") })).status, 503);
  s.setConfig({ apiKeys: ["ck-1"], ampcode: { ...amp, upstreamUrl: A.url } });
  assert.equal((await raw(`${s.url}/api/user`, { headers: bearer("ck-1") })).status, 200);
  assert.equal(A.requests.length, 1);
  assert.ok(s.logs.some((l) => l.includes("amp upstream: disabled")));
});

test("CFG-9: an invalid upstream-url at start logs an error naming ampcode.upstream-url and leaves Amp off; the server still serves", async (t) => {
  for (const bad of ["ampcode.com", "://bad", "ftp://x.example", "http://"]) {
    const s = await startServer(t, { apiKeys: ["ck-1"], ampcode: { upstreamUrl: bad, upstreamApiKey: "k" } });
    assert.ok(
      s.logs.some((l) => l.includes("ERROR amp config:") && l.includes("ampcode.upstream-url")),
      bad,
    );
    assert.equal((await raw(`${s.url}/api/user`, { headers: bearer("ck-1") })).status, 503);
    assert.equal((await raw(`${s.url}/healthz`)).status, 200);
  }
});

test('CFG-9 / HR-3: an invalid upstream-url on reload logs "amp config: failed to …" and keeps the previous upstream', async (t) => {
  const { A, s } = await ampSetup(t);
  s.setConfig({ apiKeys: ["ck-1"], ampcode: { upstreamUrl: "ampcode.com", upstreamApiKey: "amp-default" } });
  assert.ok(
    s.logs.some((l) => l.includes("ERROR amp config: failed to update upstream") && l.includes('"ampcode.com"')),
  );
  assert.equal((await raw(`${s.url}/api/user`, { headers: bearer("ck-1") })).status, 200);
  assert.equal(A.requests.length, 1);
});

test('parseUpstreamUrl() trims, accepts http(s) with a host, treats "" as off, and rejects the rest naming the key', () => {
  assert.equal(parseUpstreamUrl("  https://ampcode.com  ")?.origin, "https://ampcode.com");
  assert.equal(parseUpstreamUrl("http://[::1]:8080/x")?.url.host, "[::1]:8080");
  assert.equal(parseUpstreamUrl("   "), undefined);
  assert.throws(() => parseUpstreamUrl("ampcode.com"), /ampcode\.upstream-url "ampcode\.com"/);
  assert.throws(() => parseUpstreamUrl("://bad"), /not a valid URL/);
});

test("createAmpRuntime(): upstream() parses a snapshot it was never given; firstTime() is true once per key", () => {
  const log = createLogger({ sink: () => {} });
  const app = { log, clock: { now: () => 0 }, env: {}, homeDir: "/nonexistent" } as unknown as App;
  const rt = createAmpRuntime(() => app);
  rt.update(makeConfig({ ampcode: { upstreamUrl: "https://a.example" } }));
  assert.equal(rt.upstream(makeConfig({ ampcode: { upstreamUrl: "https://b.example" } }))?.origin, "https://b.example");
  assert.equal(rt.upstream(makeConfig({ ampcode: { upstreamUrl: "bad" } }))?.origin, "https://a.example");
  assert.equal(rt.firstTime("x"), true);
  assert.equal(rt.firstTime("x"), false);
});
