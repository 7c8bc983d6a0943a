/** serveLocal() (src/providers/serve.ts): upstream answers and failures that cross the provider layer. */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { startServer } from "../support/server.js";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { claudeMessage, key, post, CLIENT_KEY } from "./support.js";

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
    apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url), key("kb", fake.url)],
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
