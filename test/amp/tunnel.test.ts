/** The actor-socket tunnel end to end: cliproxy between a WebSocket client and the Amp stand-in. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type AddressInfo } from "node:net";
import { createServer } from "node:http";
import { networkInterfaces } from "node:os";
import { acceptKey, dial } from "../support/ws.js";
import { startServer } from "../support/server.js";
import { PUBLISHABLE_RIVET_TOKEN } from "../support/amp-actor.js";
import { actorPath, AMP_KEY, CLIENT_KEY, credentials, protocols, tunnelSetup } from "./tunnel-setup.js";

test("an actor socket is tunnelled with rvt-token added and plays a turn; the client key never reaches upstream", async (t) => {
  const { A, s } = await tunnelSetup(t);
  const { threadId, wsToken } = await credentials(s);
  const d = await dial(`${s.url}${actorPath(threadId)}`.replace("rvt-namespace=default&", ""), {
    "sec-websocket-protocol": protocols(wsToken),
    "user-agent": "undici",
  });
  assert.ok(d.ok, JSON.stringify(!d.ok && d));
  assert.equal(d.res.headers["sec-websocket-protocol"], "rivet");
  const peer = d.peer;
  peer.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "executor_connect", params: {} }));
  assert.equal(JSON.parse(await peer.next((m) => m.includes("executor_connected"))).method, "executor_connected");
  peer.send(
    JSON.stringify({
      jsonrpc: "2.0",
      id: 2,
      method: "client_append_user_msg",
      params: { content: [{ type: "text", text: "Say hello" }], agentMode: "medium", messageId: "M-1" },
    }),
  );
  await peer.next((m) => m.includes('"idle"'));
  peer.send("ping");
  assert.equal(await peer.next((m) => m === "pong"), "pong");
  const up = A.upgrades.at(-1)!;
  assert.equal(up.status, 101);
  const q = new URL(up.url, "http://x").searchParams;
  assert.equal(q.get("rvt-token"), PUBLISHABLE_RIVET_TOKEN);
  assert.equal(q.get("rvt-namespace"), "default");
  assert.equal(q.get("rvt-key"), threadId);
  assert.equal(up.headers["sec-websocket-protocol"], protocols(wsToken), "subprotocols pass untouched");
  assert.equal(up.headers.authorization, undefined);
  assert.equal(up.headers["user-agent"], "undici");
  assert.equal(A.requests[0].headers.authorization, `Bearer ${AMP_KEY}`);
  for (const r of [...A.requests, ...A.upgrades])
    assert.ok(!JSON.stringify(r).includes(CLIENT_KEY), "client key reached upstream");
  const closed = new Promise((r) => peer.once("close", r));
  peer.close();
  await closed;
  await new Promise<void>((r) => (s.logs.some((l) => l.includes("amp tunnel closed")) ? r() : setImmediate(() => r())));
  const logs = s.logs.join("\n");
  assert.match(logs, /amp tunnel open: \/actors\/gateway\/threadActor\/websocket\//);
  assert.ok(!logs.includes(wsToken) && !logs.includes(PUBLISHABLE_RIVET_TOKEN), "no token in the log");
});

/** Resolves with the next tunnel close fields. */
function nextClose(s: {
  app: { amp: { tunnels: { events: import("node:events").EventEmitter } } };
}): Promise<Record<string, unknown>> {
  return new Promise((r) => s.app.amp.tunnels.events.once("closed", r));
}

/** Sends raw handshake text on a new connection; resolves with the status line and body. */
function rawUpgrade(port: number, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1", () => sock.write(text));
    let got = "";
    sock.on("data", (c) => (got += c.toString("latin1")));
    sock.on("error", reject);
    sock.on("close", () => resolve({ status: Number(got.split(" ")[1]), body: got.split("\r\n\r\n")[1] ?? "" }));
  });
}

test("a forged upgrade (unknown wsToken, or none) gets 401 and the upstream sees nothing", async (t) => {
  const { A, s } = await tunnelSetup(t);
  const { threadId } = await credentials(s);
  for (const headers of <Array<Record<string, string>>>[
    { "sec-websocket-protocol": protocols("wst_forged") },
    {},
    { authorization: `Bearer ${CLIENT_KEY}` },
    { "sec-websocket-protocol": "rivet, rivet_conn_params.%E0%A4%A" },
  ]) {
    const d = await dial(`${s.url}${actorPath(threadId)}`, headers);
    assert.equal(d.ok ? 101 : d.status, 401, JSON.stringify(headers));
    assert.match(d.ok ? "" : d.body, /Unknown or expired actor token/);
  }
  const api = await dial(`${s.url}/api/rivet`, { authorization: "Bearer wrong" });
  assert.equal(api.ok ? 101 : api.status, 401);
  assert.equal(A.upgrades.length, 0);
  assert.ok(
    s.logs.some((l) => l.includes("UPGRADE GET /actors/gateway/threadActor/websocket/") && l.includes("status=401")),
    s.logs.join("\n"),
  );
});

test("bad handshakes get 400 and reach nothing", async (t) => {
  const { A, s } = await tunnelSetup(t);
  const key = "dGhlIHNhbXBsZSBub25jZQ==";
  const path = actorPath("T-1");
  const base = (over: Record<string, string | undefined>, line = `GET ${path} HTTP/1.1`) => {
    const h: Record<string, string | undefined> = {
      Host: "x",
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": key,
      ...over,
    };
    return `${line}\r\n${Object.entries(h)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${v}`)
      .join("\r\n")}\r\n\r\n`;
  };
  const variants: Array<[string, string]> = [
    ["POST", base({ "Content-Length": "0" }, `POST ${path} HTTP/1.1`)],
    ["HTTP/1.0", base({}, `GET ${path} HTTP/1.0`)],
    ["version 8", base({ "Sec-WebSocket-Version": "8" })],
    ["no version", base({ "Sec-WebSocket-Version": undefined })],
    ["short key", base({ "Sec-WebSocket-Key": "c2hvcnQ=" })],
    ["no key", base({ "Sec-WebSocket-Key": undefined })],
    ["not base64", base({ "Sec-WebSocket-Key": "!!!!!!!!!!!!!!!!!!!!!!==" })],
    ["h2c", base({ Upgrade: "h2c" })],
    ["dot segments", base({}, `GET /actors/x/../../api/user HTTP/1.1`)],
  ];
  for (const [name, text] of variants) {
    const r = await rawUpgrade(s.port, text);
    assert.equal(r.status, 400, `${name}: ${r.body}`);
  }
  assert.equal((await rawUpgrade(s.port, base({}, "GET /v1/chat/completions HTTP/1.1"))).status, 404);
  assert.equal(A.upgrades.length, 0);
});

test("an upstream that refuses the upgrade: the client gets its status and body", async (t) => {
  const { A, s } = await tunnelSetup(t, { standIn: { refuseUpgrade: { status: 429, body: "actor busy" } } });
  const { threadId, wsToken } = await credentials(s);
  const d = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
  assert.ok(!d.ok);
  assert.equal(d.status, 429);
  assert.equal(d.body, "actor busy");
  assert.equal(A.upgrades.length, 1);
  assert.ok(s.logs.some((l) => l.includes("refused the upgrade") && l.includes("429")));
});

test("rvt-token: the configured one replaces the default, a client's own is kept, and a reload applies to the next socket", async (t) => {
  const { A, s } = await tunnelSetup(t, {
    standIn: { rivetToken: "pk_custom_1" },
    amp: { rivetToken: "pk_custom_1", rivetNamespace: "team" },
  });
  const c1 = await credentials(s);
  const d1 = await dial(`${s.url}/actors/gateway/threadActor/websocket/?rvt-method=get&rvt-key=${c1.threadId}`, {
    "sec-websocket-protocol": protocols(c1.wsToken),
  });
  assert.ok(d1.ok);
  const q1 = new URL(A.upgrades[0].url, "http://x").searchParams;
  assert.deepEqual([q1.get("rvt-token"), q1.get("rvt-namespace")], ["pk_custom_1", "team"]);
  d1.peer.socket.destroy();
  const own = await dial(`${s.url}${actorPath(c1.threadId)}&rvt-token=pk_clients_own`, {
    "sec-websocket-protocol": protocols(c1.wsToken),
  });
  assert.equal(own.ok ? 101 : own.status, 403, "the client's own token went upstream untouched");
  assert.equal(new URL(A.upgrades[1].url, "http://x").searchParams.getAll("rvt-token").join(), "pk_clients_own");
  s.setConfig({
    apiKeys: [CLIENT_KEY],
    ampcode: { upstreamUrl: A.url, upstreamApiKey: AMP_KEY, rivetToken: "pk_custom_2" },
  });
  assert.equal(
    (
      (await dial(`${s.url}${actorPath(c1.threadId)}`, { "sec-websocket-protocol": protocols(c1.wsToken) })) as {
        status?: number;
      }
    ).status,
    403,
  );
  A.options.rivetToken = "pk_custom_2";
  const d2 = await dial(`${s.url}${actorPath(c1.threadId)}`, { "sec-websocket-protocol": protocols(c1.wsToken) });
  assert.ok(d2.ok);
  d2.peer.socket.destroy();
});

test("permessage-deflate is negotiated end to end: the offer and the answer pass untouched", async (t) => {
  const { A, s } = await tunnelSetup(t, {
    standIn: { extensions: "permessage-deflate; server_no_context_takeover; client_max_window_bits=10" },
  });
  const { threadId, wsToken } = await credentials(s);
  const d = await dial(`${s.url}${actorPath(threadId)}`, {
    "sec-websocket-protocol": protocols(wsToken),
    "sec-websocket-extensions": "permessage-deflate; client_max_window_bits",
  });
  assert.ok(d.ok);
  assert.equal(A.upgrades[0].headers["sec-websocket-extensions"], "permessage-deflate; client_max_window_bits");
  assert.equal(
    d.res.headers["sec-websocket-extensions"],
    "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
  );
  d.peer.socket.destroy();
});

test("a peer that vanishes mid-tunnel frees both sockets, whichever side it was", async (t) => {
  const { A, s } = await tunnelSetup(t);
  for (const side of ["client", "upstream"] as const) {
    const { threadId, wsToken } = await credentials(s);
    const d = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
    assert.ok(d.ok);
    d.peer.send("ping");
    await d.peer.next((m) => m === "pong");
    const upstreamSocket = A.sockets.at(-1)!;
    const closed = nextClose(s);
    const bothGone = Promise.all([
      new Promise((r) => upstreamSocket.once("close", r)),
      new Promise((r) => d.peer.socket.once("close", r)),
    ]);
    (side === "client" ? d.peer.socket : upstreamSocket).destroy();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error(`${side} vanished: sockets not freed within 1 s`)), 1000)),
    );
    const [fields] = await Promise.race([Promise.all([closed, bothGone]), late]);
    clearTimeout(timer);
    assert.equal(fields.closed_by, side);
    assert.equal(s.app.amp.tunnels.open, 0);
  }
});

test("an idle tunnel is closed after tunnel-idle-timeout", async (t) => {
  const { s } = await tunnelSetup(t, { amp: { tunnelIdleTimeoutMs: 50 } });
  const { threadId, wsToken } = await credentials(s);
  const d = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
  assert.ok(d.ok);
  const fields = await nextClose(s);
  assert.equal(fields.closed_by, "idle");
});

test("an upgrade on /api with a client key is tunnelled with the key swapped; restrict-management-to-localhost covers upgrades", async (t) => {
  const { A, s } = await tunnelSetup(t, {
    standIn: {
      onSocket: (req, socket) =>
        socket.end(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(String(req.headers["sec-websocket-key"]))}\r\n\r\n`,
        ),
    },
  });
  A.tokens.push("wst_api");
  const d = await dial(`${s.url}/api/rivet?rvt-token=${PUBLISHABLE_RIVET_TOKEN}&key=${CLIENT_KEY}`, {
    authorization: `Bearer ${CLIENT_KEY}`,
    "sec-websocket-protocol": protocols("wst_api"),
  });
  assert.ok(d.ok);
  const up = A.upgrades[0];
  assert.equal(up.headers.authorization, `Bearer ${AMP_KEY}`);
  assert.ok(!up.url.includes(CLIENT_KEY));
  assert.equal(
    new URL(up.url, "http://x").searchParams.get("rvt-namespace"),
    null,
    "Rivet parameters go to actor paths only",
  );
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a?.family === "IPv4" && !a.internal)?.address;
  if (!address) return t.skip("no non-loopback IPv4 address here");
  const remote = await startServer(
    t,
    {
      apiKeys: [CLIENT_KEY],
      ampcode: { upstreamUrl: A.url, upstreamApiKey: AMP_KEY, restrictManagementToLocalhost: true },
    },
    { host: address },
  );
  const { threadId, wsToken } = await credentials({
    ...remote,
    url: `http://${address}:${remote.port}`,
  } as never).catch(() => ({ threadId: "T-x", wsToken: "x" }));
  const denied = await dial(`http://${address}:${remote.port}${actorPath(threadId)}`, {
    "sec-websocket-protocol": protocols(wsToken),
  });
  assert.equal(denied.ok ? 101 : denied.status, 403);
});

test("cliproxy answers 503 to an upgrade when the Amp upstream is off, 502 when it is unreachable, and 504 when it never answers", async (t) => {
  const { A, s } = await tunnelSetup(t);
  const { threadId, wsToken } = await credentials(s);
  const h = { "sec-websocket-protocol": protocols(wsToken) };
  s.setConfig({ apiKeys: [CLIENT_KEY], ampcode: { upstreamUrl: "" } });
  assert.equal(((await dial(`${s.url}${actorPath(threadId)}`, h)) as { status: number }).status, 503);
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  s.setConfig({
    apiKeys: [CLIENT_KEY],
    ampcode: { upstreamUrl: `http://127.0.0.1:${deadPort}`, upstreamApiKey: AMP_KEY },
  });
  assert.equal(((await dial(`${s.url}${actorPath(threadId)}`, h)) as { status: number }).status, 502);
  const silent = createServer();
  silent.on("upgrade", () => {});
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  s.setConfig({
    apiKeys: [CLIENT_KEY],
    ampcode: {
      upstreamUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      upstreamApiKey: AMP_KEY,
      tunnelHandshakeTimeoutMs: 50,
    },
  });
  assert.equal(((await dial(`${s.url}${actorPath(threadId)}`, h)) as { status: number }).status, 504);
  assert.equal(A.upgrades.length, 0);
});

test("the status page counts open tunnels", async (t) => {
  const { s } = await tunnelSetup(t, {
    config: { remoteManagement: { allowRemote: false, secretKey: "mgmt-secret", disableControlPanel: false } },
  });
  const { threadId, wsToken } = await credentials(s);
  const d = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
  assert.ok(d.ok);
  const page = await (await fetch(`${s.url}/status`, { headers: { "x-management-key": "mgmt-secret" } })).text();
  assert.match(page, /Amp tunnels \(thread-actor sockets\): 1 open, 1 since start/);
  d.peer.socket.destroy();
});

test("an upstream refusal's body is capped at 64 kB, and one that never ends is cut off by the handshake timeout", async (t) => {
  const { A, s } = await tunnelSetup(t, { amp: { tunnelHandshakeTimeoutMs: 200 } });
  const { threadId, wsToken } = await credentials(s);
  const h = { "sec-websocket-protocol": protocols(wsToken) };
  const odd = createServer();
  odd.on("upgrade", (req, socket) => {
    socket.on("error", () => {});
    if (req.url?.includes("big"))
      return void socket.end(`HTTP/1.1 500 Oops\r\ncontent-length: 200000\r\n\r\n${"x".repeat(200_000)}`);
    socket.write(`HTTP/1.1 502 Slow\r\ncontent-length: 1000\r\n\r\npartial`);
  });
  await new Promise<void>((r) => odd.listen(0, "127.0.0.1", r));
  t.after(() => {
    odd.closeAllConnections();
    odd.close();
  });
  s.setConfig({
    apiKeys: [CLIENT_KEY],
    ampcode: {
      upstreamUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}`,
      upstreamApiKey: AMP_KEY,
      tunnelHandshakeTimeoutMs: 200,
    },
  });
  const big = await dial(`${s.url}${actorPath(threadId)}&big=1`, h);
  assert.ok(!big.ok);
  assert.equal(big.status, 500);
  assert.equal(big.body.length, 64 * 1024);
  const slow = await dial(`${s.url}${actorPath(threadId)}`, h);
  assert.ok(!slow.ok);
  assert.ok([502, 504].includes(slow.status), String(slow.status));
  assert.equal(A.upgrades.length, 0);
});

test("forged actor tokens count toward the client-key lockout: past the limit they get 429 + Retry-After, a remembered token still opens", async (t) => {
  const { A, s } = await tunnelSetup(t, { config: { apiKeyLockoutFailures: 3 } });
  const { threadId, wsToken } = await credentials(s);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const d = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(`wst_forged_${i}`) });
    statuses.push(d.ok ? 101 : d.status);
    if (!d.ok && d.status === 429) {
      assert.match(d.body, /Too many failed API keys/);
      assert.match(String(d.headers["retry-after"]), /^[1-9][0-9]*$/);
    }
  }
  assert.deepEqual(statuses, [401, 401, 401, 429]);
  assert.equal(A.upgrades.length, 0);
  // The lockout never refuses a credential that verifies.
  const good = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
  assert.ok(good.ok, JSON.stringify(!good.ok && good));
  const closed = new Promise((r) => good.peer.once("close", r));
  good.peer.close();
  await closed;
});
