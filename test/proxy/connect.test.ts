import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { connect as netConnect, type AddressInfo, type Socket } from "node:net";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { closeAgents, sendUpstream, UpstreamError } from "../../src/proxy/forward.js";
import { createProxyAgent, openTunnel } from "../../src/proxy/connect.js";
import { providerKey } from "../../src/config/schema.js";
import { startServer } from "../support/server.js";

/** A CONNECT proxy on loopback recording every tunnel target and Proxy-Authorization it saw. */
async function startConnectProxy(
  t: { after(fn: () => unknown): void },
  opts: { refuse?: boolean; silent?: boolean } = {},
) {
  const tunnels: Array<{ target: string; auth?: string }> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req, client: Socket) => {
    tunnels.push({ target: req.url ?? "", auth: req.headers["proxy-authorization"] });
    sockets.add(client);
    if (opts.silent) return;
    if (opts.refuse) return void client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = netConnect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tunnels };
}

test("sendUpstream() tunnels through an http CONNECT proxy when proxyUrl is set", async (t) => {
  t.after(closeAgents);
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, { via: "tunnel" }));
  const proxy = await startConnectProxy(t);
  const res = await sendUpstream(
    { url: `${fake.url}/v1/x`, headers: { "x-test": "1" }, body: Buffer.from("{}") },
    { connectTimeoutMs: 2000, proxyUrl: proxy.url },
  );
  let text = "";
  for await (const c of res) text += c;
  assert.equal(text, '{"via":"tunnel"}');
  assert.deepEqual(
    proxy.tunnels.map((x) => x.target),
    [`127.0.0.1:${fake.port}`],
  );
  assert.equal((await fake.nth(1)).headers["x-test"], "1");
});

test("openTunnel() sends Proxy-Authorization from the proxy URL's userinfo", async (t) => {
  const fake = await startFake(t);
  const proxy = await startConnectProxy(t);
  const u = new URL(proxy.url);
  u.username = "user";
  u.password = "p%40ss";
  const socket = await openTunnel(u, "127.0.0.1", fake.port, 2000);
  socket.destroy();
  assert.equal(proxy.tunnels[0].auth, `Basic ${Buffer.from("user:p@ss").toString("base64")}`);
});

test("sendUpstream() fails with an unreachable UpstreamError when the proxy refuses the tunnel", async (t) => {
  t.after(closeAgents);
  const proxy = await startConnectProxy(t, { refuse: true });
  await assert.rejects(
    sendUpstream({ url: "http://127.0.0.1:9/x", headers: {} }, { connectTimeoutMs: 2000, proxyUrl: proxy.url }),
    (err: unknown) =>
      err instanceof UpstreamError && err.status === 502 && /refused a tunnel/.test(String((err as Error).cause)),
  );
});

test("sendUpstream() answers a timeout UpstreamError when the proxy never opens the tunnel", async (t) => {
  t.after(closeAgents);
  const proxy = await startConnectProxy(t, { silent: true });
  await assert.rejects(
    sendUpstream({ url: "http://127.0.0.1:9/x", headers: {} }, { connectTimeoutMs: 50, proxyUrl: proxy.url }),
    (err: unknown) => err instanceof UpstreamError && err.kind === "timeout" && err.status === 504,
  );
});

test("createProxyAgent() rejects a socks5 proxy URL with a clear error", () => {
  assert.throws(
    () => createProxyAgent(new URL("socks5://127.0.0.1:1080"), false, { connectTimeoutMs: 10 }),
    /only http and https proxies are supported/,
  );
});

test("proxy-url: a credential's proxy carries its upstream traffic; direct bypasses the global proxy", async (t) => {
  t.after(closeAgents);
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, { id: "msg", type: "message", content: [] }));
  const credProxy = await startConnectProxy(t);
  const globalProxy = await startConnectProxy(t);
  const s = await startServer(t, {
    apiKeys: ["sk-client"],
    proxyUrl: globalProxy.url,
    claudeApiKey: [
      providerKey("ka", { baseUrl: fake.url, proxyUrl: credProxy.url, models: [{ name: "a", alias: "a" }] }),
      providerKey("kb", { baseUrl: fake.url, proxyUrl: "direct", models: [{ name: "b", alias: "b" }] }),
      providerKey("kc", { baseUrl: fake.url, models: [{ name: "c", alias: "c" }] }),
    ],
  });
  const ask = (model: string) =>
    fetch(`${s.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: "Bearer sk-client" },
      body: JSON.stringify({ model, max_tokens: 1, messages: [] }),
    });
  assert.equal((await ask("a")).status, 200);
  assert.equal(credProxy.tunnels.length, 1);
  assert.equal((await ask("b")).status, 200);
  assert.equal(credProxy.tunnels.length + globalProxy.tunnels.length, 1);
  assert.equal((await ask("c")).status, 200);
  assert.equal(globalProxy.tunnels.length, 1);
  assert.equal(fake.requests.length, 3);
});
