/** serveLocal() (src/pipeline/serve.ts): upstream answers and failures that cross the provider layer. */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { serveLocal } from "../../src/pipeline/serve.js";
import { sendError } from "../../src/server/errors.js";
import type { App, Ctx } from "../../src/server/handler.js";
import type { LocalCall } from "../../src/providers/types.js";
import { startServer } from "../support/server.js";
import { sendJson, startFake } from "../support/fake-upstream.js";
import {
  claudeMessage,
  key,
  post,
  sendSse,
  CLAUDE_STREAM,
  CLIENT_KEY,
  RESPONSES_STREAM,
} from "../providers/support.js";
import { routingConfig } from "../amp/routing-setup.js";

const MSG = { model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] };

/** A raw TCP upstream that answers every request with `reply` and closes. */
async function rawUpstream(t: TestContext, reply: string): Promise<string> {
  const server = createNetServer((socket) => {
    socket.once("data", () => socket.end(reply));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test("serveLocal() answers 502 naming the host when the upstream status is outside 100–599", async (t) => {
  const url = await rawUpstream(t, "HTTP/1.1 000 X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", url)] });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 502);
  const body = (await res.json()) as { type: string; error: { message: string } };
  assert.equal(body.type, "error");
  assert.match(body.error.message, new RegExp(`"${new URL(url).host}".*status 0`));
});

test("serveLocal() keeps an Amp thread on one credential with session affinity on, and rotates other threads", async (t) => {
  const seen: string[] = [];
  const fake = await startFake(t, (r, res) => {
    seen.push(String(r.headers.authorization ?? r.headers["x-api-key"]));
    sendJson(res, 200, claudeMessage());
  });
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    claudeApiKey: [key("ka", fake.url), key("kb", fake.url)],
    routing: { strategy: "round-robin", sessionAffinity: true, sessionAffinityTtlMs: 60_000 },
  });
  for (const thread of ["T-1", "T-1", "T-1", "T-2", "T-2", "T-1"]) {
    const res = await post(s.url, "/v1/messages", MSG, { "x-amp-thread-id": thread });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  const [a, b] = [seen[0], seen[3]];
  assert.notEqual(a, b);
  assert.deepEqual(seen, [a, a, a, b, b, a]);
});

/** Serves `call` through serveLocal() on a bare server (no dispatch), answering thrown errors as dispatch would. */
async function direct(t: TestContext, app: App, call: LocalCall): Promise<{ url: string; thrown: unknown[] }> {
  const thrown: unknown[] = [];
  const server = createServer((req, res) => {
    const ctx = {
      res,
      url: new URL(req.url ?? "/", "http://127.0.0.1"),
      params: {},
      dialect: "anthropic",
      config: app.config(),
      signal: new AbortController().signal,
      app,
      requestId: "r-1",
      peer: "127.0.0.1",
      notes: {},
    } as unknown as Ctx;
    serveLocal(req, ctx, call).catch((err: unknown) => {
      thrown.push(err);
      sendError(res, "anthropic", err);
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, thrown };
}

test("serveLocal() rethrows its own bug (a throwing rewriter) without cooling the credential or trying another", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url), key("kb", fake.url)] });
  const bug = new TypeError("Cannot read properties of undefined (reading 'content')");
  const rewrite = {
    json: () => {
      throw bug;
    },
    event: (d: Record<string, unknown>) => d,
  };
  const body = Buffer.from(JSON.stringify(MSG));
  const d = await direct(t, s.app, {
    endpoint: "anthropic-messages",
    body,
    json: MSG,
    model: MSG.model,
    headers: {},
    rewrite,
  });
  const res = await fetch(d.url, { method: "POST", body });
  assert.equal(res.status, 500);
  assert.deepEqual(d.thrown, [bug]);
  assert.equal(fake.requests.length, 1, "no other credential was tried");
  assert.deepEqual(
    s.app.providers.state().map((c) => c.state),
    ["ok", "ok"],
    "no credential was cooled",
  );
});

test("serveLocal() fails over when a non-stream answer is cut mid-body", async (t) => {
  const cut = await startFake(t, (_r, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
    res.write('{"id":"msg_1",');
    setImmediate(() => res.destroy());
  });
  const fine = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    claudeApiKey: [key("ka", cut.url), key("kb", fine.url)],
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
  });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { id: string }).id, "msg_1");
  assert.equal(cut.requests.length, 1);
  assert.equal(fine.requests.length, 1);
});

test("serveLocal() on the Amp path passes an upstream `: ping` comment through the model rewriter to the client", async (t) => {
  const F = await startFake(t, (_r, res) => sendSse(res, CLAUDE_STREAM));
  const A = await startFake(t, (_r, res) => sendJson(res, 500, { error: "Amp upstream must not be asked" }));
  const s = await startServer(t, routingConfig(F.url, A.url));
  const res = await fetch(`${s.url}/api/provider/anthropic/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "ck-1", "content-type": "application/json" },
    body: JSON.stringify({ ...MSG, stream: true }),
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /\n\n: ping\n\nevent: content_block_delta\n/);
  assert.equal(A.requests.length, 0);
});

/** Counts JSON.parse calls on texts that contain `marker`, for the rest of the test; the hub's own parses (src/translate) are not ours to count. */
function countParses(t: TestContext, marker: string): () => number {
  const real = JSON.parse;
  let n = 0;
  t.mock.method(JSON, "parse", (s: string, ...rest: []) => {
    if (typeof s === "string" && s.includes(marker) && !/[\\/]src[\\/]translate[\\/]/.test(new Error().stack ?? ""))
      n++;
    return real(s, ...rest);
  });
  return () => n;
}

/** A whole HTTP/1.1 JSON answer for rawUpstream(). */
function rawJson(body: unknown): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`;
}

test("serveLocal() parses a same-dialect request body once: the executor gets the parsed object", async (t) => {
  const url = await rawUpstream(t, rawJson(claudeMessage()));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", url)] });
  const parses = countParses(t, "marker-request-7f3");
  const res = await post(s.url, "/v1/messages", {
    ...MSG,
    messages: [{ role: "user", content: "marker-request-7f3" }],
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  assert.equal(parses(), 1, "only the route's readJson parses the body");
});

test("serveLocal() parses each upstream event once on the Amp path, where the rewriter needs it as an object", async (t) => {
  const marked = CLAUDE_STREAM.map((e) => e.replace('"text":"hi"', '"text":"marker-event-5c1"'));
  const F = await startFake(t, (_r, res) => sendSse(res, marked));
  const A = await startFake(t, (_r, res) => sendJson(res, 500, {}));
  const s = await startServer(t, routingConfig(F.url, A.url));
  const parses = countParses(t, "marker-event-5c1");
  const res = await fetch(`${s.url}/api/provider/anthropic/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "ck-1", "content-type": "application/json" },
    body: JSON.stringify({ ...MSG, stream: true }),
  });
  assert.match(await res.text(), /marker-event-5c1/);
  assert.equal(parses(), 1);
});

test("serveLocal() folds an always-streamed Codex answer reading each event's data once (the hub's fold aside)", async (t) => {
  const marked = RESPONSES_STREAM.map((e) => e.replaceAll('"hi"', '"marker-codex-9d"')); // in two events
  const url = await rawUpstream(
    t,
    `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n${marked.join("")}`,
  );
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    codexApiKey: [key("kc", url)],
    usageStatisticsEnabled: true,
  });
  const parses = countParses(t, "marker-codex-9d");
  const res = await post(s.url, "/v1/responses", { model: "gpt-5", input: "hi" });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /"text":"marker-codex-9d"/);
  assert.equal(parses(), 2, "collectEvents parses each event once; the error, final and usage checks reuse it");
});

test("serveLocal() passes a same-dialect JSON answer through unparsed when usage statistics are off, and parses it once when on", async (t) => {
  const url = await rawUpstream(t, rawJson(claudeMessage("marker-answer-2b8")));
  const off = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", url)] });
  const parses = countParses(t, "marker-answer-2b8");
  const res = await post(off.url, "/v1/messages", MSG);
  assert.equal(await res.text(), JSON.stringify(claudeMessage("marker-answer-2b8")));
  assert.equal(parses(), 0);
  const on = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    claudeApiKey: [key("ka", url)],
    usageStatisticsEnabled: true,
  });
  await (await post(on.url, "/v1/messages", MSG)).text();
  assert.equal(parses(), 1);
});
