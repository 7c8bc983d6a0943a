import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { connectionTokens, HOP_BY_HOP_HEADERS } from "../../src/proxy/hop-by-hop.js";
import { forwardableHeaders } from "../../src/proxy/pipe.js";
import { passableResponseHeaders } from "../../src/proxy/forward.js";
import { outgoingHeaders } from "../../src/amp/scrub.js";
import { upstreamHandshakeHeaders } from "../../src/amp/handshake.js";

test("connectionTokens() lists the lower-case names a Connection header carries", () => {
  assert.deepEqual([...connectionTokens(["keep-alive, X-A", " x-b "])], ["keep-alive", "x-a", "x-b"]);
  assert.deepEqual([...connectionTokens(undefined)], []);
});

test("every request and response scrub drops every hop-by-hop header (one list)", () => {
  const hop = Object.fromEntries([...HOP_BY_HOP_HEADERS].map((name) => [name, "v"]));
  const incoming = { ...hop, "x-end": "1" };
  assert.deepEqual(forwardableHeaders(incoming), { "x-end": "1" });
  assert.deepEqual(passableResponseHeaders(incoming), { "x-end": "1" });
  const amp = outgoingHeaders(incoming, { host: "up.example", key: "" });
  for (const name of HOP_BY_HOP_HEADERS) assert.equal(amp[name], undefined, name);
  assert.equal(amp["x-end"], "1");
  const raw = Object.entries(incoming).flat();
  const lines = upstreamHandshakeHeaders({ headers: incoming, rawHeaders: raw } as unknown as IncomingMessage, "h", "");
  const names = lines.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  assert.deepEqual(names, ["host", "x-end", "connection", "upgrade", "authorization", "x-api-key"]);
});
