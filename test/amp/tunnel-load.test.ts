/** Many tunnels at once: opaque bytes, both ways, byte-exact, with backpressure. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { acceptKey, dial } from "../support/ws.js";
import { actorPath, protocols, tunnelSetup } from "./tunnel-setup.js";

const SIZE = 1024 * 1024;
const TUNNELS = 200;

/** Reads exactly `n` bytes from a socket (plus any head) and resolves with their SHA-256. */
function hashOf(socket: Duplex, n: number, head: Buffer = Buffer.alloc(0)): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    let got = 0;
    const take = (c: Buffer) => {
      h.update(c);
      got += c.length;
      if (got === n) resolve(h.digest("hex"));
      else if (got > n) reject(new Error(`${got} bytes, expected ${n}`));
    };
    if (head.length) take(head);
    socket.on("data", take);
    socket.once("close", () => got < n && reject(new Error(`closed after ${got} of ${n} bytes`)));
  });
}

test(`${TUNNELS} concurrent tunnels each carry 1 MB each way byte-exact`, async (t) => {
  const down = randomBytes(SIZE);
  const up = randomBytes(SIZE);
  const upstreamHashes: Array<Promise<string>> = [];
  const { A, s } = await tunnelSetup(t, {
    standIn: {
      onSocket: (req, socket, head) => {
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(String(req.headers["sec-websocket-key"]))}\r\n\r\n`,
        );
        upstreamHashes.push(hashOf(socket, SIZE, head));
        socket.write(down);
        socket.on("end", () => socket.end());
      },
    },
  });
  // Credentials as POST /api/thread-actors would leave them (tested elsewhere), without 200 round trips.
  const creds = Array.from({ length: TUNNELS }, (_, i) => ({ threadId: `T-${i}`, wsToken: `wst_load_${i}` }));
  for (const c of creds) {
    A.tokens.push(c.wsToken);
    s.app.amp.actorTokens.remember(c.wsToken);
  }
  const clientHashes = await Promise.all(
    creds.map(async ({ threadId, wsToken }) => {
      let received!: Promise<string>;
      let sock!: Duplex;
      const d = await dial(
        `${s.url}${actorPath(threadId)}`,
        { "sec-websocket-protocol": protocols(wsToken) },
        {
          raw: (socket, head) => {
            sock = socket;
            received = hashOf(socket, SIZE, head);
          },
        },
      );
      assert.ok(d.ok);
      sock.write(up);
      const hash = await received;
      sock.end();
      return hash;
    }),
  );
  const want = {
    down: createHash("sha256").update(down).digest("hex"),
    up: createHash("sha256").update(up).digest("hex"),
  };
  assert.equal(clientHashes.filter((h) => h === want.down).length, TUNNELS);
  assert.equal((await Promise.all(upstreamHashes)).filter((h) => h === want.up).length, TUNNELS);
});
