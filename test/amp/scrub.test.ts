import test from "node:test";
import assert from "node:assert/strict";
import { outgoingHeaders, stripCredentials, targetPath } from "../../src/amp/scrub.js";

test("stripCredentials() drops every key/auth_token parameter, whatever its value, keeping the rest byte for byte", () => {
  assert.equal(stripCredentials("key=ck-1&key=ck-2&auth_token=other&foo=bar"), "foo=bar");
  assert.equal(stripCredentials("ke%79=ck%2D1&a=%ZZ&b=x+y&key&KEY=x&Auth_Token=y"), "a=%ZZ&b=x+y");
  assert.equal(stripCredentials("q=a%20b&key=ck-1"), "q=a%20b");
  assert.equal(stripCredentials("key=%ZZ&foo"), "foo");
  assert.equal(stripCredentials(""), "");
});

test("targetPath() joins the upstream path with one slash and puts the upstream's own query first", () => {
  assert.equal(targetPath(new URL("https://ampcode.com"), "/api/user?x=1"), "/api/user?x=1");
  assert.equal(targetPath(new URL("https://h/base/"), "//api/user"), "/base/api/user");
  assert.equal(targetPath(new URL("https://h/base?t=1"), "/api/user?key=ck"), "/base/api/user?t=1");
  assert.equal(
    targetPath(new URL("https://h"), "/api/provider/anthropic/v1/messages?beta=true"),
    "/api/provider/anthropic/v1/messages?beta=true",
  );
});

test("outgoingHeaders() keeps TE: trailers only, sets Host, Accept-Encoding and the key, and fixes Content-Length for a read body", () => {
  const out = outgoingHeaders(
    {
      te: "trailers",
      "content-encoding": "gzip",
      "content-length": "99",
      "transfer-encoding": "chunked",
      host: "proxy",
      "x-amp-client-type": "cli",
    },
    { host: "ampcode.com", key: "k", bodyLength: 5 },
  );
  assert.deepEqual(out, {
    te: "trailers",
    "content-length": "5",
    "x-amp-client-type": "cli",
    host: "ampcode.com",
    "accept-encoding": "gzip",
    authorization: "Bearer k",
    "x-api-key": "k",
  });
  const none = outgoingHeaders(
    { te: "gzip", authorization: "Bearer ck-1", "content-encoding": "gzip" },
    { host: "h:1", key: "" },
  );
  assert.deepEqual(none, { "content-encoding": "gzip", host: "h:1", "accept-encoding": "gzip" });
});
