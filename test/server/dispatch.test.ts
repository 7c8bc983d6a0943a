import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dispatch, dialectOfPath, loggablePath } from "../../src/server/dispatch.js";
import { route } from "../../src/server/router.js";
import { INVALID_KEY, requireApiKey } from "../../src/server/auth.js";
import { readBody, readJson } from "../../src/server/body.js";

let gzSettled: Promise<string> | undefined;
import { HttpError } from "../../src/server/errors.js";
import { createApp } from "../../src/app/app.js";
import { makeConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import type { Route } from "../../src/server/handler.js";

/** Parsed JSON of a fetch response, untyped for assertions. */
const j = async (r: Response): Promise<any> => r.json();

const echo = async (req: Parameters<Route["handler"]>[0], ctx: Parameters<Route["handler"]>[1]) => {
  const { json } = await readJson(req, ctx);
  ctx.res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ got: json, key: ctx.clientKey ?? null }));
};

const ROUTES: Route[] = [
  route("POST", "/v1/chat/completions", "openai", requireApiKey(echo)),
  route("POST", "/v1/messages", "anthropic", requireApiKey(echo)),
  route("POST", "/v1beta/models/:modelAction", "gemini", requireApiKey(echo)),
  route("GET", "/boom", "openai", async () => {
    throw new Error("secret internals sk-test-1234567890abcdef");
  }),
  route("GET", "/bad-status", "anthropic", async () => {
    throw new HttpError(0, "api_error", "Upstream answered with status 0");
  }),
  route("POST", "/gz", "openai", async (req, ctx) => {
    gzSettled = readBody(req, 1 << 20, { decode: true }).then(
      () => "resolved",
      () => "rejected",
    );
    await gzSettled;
    ctx.res.end();
  }),
  route("GET", "/teapot", "plain", async () => {
    throw new HttpError(418, "teapot", "I am a teapot", { headers: { "x-extra": "1" } });
  }),
];

async function serve(t: import("node:test").TestContext, overrides: Parameters<typeof makeConfig>[0] = {}) {
  const logs: string[] = [];
  const app = createApp({
    config: makeConfig({ apiKeys: ["sk-test"], ...overrides }),
    env: {},
    homeDir: "/nonexistent",
    log: createLogger({ level: "debug", sink: (l) => logs.push(l) }),
  });
  const server = createServer(dispatch(ROUTES, app));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise((r) => server.close(r)));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logs };
}

test("requireApiKey() answers 401 in the OpenAI, Anthropic and Gemini shapes on their endpoints", async (t) => {
  const { base } = await serve(t);
  const openai = await fetch(`${base}/v1/chat/completions`, { method: "POST", body: "{}" });
  assert.equal(openai.status, 401);
  assert.deepEqual(await j(openai), {
    error: { message: "Missing API key", type: "authentication_error", param: null, code: "invalid_api_key" },
  });
  const anthropic = await fetch(`${base}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "wrong" },
    body: "{}",
  });
  assert.equal(anthropic.status, 401);
  assert.deepEqual(await j(anthropic), {
    type: "error",
    error: { type: "authentication_error", message: INVALID_KEY },
  });
  const gemini = await fetch(`${base}/v1beta/models/g:generateContent?key=nope`, { method: "POST", body: "{}" });
  assert.equal(gemini.status, 401);
  assert.deepEqual(await j(gemini), { error: { code: 401, message: INVALID_KEY, status: "UNAUTHENTICATED" } });
  const ok = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer sk-test" },
    body: "{}",
  });
  assert.equal(ok.status, 200);
});

test("requireApiKey() accepts every key form and a right key after a wrong one (providers §7.2, §7.3)", async (t) => {
  const { base } = await serve(t);
  const forms: Array<[string, RequestInit]> = [
    ["/v1/chat/completions", { headers: { authorization: "Bearer sk-test" } }],
    ["/v1/chat/completions", { headers: { authorization: "sk-test" } }],
    ["/v1/chat/completions", { headers: { "x-goog-api-key": "sk-test" } }],
    ["/v1/chat/completions", { headers: { "x-api-key": "sk-test" } }],
    ["/v1/chat/completions?key=sk-test", {}],
    ["/v1/chat/completions?auth_token=sk-test", {}],
    ["/v1/messages", { headers: { authorization: "Bearer wrong", "x-api-key": "sk-test" } }],
  ];
  for (const [path, init] of forms) {
    const res = await fetch(base + path, { method: "POST", body: "{}", ...init });
    assert.equal(res.status, 200, path + JSON.stringify(init));
    assert.equal((await j(res)).key, "sk-test");
  }
});

test("api-keys empty lets every request through", async (t) => {
  const { base } = await serve(t, { apiKeys: [] });
  const res = await fetch(`${base}/v1/chat/completions`, { method: "POST", body: '{"a":1}' });
  assert.equal(res.status, 200);
});

test("readJson() answers 400 in the dialect for malformed JSON and a non-object, and the server keeps serving", async (t) => {
  const { base } = await serve(t);
  const bad = await fetch(`${base}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "sk-test" },
    body: "{nope",
  });
  assert.equal(bad.status, 400);
  const body = await j(bad);
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "invalid_request_error");
  assert.match(body.error.message, /not valid JSON/);
  const arr = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-api-key": "sk-test" },
    body: "[1]",
  });
  assert.equal(arr.status, 400);
  assert.match((await j(arr)).error.message, /must be a JSON object/);
  const ok = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-api-key": "sk-test" },
    body: '{"x":1}',
  });
  assert.deepEqual(await j(ok), { got: { x: 1 }, key: "sk-test" });
});

test("readJson() answers 413 over the body cap, declared or streamed, and the server keeps serving", async (t) => {
  const { base } = await serve(t, { bodyLimitBytes: 1024 });
  const declared = await fetch(`${base}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "sk-test" },
    body: "x".repeat(2000),
  });
  assert.equal(declared.status, 413);
  assert.equal((await j(declared)).error.type, "request_too_large");
  const chunks = new ReadableStream({
    start(c) {
      for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode("y".repeat(400)));
      c.close();
    },
  });
  const streamed = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-api-key": "sk-test" },
    body: chunks,
    duplex: "half",
  } as RequestInit);
  assert.equal(streamed.status, 413);
  assert.match((await j(streamed)).error.message, /1024 byte limit/);
  const ok = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-api-key": "sk-test" },
    body: "{}",
  });
  assert.equal(ok.status, 200);
});

test("readJson() decodes a gzip request body and rejects one that is labelled gzip but is not", async (t) => {
  const { gzipSync } = await import("node:zlib");
  const { base } = await serve(t);
  const good = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-api-key": "sk-test", "content-encoding": "gzip" },
    body: gzipSync('{"z":2}'),
  });
  assert.deepEqual((await j(good)).got, { z: 2 });
  const bad = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-api-key": "sk-test", "content-encoding": "gzip" },
    body: "plain",
  });
  assert.equal(bad.status, 400);
  assert.match((await j(bad)).error.message, /labelled gzip/);
});

test("dispatch() answers 404 and 405 in JSON, echoes X-Request-Id, and hides internal errors", async (t) => {
  const { base, logs } = await serve(t);
  const missing = await fetch(`${base}/v1/nothing`);
  assert.equal(missing.status, 404);
  assert.match((await j(missing)).error.message, /No route for GET \/v1\/nothing/);
  const wrongMethod = await fetch(`${base}/v1/messages`, { headers: { "x-request-id": "req-42" } });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get("allow"), "POST");
  assert.equal(wrongMethod.headers.get("x-request-id"), "req-42");
  assert.equal((await j(wrongMethod)).type, "error");
  const boom = await fetch(`${base}/boom`);
  assert.equal(boom.status, 500);
  // OpenAI's own 500 (the dialect's table): server_error, code internal_server_error as CLIProxyAPI writes it.
  assert.deepEqual(await j(boom), {
    error: { message: "Internal error", type: "server_error", param: null, code: "internal_server_error" },
  });
  assert.ok(logs.some((l) => l.includes("request failed") && l.includes("secret internals")));
  assert.ok(!logs.some((l) => l.includes("1234567890abcdef")), "the secret-shaped text is redacted");
  const tea = await fetch(`${base}/teapot`);
  assert.equal(tea.status, 418);
  assert.equal(tea.headers.get("x-extra"), "1");
  assert.deepEqual(await j(tea), { error: "I am a teapot" });
  assert.match(
    logs.find((l) => l.includes("GET /v1/nothing"))!,
    /status=404 ms=[\d.]+ bytes=\d+ id=/,
  );
});

test("dialectOfPath() and loggablePath() pick the dialect and hide credentials in query strings", () => {
  assert.equal(dialectOfPath("/v1/messages/x"), "anthropic");
  assert.equal(dialectOfPath("/v1beta/models"), "gemini");
  assert.equal(dialectOfPath("/v1/other"), "openai");
  assert.equal(
    loggablePath(new URL("http://x/a?key=secret&b=1&auth_token=t")),
    "/a?key=[REDACTED]&b=1&auth_token=[REDACTED]",
  );
  assert.equal(loggablePath(new URL("http://x/api/internal?getUserInfo")), "/api/internal?getUserInfo");
  assert.equal(
    loggablePath(new URL("http://x/callback?code=c0de&state=st4te&scope=a")),
    "/callback?code=[REDACTED]&state=[REDACTED]&scope=a",
  );
  assert.equal(loggablePath(new URL("http://x/a?b=1")), "/a?b=1");
  assert.equal(loggablePath(new URL("http://x/a")), "/a");
});

test("sendError() answers 502 instead of crashing on a status writeHead refuses", async (t) => {
  const { base } = await serve(t);
  const res = await fetch(`${base}/bad-status`);
  assert.equal(res.status, 502);
  assert.equal((await j(res)).error.message, "Upstream answered with status 0");
  assert.equal((await fetch(`${base}/v1/nothing`)).status, 404, "the server keeps serving");
});

test("readBody() settles when a client aborts in the middle of a gzip body", async (t) => {
  const { request } = await import("node:http");
  const { gzipSync } = await import("node:zlib");
  const { base } = await serve(t);
  const whole = gzipSync("x".repeat(100_000));
  const r = request(`${base}/gz`, {
    method: "POST",
    headers: { "content-encoding": "gzip", "content-length": String(whole.length) },
  });
  r.on("error", () => {});
  r.write(whole.subarray(0, 100));
  while (!gzSettled) await new Promise((resolve) => setImmediate(resolve));
  r.destroy();
  assert.equal(await gzSettled, "rejected");
});

test("dispatch() refuses dot segments and keeps a leading // in the path", async (t) => {
  const { request } = await import("node:http");
  const { base } = await serve(t);
  const raw = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = request(`${base}${path}`, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      r.on("error", reject);
      r.path = path;
      r.end();
    });
  const dotted = await raw("/api/internal/%2e%2e/%2E%2E/teapot");
  assert.equal(dotted.status, 400);
  assert.match(dotted.body, /dot segments/);
  assert.equal((await raw("/v1/../teapot")).status, 400);
  const doubled = await raw("//teapot");
  assert.equal(doubled.status, 404, "//teapot is not /teapot on another host");
  assert.equal((await raw("/teapot")).status, 418);
});
