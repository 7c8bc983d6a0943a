/** Port in use (issue 12 item 18): the error names the port, says whether a cliproxy holds it, and suggests --port. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { startServer } from "../support/server.js";
import { listen } from "../../src/server/listen.js";
import { allRoutes } from "../../src/app/routes.js";

test("listen() on a port another cliproxy holds says so, with the port and --port", async (t) => {
  const s = await startServer(t, {});
  await assert.rejects(listen(s.app, "127.0.0.1", s.port, allRoutes()), (err: Error & { code?: string }) => {
    assert.equal(err.code, "EADDRINUSE");
    assert.match(
      err.message,
      new RegExp(
        `^Port ${s.port} on 127\\.0\\.0\\.1 is already in use: another cliproxy \\S+ is already running there`,
      ),
    );
    assert.match(err.message, /Start with --port <another port>/);
    return true;
  });
});

test("listen() on a port held by another HTTP server or a non-HTTP program says which", async (t) => {
  const web = createServer((_req, res) => res.writeHead(404).end("nope"));
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
  t.after(() => web.close());
  const s = await startServer(t, {});
  await assert.rejects(
    listen(s.app, "127.0.0.1", (web.address() as AddressInfo).port, allRoutes()),
    /another HTTP server answers there, not cliproxy\. Start with --port/,
  );
  const raw = createNetServer((socket) => socket.destroy());
  await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
  t.after(() => raw.close());
  await assert.rejects(
    listen(s.app, "127.0.0.1", (raw.address() as AddressInfo).port, allRoutes()),
    /another program holds it/,
  );
});
