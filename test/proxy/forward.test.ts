import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Readable } from "node:stream";
import type { AddressInfo, Socket } from "node:net";
import { startFake, sendJson } from "../support/fake-upstream.js";
import {
  agentFor,
  closeAgents,
  effectiveProxy,
  passableResponseHeaders,
  sendUpstream,
  UpstreamError,
} from "../../src/proxy/forward.js";

test("passableResponseHeaders() drops hop-by-hop, Set-Cookie, length, encoding and gateway headers", () => {
  const out = passableResponseHeaders({
    "x-request-id": "r",
    "set-cookie": ["a"],
    "content-length": "1",
    "content-encoding": "gzip",
    "x-litellm-key": "k",
    "helicone-id": "h",
    "transfer-encoding": "chunked",
    "x-ratelimit-remaining": "5",
    vary: ["a", "b"] as unknown as string,
  });
  assert.deepEqual(out, { "x-request-id": "r", "x-ratelimit-remaining": "5", vary: "a, b" });
});

test("effectiveProxy() prefers the credential's proxy and treats direct/none as no proxy", () => {
  assert.equal(effectiveProxy("", "http://g:1"), "http://g:1");
  assert.equal(effectiveProxy("http://c:1", "http://g:1"), "http://c:1");
  assert.equal(effectiveProxy("direct", "http://g:1"), "");
  assert.equal(effectiveProxy("", "none"), "");
  assert.equal(effectiveProxy("", ""), "");
});

test("agentFor() reuses one keep-alive agent per origin and proxy", () => {
  const a = agentFor(new URL("http://127.0.0.1:1/a"), "", 1000);
  assert.equal(agentFor(new URL("http://127.0.0.1:1/b"), "", 1000), a);
  assert.notEqual(agentFor(new URL("http://127.0.0.1:2/b"), "", 1000), a);
  assert.equal((a as unknown as { keepAlive: boolean }).keepAlive, true);
  closeAgents();
});

test("sendUpstream() sends method, headers and body and reuses the connection", async (t) => {
  t.after(closeAgents);
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, { ok: 1 }));
  const ports = new Set<number>();
  for (let i = 0; i < 2; i++) {
    const res = await sendUpstream(
      { url: `${fake.url}/p?q=1`, headers: { "x-h": "v" }, body: Buffer.from('{"a":1}') },
      { connectTimeoutMs: 1000 },
    );
    ports.add(res.socket.localPort!);
    for await (const _ of res);
  }
  const r = await fake.nth(1);
  assert.equal(r.method, "POST");
  assert.equal(r.url, "/p?q=1");
  assert.equal(r.headers["x-h"], "v");
  assert.deepEqual(r.json, { a: 1 });
  assert.equal(ports.size, 1);
});

test("sendUpstream() fails with a 502 UpstreamError naming the host when nothing listens", async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  await assert.rejects(
    sendUpstream({ url: `http://127.0.0.1:${port}/x`, headers: {} }, { connectTimeoutMs: 1000 }),
    (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.status, 502);
      assert.match(err.message, new RegExp(`Cannot reach upstream "127.0.0.1:${port}": ECONNREFUSED`));
      return true;
    },
  );
});

test("sendUpstream() aborts the upstream request when the signal aborts", async (t) => {
  t.after(closeAgents);
  const fake = await startFake(t, () => undefined);
  const ac = new AbortController();
  const pending = sendUpstream(
    { url: `${fake.url}/slow`, headers: {}, body: Buffer.from("x") },
    { connectTimeoutMs: 1000, signal: ac.signal },
  );
  const rec = await fake.nth(1);
  ac.abort(new Error("client disconnected"));
  await assert.rejects(pending);
  await rec.closed;
  await assert.rejects(
    sendUpstream({ url: `${fake.url}/slow`, headers: {} }, { connectTimeoutMs: 1000, signal: ac.signal }),
  );
});

test("UpstreamError from a reset socket names the host", async (t) => {
  t.after(closeAgents);
  const server = createServer((s: Socket) => s.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  await assert.rejects(
    sendUpstream({ url: `http://127.0.0.1:${port}/x`, headers: {} }, { connectTimeoutMs: 1000 }),
    /Cannot reach upstream "127\.0\.0\.1:\d+"/,
  );
});

test("sendUpstream() sends again on a fresh connection when a pooled one was closed while idle", async (t) => {
  t.after(closeAgents);
  // The first connection answers once, then resets on its next request; later connections answer normally.
  let connections = 0;
  const server = createServer((s: Socket) => {
    const n = ++connections;
    let requests = 0;
    s.on("data", (d) => {
      if (!d.toString().includes("\r\n\r\n")) return;
      if (n === 1 && ++requests === 2) return void s.resetAndDestroy();
      s.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  for (let i = 0; i < 2; i++) {
    const res = await sendUpstream({ url, headers: {} }, { connectTimeoutMs: 1000 });
    let text = "";
    for await (const c of res) text += c;
    assert.equal(text, "ok");
  }
  assert.equal(connections, 2);
});

test("sendUpstream() pipes a stream body and sends `path` as written, never re-encoded", async (t) => {
  t.after(closeAgents);
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, { ok: 1 }));
  const res = await sendUpstream(
    {
      url: new URL(fake.url),
      path: "/a/%7e'b?q='x'&k=%zz",
      headers: { "transfer-encoding": "chunked" },
      body: Readable.from([Buffer.from('{"a":'), Buffer.from("1}")]),
    },
    { connectTimeoutMs: 1000 },
  );
  for await (const _ of res);
  const r = await fake.nth(1);
  assert.equal(r.url, "/a/%7e'b?q='x'&k=%zz");
  assert.deepEqual(r.json, { a: 1 });
});

test("sendUpstream() never sends a stream body again after a stale pooled connection", async (t) => {
  t.after(closeAgents);
  let connections = 0;
  const server = createServer((s: Socket) => {
    const n = ++connections;
    let requests = 0;
    s.on("data", (d) => {
      if (!d.toString().includes("\r\n\r\n")) return;
      if (n === 1 && ++requests === 2) return void s.resetAndDestroy();
      s.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  for await (const _ of await sendUpstream({ url, headers: {} }, { connectTimeoutMs: 1000 }));
  await assert.rejects(
    sendUpstream(
      { url, headers: { "content-length": "1" }, body: Readable.from([Buffer.from("x")]) },
      { connectTimeoutMs: 1000 },
    ),
    (err: unknown) => err instanceof UpstreamError && err.staleSocket,
  );
  assert.equal(connections, 1);
});

test("sendUpstream() tells a head timeout by its phase", async (t) => {
  t.after(closeAgents);
  const fake = await startFake(t, () => undefined);
  await assert.rejects(
    sendUpstream({ url: `${fake.url}/slow`, headers: {} }, { connectTimeoutMs: 1000, responseTimeoutMs: 50 }),
    (err: unknown) => err instanceof UpstreamError && err.kind === "timeout" && err.phase === "head",
  );
});
