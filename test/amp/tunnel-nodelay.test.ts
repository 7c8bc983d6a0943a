import { test } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "node:net";
import { dial } from "../support/ws.js";
import { actorPath, credentials, protocols, tunnelSetup } from "./tunnel-setup.js";

test("a tunnel turns Nagle off on its upstream socket, so a small frame never waits for the peer's delayed ACK", async (t) => {
  const { A, s } = await tunnelSetup(t);
  const upstreamPort = Number(new URL(A.url).port);
  // A hand-written spy on the one method: which sockets got setNoDelay(true), by the port they talk to.
  const calls: Array<{ remotePort?: number; on: boolean }> = [];
  const original = Socket.prototype.setNoDelay;
  Socket.prototype.setNoDelay = function (this: Socket, noDelay?: boolean) {
    calls.push({ remotePort: this.remotePort, on: noDelay !== false });
    return original.call(this, noDelay);
  };
  t.after(() => void (Socket.prototype.setNoDelay = original));
  const { threadId, wsToken } = await credentials(s);
  const d = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
  assert.ok(d.ok);
  d.peer.send("ping");
  assert.equal(await d.peer.next((m) => m === "pong"), "pong");
  assert.ok(
    calls.some((c) => c.remotePort === upstreamPort && c.on),
    `no setNoDelay(true) on the upstream socket: ${JSON.stringify(calls)}`,
  );
  d.peer.close();
});
