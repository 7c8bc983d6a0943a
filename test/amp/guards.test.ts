import test from "node:test";
import { INVALID_KEY } from "../../src/server/auth.js";
import assert from "node:assert/strict";
import { createServer, request, type IncomingMessage } from "node:http";
import { networkInterfaces } from "node:os";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";
import { sendJson } from "../support/fake-upstream.js";
import { startServer } from "../support/server.js";
import { ampSetup, bearer, raw } from "./management-setup.js";
import { browserBypass, isBrowserPage, isLoopbackAddress, LOCALHOST_ONLY } from "../../src/amp/guards.js";
import { AMP_ROUTES } from "../../src/amp/routes.js";
import { AMP_PROVIDER_ROUTES } from "../../src/amp/provider-routes.js";
import { dispatch } from "../../src/server/dispatch.js";
import { createRouter } from "../../src/server/router.js";
import type { App } from "../../src/server/handler.js";

/** The Amp routes of `app` served on loopback, but with the socket peer reported as `peer` (a fake remote client). */
async function asPeer(t: TestContext, app: App, peer: string): Promise<string> {
  const routes = AMP_ROUTES.map((r) => ({
    ...r,
    handler: (req: IncomingMessage, ctx: Parameters<typeof r.handler>[1]) => r.handler(req, { ...ctx, peer }),
  }));
  const server = createServer(dispatch(routes, app));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function nonLoopbackIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return undefined;
}

test("isLoopbackAddress() accepts 127/8, ::1 and IPv4-mapped loopback, and denies everything else", () => {
  for (const a of [
    "127.0.0.1",
    "127.5.6.7",
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",
    "::FFFF:127.9.9.9",
    "0:0:0:0:0:0:0:1",
    "0:0:0:0:0:ffff:7f00:1",
  ])
    assert.equal(isLoopbackAddress(a), true, a);
  for (const a of [
    "10.0.0.1",
    "8.8.8.8",
    "::ffff:8.8.8.8",
    "2001:db8::1",
    "fe80::1%lo0",
    "::",
    "0.0.0.0",
    "",
    "localhost",
    "garbage",
    "128.0.0.1",
  ])
    assert.equal(isLoopbackAddress(a), false, a);
});

test("isBrowserPage() matches /threads, /auth, /docs, /settings and their sub-paths only", () => {
  for (const p of [
    "/threads",
    "/threads/T-1",
    "/auth",
    "/auth/cli-login",
    "/docs",
    "/docs/x",
    "/settings",
    "/settings/",
  ])
    assert.equal(isBrowserPage(p), true, p);
  for (const p of ["/threads.rss", "/news.rss", "/api/threads", "/authx", "/docs-x", "/"])
    assert.equal(isBrowserPage(p), false, p);
});

test("browserBypass() needs GET/HEAD, a loopback peer and Sec-Fetch-Site absent, none or same-origin", () => {
  const ctx = (path: string, peer = "127.0.0.1") => ({ url: new URL(`http://x${path}`), peer });
  const req = (method: string, site?: string) =>
    ({
      method,
      headers: site === undefined ? { host: "127.0.0.1:8317" } : { host: "localhost:8317", "sec-fetch-site": site },
    }) as IncomingMessage;
  assert.equal(browserBypass(req("GET"), ctx("/threads/T-1")), true);
  assert.equal(browserBypass(req("HEAD", "none"), ctx("/auth/cli-login")), true);
  assert.equal(browserBypass(req("GET", "same-origin"), ctx("/docs")), true);
  assert.equal(browserBypass(req("GET", "cross-site"), ctx("/threads/T-1")), false);
  assert.equal(browserBypass(req("GET", "same-site"), ctx("/threads/T-1")), false);
  assert.equal(browserBypass(req("POST"), ctx("/auth/cli-login")), false);
  assert.equal(browserBypass(req("GET"), ctx("/threads.rss")), false);
  assert.equal(browserBypass(req("GET"), ctx("/api/threads")), false);
  assert.equal(browserBypass(req("GET"), ctx("/threads/T-1", "192.0.2.1")), false);
});

test("S-2 key required: GET /api/threads without credentials is 401 Missing API key, with a wrong key 401 Invalid API key; A gets nothing", async (t) => {
  const { A, s } = await ampSetup(t);
  const missing = await raw(`${s.url}/api/threads`);
  assert.equal(missing.status, 401);
  assert.equal(missing.body.toString(), '{"error":"Missing API key"}');
  const wrong = await raw(`${s.url}/api/threads`, { headers: bearer("nope") });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.toString(), JSON.stringify({ error: INVALID_KEY }));
  assert.equal(A.requests.length, 0);
});

test("S-3 local browser pages (N2): key-less GET of thread and login pages from loopback reach A with the upstream key; other shapes get 401", async (t) => {
  const { A, s } = await ampSetup(t);
  assert.equal((await raw(`${s.url}/threads/T-1`)).status, 200);
  assert.equal((await raw(`${s.url}/auth/cli-login?authToken=z`)).status, 200);
  assert.equal((await A.nth(1)).url, "/threads/T-1");
  assert.equal((await A.nth(2)).url, "/auth/cli-login?authToken=z");
  for (const r of A.requests) assert.equal(r.headers.authorization, "Bearer amp-default");
  assert.equal((await raw(`${s.url}/threads/T-1`, { headers: { "sec-fetch-site": "cross-site" } })).status, 401);
  assert.equal((await raw(`${s.url}/auth/cli-login`, { method: "POST", body: "{}" })).status, 401);
  assert.equal((await raw(`${s.url}/threads.rss`)).status, 401);
  assert.equal((await raw(`${s.url}/news.rss`)).status, 401);
  assert.equal(A.requests.length, 2);
});

test("S-4 remote peer (N2): key-less /threads/T-1 from a non-loopback peer is 401; with ck-1 it reaches A", async (t) => {
  const { A, s } = await ampSetup(t);
  const url = await asPeer(t, s.app, "192.0.2.10");
  assert.equal((await raw(`${url}/threads/T-1`)).status, 401);
  assert.equal(A.requests.length, 0);
  assert.equal((await raw(`${url}/threads/T-1`, { headers: bearer("ck-1") })).status, 200);
  assert.equal((await A.nth(1)).headers.authorization, "Bearer amp-default");
});

test("S-4 remote peer over a real non-loopback interface", async (t) => {
  const address = nonLoopbackIPv4();
  if (!address)
    return t.skip("this machine has no non-loopback IPv4 address; the fake-peer test above covers the rule");
  const { A } = await ampSetup(t);
  const s = await startServer(
    t,
    { apiKeys: ["ck-1"], ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default" } },
    { host: address },
  );
  const url = `http://${address}:${s.port}`;
  assert.equal((await raw(`${url}/threads/T-1`, { localAddress: address })).status, 401);
  assert.equal(A.requests.length, 0);
  assert.equal((await raw(`${url}/threads/T-1`, { localAddress: address, headers: bearer("ck-1") })).status, 200);
  assert.equal((await A.nth(1)).headers.authorization, "Bearer amp-default");
  s.setConfig({
    apiKeys: ["ck-1"],
    ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default", restrictManagementToLocalhost: true },
  });
  const denied = await raw(`${url}/api/user`, {
    localAddress: address,
    headers: { ...bearer("ck-1"), "x-forwarded-for": "127.0.0.1" },
  });
  assert.equal(denied.status, 403);
  assert.equal(A.requests.length, 1);
});

test("S-5 upstream off: /api/user answers 503 with and without a key, before any auth", async (t) => {
  const { A, s } = await ampSetup(t, { amp: { upstreamUrl: "" } });
  for (const headers of [bearer("ck-1"), {}, bearer("wrong")]) {
    const res = await raw(`${s.url}/api/user`, { headers });
    assert.equal(res.status, 503);
    assert.equal(res.body.toString(), '{"error":"amp upstream proxy not available"}');
  }
  assert.equal((await raw(`${s.url}/threads/T-1`, { method: "OPTIONS" })).status, 503);
  assert.equal(A.requests.length, 0);
  assert.deepEqual(
    s.logs.filter((l) => l.includes("/api/user") || l.includes("/threads")),
    [],
  );
});

test("S-5 upstream off: the provider model list still answers 200", async (t) => {
  const found = createRouter(AMP_PROVIDER_ROUTES).match("GET", "/api/provider/openai/v1/models");
  if (found.kind !== "found") return t.skip("provider-routes.ts has no model-list route yet (another engineer's part)");
  const { s } = await ampSetup(t, { amp: { upstreamUrl: "" } });
  assert.equal((await raw(`${s.url}/api/provider/openai/v1/models`, { headers: bearer("ck-1") })).status, 200);
});

test("S-16 localhost guard: loopback peers pass whatever X-Forwarded-For says, including ::ffff:127.0.0.1 on a dual-stack listener", async (t) => {
  const { A, s } = await ampSetup(t, { amp: { restrictManagementToLocalhost: true } });
  assert.equal(
    (await raw(`${s.url}/api/user`, { headers: { ...bearer("ck-1"), "x-forwarded-for": "8.8.8.8" } })).status,
    200,
  );
  let dual;
  try {
    dual = await startServer(
      t,
      {
        apiKeys: ["ck-1"],
        ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default", restrictManagementToLocalhost: true },
      },
      { host: "::" },
    );
  } catch {
    return t.skip("IPv6 is not available for a dual-stack listener");
  }
  assert.equal(
    (
      await raw(`http://127.0.0.1:${dual.port}/api/user`, {
        headers: { ...bearer("ck-1"), "x-forwarded-for": "8.8.8.8" },
      })
    ).status,
    200,
  );
  assert.equal(A.requests.length, 2);
  assert.equal(A.requests[1].headers["x-forwarded-for"], undefined);
});

test("S-16 localhost guard: a non-loopback peer gets 403 even claiming X-Forwarded-For: 127.0.0.1, before the key check", async (t) => {
  const { A, s } = await ampSetup(t, { amp: { restrictManagementToLocalhost: true } });
  for (const peer of ["192.0.2.10", "2001:db8::1", "::ffff:8.8.8.8", "not-an-ip"]) {
    const url = await asPeer(t, s.app, peer);
    const res = await raw(`${url}/api/user`, {
      headers: { ...bearer("ck-1"), "x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1" },
    });
    assert.equal(res.status, 403, peer);
    assert.equal(res.body.toString(), JSON.stringify({ error: LOCALHOST_ONLY }));
    assert.equal((await raw(`${url}/threads/T-1`)).status, 403);
  }
  assert.equal(A.requests.length, 0);
});

test("restrict-management-to-localhost changed by hot reload takes effect on the next request", async (t) => {
  const { A, s } = await ampSetup(t);
  const url = await asPeer(t, s.app, "192.0.2.10");
  assert.equal((await raw(`${url}/api/user`, { headers: bearer("ck-1") })).status, 200);
  s.setConfig({
    apiKeys: ["ck-1"],
    ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default", restrictManagementToLocalhost: true },
  });
  assert.equal((await raw(`${url}/api/user`, { headers: bearer("ck-1") })).status, 403);
  s.setConfig({
    apiKeys: ["ck-1"],
    ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default", restrictManagementToLocalhost: false },
  });
  assert.equal((await raw(`${url}/api/user`, { headers: bearer("ck-1") })).status, 200);
  assert.equal(A.requests.length, 2);
});

test("S-17 CORS (N4): OPTIONS on a management route is 403 with an empty body and no Access-Control-* header; A gets nothing", async (t) => {
  const { A, s } = await ampSetup(t);
  for (const path of ["/api/user", "/api/foo", "/threads/T-1", "/auth/cli-login"]) {
    const res = await raw(`${s.url}${path}`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    assert.equal(res.status, 403, path);
    assert.equal(res.body.length, 0);
    assert.deepEqual(
      Object.keys(res.headers).filter((h) => h.startsWith("access-control-")),
      [],
    );
  }
  assert.equal(A.requests.length, 0);
});

test("S-17 CORS (N4): Access-Control-* headers from A never reach the client on management routes", async (t) => {
  const { s } = await ampSetup(t, {
    handler: (_r, res) =>
      sendJson(
        res,
        200,
        { id: "u1" },
        { "access-control-allow-origin": "*", "access-control-allow-credentials": "true" },
      ),
  });
  const res = await raw(`${s.url}/api/user`, { headers: { ...bearer("ck-1"), origin: "https://evil.example" } });
  assert.equal(res.status, 200);
  assert.deepEqual(
    Object.keys(res.headers).filter((h) => h.startsWith("access-control-")),
    [],
  );
});

test("S-17 CORS: OPTIONS on a provider alias gets the server's normal preflight, not 403", async (t) => {
  const { A, s } = await ampSetup(t);
  const res = await raw(`${s.url}/api/provider/openai/v1/chat/completions`, {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "POST" },
  });
  assert.ok(res.status >= 200 && res.status < 300, String(res.status));
  assert.equal(res.headers["access-control-allow-origin"], "*");
  assert.equal(A.requests.length, 0);
});

/** Sends `path` exactly as written (no URL normalisation) and reads the answer. */
function rawPath(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(base, { headers, agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.path = path;
    r.on("error", reject);
    r.end();
  });
}

test("encoded traversal under the browser pages is refused with 400 and never reaches the Amp upstream", async (t) => {
  const { A, s } = await ampSetup(t);
  const tricks = [
    "..%2fapi%2fuser",
    "..;/api/user",
    "..%5capi%5cuser",
    "%2e%2e%2fapi%2fuser",
    "..%252fapi%252fuser",
    "..\\api\\user",
    "x;jsessionid=1",
    ".%2e/api/user",
  ];
  for (const page of ["/threads", "/auth", "/docs", "/settings"]) {
    for (const trick of tricks) {
      const res = await rawPath(s.url, `${page}/${trick}`);
      assert.equal(res.status, 400, `${page}/${trick}`);
      assert.match(res.body, /send the path in normal form/, `${page}/${trick}`);
    }
  }
  assert.equal(
    (await rawPath(s.url, "/api/threads/T-1%2f..%2f..%2fuser", { authorization: "Bearer ck-1" })).status,
    400,
    "keyed routes too",
  );
  assert.equal(A.requests.length, 0);
  const plain = await rawPath(s.url, "/threads/T-1?x=%2f");
  assert.equal(plain.status, 200, "an encoded slash in the query is data, not path");
  assert.equal((await A.nth(1)).url, "/threads/T-1?x=%2f");
});

test("the Amp upstream receives exactly the path the guards judged", async (t) => {
  const { A, s } = await ampSetup(t);
  // WHATWG parsing percent-encodes a space and quotes: the judged path is what is sent.
  assert.equal((await rawPath(s.url, '/threads/a"b', {})).status, 200);
  assert.equal((await A.nth(1)).url, "/threads/a%22b");
});

test("browser bypass: with no Sec-Fetch-Site, a cross-origin Origin or Referer, or a non-loopback Host, gets 401", async (t) => {
  const { A, s } = await ampSetup(t);
  const host = `127.0.0.1:${s.port}`;
  const refused: Array<Record<string, string>> = [
    { host, origin: "https://evil.example" },
    { host, origin: "null" },
    { host, referer: "https://evil.example/page" },
    { host, origin: `http://127.0.0.1:${s.port + 1}` },
    { host: `evil.example:${s.port}`, origin: `http://evil.example:${s.port}` }, // DNS rebinding
    { host, "sec-fetch-site": "none", origin: "https://evil.example" },
  ];
  for (const headers of refused)
    assert.equal((await rawPath(s.url, "/threads/T-1", headers)).status, 401, JSON.stringify(headers));
  assert.equal(A.requests.length, 0);
  for (const headers of [
    { host },
    { host, origin: `http://${host}` },
    { host: `localhost:${s.port}`, referer: `http://localhost:${s.port}/threads` },
  ] as Array<Record<string, string>>) {
    assert.equal((await rawPath(s.url, "/threads/T-1", headers)).status, 200, JSON.stringify(headers));
  }
});
