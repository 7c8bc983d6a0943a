import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { once } from "node:events";
import { listen } from "../../src/server/listen.js";
import { allRoutes } from "../../src/app/routes.js";
import { route } from "../../src/server/router.js";
import { createApp } from "../../src/app/app.js";
import { makeConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";

test("close() lets an open stream finish, refuses new connections, and resolves when drained", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const app = createApp({ config: makeConfig(), env: {}, homeDir: "/none", log: createLogger({ sink: () => {} }) });
  const running = await listen(app, "127.0.0.1", 0, [
    route("GET", "/stream", "openai", async (_req, ctx) => {
      ctx.res.writeHead(200, { "content-type": "text/event-stream" });
      ctx.res.write("data: 1\n\n");
      await released;
      ctx.res.end("data: 2\n\n");
    }),
  ]);
  const req = request(`${running.url}/stream`);
  req.end();
  const [res] = (await once(req, "response")) as [import("node:http").IncomingMessage];
  const chunks: string[] = [];
  res.setEncoding("utf8");
  res.on("data", (c: string) => {
    chunks.push(c);
  });
  await once(res, "data");
  let closed = false;
  const closing = running.close(10_000).then(() => (closed = true));
  await assert.rejects(fetch(`${running.url}/stream`), "new connections are refused while draining");
  assert.equal(closed, false);
  release();
  await once(res, "end");
  await closing;
  assert.equal(chunks.join(""), "data: 1\n\ndata: 2\n\n");
});

test("close() destroys connections still open when the drain timeout passes", async () => {
  const app = createApp({ config: makeConfig(), env: {}, homeDir: "/none", log: createLogger({ sink: () => {} }) });
  const running = await listen(app, "127.0.0.1", 0, [
    route("GET", "/hang", "openai", async (_req, ctx) => {
      ctx.res.writeHead(200);
      ctx.res.write("x");
      await new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r()));
    }),
  ]);
  const req = request(`${running.url}/hang`);
  req.end();
  const [res] = (await once(req, "response")) as [import("node:http").IncomingMessage];
  res.resume();
  res.on("error", () => {}); // the cut is the point of this test
  req.on("error", () => {});
  const aborted = new Promise((r) => res.once("close", r));
  await running.close(20);
  await aborted;
  assert.equal(res.complete, false);
});

test("the server answers a malformed request line with 400 and keeps serving", async () => {
  const { connect } = await import("node:net");
  const app = createApp({ config: makeConfig(), env: {}, homeDir: "/none", log: createLogger({ sink: () => {} }) });
  const running = await listen(app, "127.0.0.1", 0, allRoutes());
  const sock = connect(running.port, "127.0.0.1");
  sock.write("BROKEN\r\n\r\n");
  let text = "";
  sock.setEncoding("utf8");
  sock.on("data", (d) => (text += d));
  await once(sock, "close");
  assert.match(text, /^HTTP\/1.1 400/);
  const ok = await fetch(`${running.url}/healthz`);
  assert.equal(ok.status, 200);
  await running.close(100);
});
