/** The actor-socket tunnel end to end: cliproxy between a WebSocket client and the Amp stand-in. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dial } from "../support/ws.js";
import { PUBLISHABLE_RIVET_TOKEN } from "../support/amp-actor.js";
import { actorPath, AMP_KEY, CLIENT_KEY, credentials, protocols, tunnelSetup } from "./tunnel-setup.js";

test("an actor socket is tunnelled with rvt-token added and plays a turn; the client key never reaches upstream", async (t) => {
  const { A, s } = await tunnelSetup(t);
  const { threadId, wsToken } = await credentials(s);
  const d = await dial(`${s.url}${actorPath(threadId)}`.replace("rvt-namespace=default&", ""), { "sec-websocket-protocol": protocols(wsToken), "user-agent": "undici" });
  assert.ok(d.ok, JSON.stringify(!d.ok && d));
  assert.equal(d.res.headers["sec-websocket-protocol"], "rivet");
  const peer = d.peer;
  peer.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "executor_connect", params: {} }));
  assert.equal(JSON.parse(await peer.next((m) => m.includes("executor_connected"))).method, "executor_connected");
  peer.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "client_append_user_msg", params: { content: [{ type: "text", text: "Say hello" }], agentMode: "medium", messageId: "M-1" } }));
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
  for (const r of [...A.requests, ...A.upgrades]) assert.ok(!JSON.stringify(r).includes(CLIENT_KEY), "client key reached upstream");
  const closed = new Promise((r) => peer.once("close", r));
  peer.close();
  await closed;
  await new Promise<void>((r) => (s.logs.some((l) => l.includes("amp tunnel closed")) ? r() : setImmediate(() => r())));
  const logs = s.logs.join("\n");
  assert.match(logs, /amp tunnel open: \/actors\/gateway\/threadActor\/websocket\//);
  assert.ok(!logs.includes(wsToken) && !logs.includes(PUBLISHABLE_RIVET_TOKEN), "no token in the log");
});
