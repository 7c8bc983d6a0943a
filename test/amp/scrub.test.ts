import test from "node:test";
import assert from "node:assert/strict";
import { outgoingHeaders, stripClientKey, targetPath } from "../../src/amp/scrub.js";

test("stripClientKey() drops only key/auth_token values equal to the client key, keeping the rest byte for byte", () => {
  assert.equal(stripClientKey("key=ck-1&key=keep&auth_token=ck-1&foo=bar", "ck-1"), "key=keep&foo=bar");
  assert.equal(stripClientKey("ke%79=ck%2D1&a=%ZZ&b=x+y&key", "ck-1"), "a=%ZZ&b=x+y&key");
  assert.equal(stripClientKey("q=a%20b&key=ck-1", undefined), "q=a%20b&key=ck-1");
  assert.equal(stripClientKey("key=%ZZ&foo", "ck-1"), "key=%ZZ&foo");
  assert.equal(stripClientKey("", "ck-1"), "");
});

test("targetPath() joins the upstream path with one slash and puts the upstream's own query first", () => {
  assert.equal(targetPath(new URL("https://ampcode.com"), "/api/user?x=1", "ck"), "/api/user?x=1");
  assert.equal(targetPath(new URL("https://h/base/"), "//api/user", undefined), "/base/api/user");
  assert.equal(targetPath(new URL("https://h/base?t=1"), "/api/user?key=ck", "ck"), "/base/api/user?t=1");
  assert.equal(targetPath(new URL("https://h"), "/api/provider/anthropic/v1/messages?beta=true", undefined), "/api/provider/anthropic/v1/messages?beta=true");
});

test("outgoingHeaders() keeps TE: trailers only, sets Host, Accept-Encoding and the key, and fixes Content-Length for a read body", () => {
  const out = outgoingHeaders(
    { te: "trailers", "content-encoding": "gzip", "content-length": "99", "transfer-encoding": "chunked", host: "proxy", "x-amp-client-type": "cli" },
    { host: "ampcode.com", key: "k", bodyLength: 5 },
  );
  assert.deepEqual(out, {
    te: "trailers", "content-length": "5", "x-amp-client-type": "cli", host: "ampcode.com", "accept-encoding": "gzip", authorization: "Bearer k", "x-api-key": "k",
  });
  const none = outgoingHeaders({ te: "gzip", authorization: "Bearer ck-1", "content-encoding": "gzip" }, { host: "h:1", key: "" });
  assert.deepEqual(none, { "content-encoding": "gzip", host: "h:1", "accept-encoding": "gzip" });
});
