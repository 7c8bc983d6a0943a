import test from "node:test";
import assert from "node:assert/strict";
import { createServer, get, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { startFake } from "../support/fake-upstream.js";
import {
  capBytes,
  forwardableHeaders,
  isEventStream,
  isGzipEncoding,
  pipeResponse,
  type PipeOptions,
} from "../../src/proxy/pipe.js";

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** GET without any decoding, so the test sees the bytes cliproxy wrote. */
function rawGet(url: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/** A relay server: each request fetches from the fake upstream and pipes the answer back with pipeResponse(). */
async function relay(t: TestContext, answer: (res: ServerResponse) => void, options: PipeOptions = {}) {
  const fake = await startFake(t, (_r, res) => answer(res));
  const failures: unknown[] = [];
  const server = createServer((req, res) => {
    get(fake.url + (req.url ?? "/"), (up) => {
      pipeResponse(up, res, options).catch((err: unknown) => {
        failures.push(err);
        res.destroy();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, failures, fake };
}

const json = '{"ok":true}';

test("S-11 hidden gzip: pipeResponse() gunzips a body starting 1f 8b without Content-Encoding and fixes Content-Length", async (t) => {
  for (const status of [200, 404]) {
    const { url } = await relay(t, (res) =>
      res.writeHead(status, { "content-type": "application/json" }).end(gzipSync(json)),
    );
    const got = await rawGet(url);
    assert.equal(got.status, status);
    assert.equal(got.body.toString(), json);
    assert.equal(got.headers["content-length"], "11");
    assert.equal(got.headers["content-encoding"], undefined);
  }
});

test("pipeResponse() decodes hidden gzip sent chunked in several pieces", async (t) => {
  const zipped = gzipSync('{"items":[1,2,3]}');
  const { url } = await relay(t, (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write(zipped.subarray(0, 1));
    setImmediate(() => res.end(zipped.subarray(1)));
  });
  const got = await rawGet(url);
  assert.equal(got.body.toString(), '{"items":[1,2,3]}');
  assert.equal(got.headers["content-length"], "17");
});

test("S-12 declared gzip: pipeResponse() decodes while streaming and drops Content-Encoding and Content-Length", async (t) => {
  const zipped = gzipSync('{"a":1}');
  const { url } = await relay(t, (res) =>
    res
      .writeHead(200, {
        "content-encoding": "GZIP",
        "content-length": String(zipped.length),
        "content-type": "application/json",
      })
      .end(zipped),
  );
  const got = await rawGet(url);
  assert.equal(got.body.toString(), '{"a":1}');
  assert.equal(got.headers["content-encoding"], undefined);
  assert.equal(got.headers["content-length"], undefined);
  assert.equal(got.headers["transfer-encoding"], "chunked");
});

test("S-13 corrupt gzip: pipeResponse() relays 1f 8b + notgzip byte for byte", async (t) => {
  const bytes = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("notgzip")]);
  const { url } = await relay(t, (res) =>
    res.writeHead(200, { "content-type": "application/json", "x-kept": "1" }).end(bytes),
  );
  const got = await rawGet(url);
  assert.deepEqual(got.body, bytes);
  assert.equal(got.body.length, 9);
  assert.equal(got.headers["x-kept"], "1");
});

test("pipeResponse() relays a truncated gzip body unchanged", async (t) => {
  const truncated = gzipSync("hello world, hello world").subarray(0, 12);
  const { url } = await relay(t, (res) =>
    res.writeHead(200, { "content-length": String(truncated.length) }).end(truncated),
  );
  const got = await rawGet(url);
  assert.deepEqual(got.body, truncated);
  assert.equal(got.headers["content-length"], String(truncated.length));
});

test("pipeResponse() passes plain, empty and one-byte bodies through unchanged", async (t) => {
  for (const body of ["plain text body", "", "x"]) {
    const { url } = await relay(t, (res) =>
      res.writeHead(200, { "content-type": "text/plain", "content-length": String(body.length) }).end(body),
    );
    const got = await rawGet(url);
    assert.equal(got.body.toString(), body);
    assert.equal(got.headers["content-length"], String(body.length));
  }
});

test("pipeResponse() never decodes an SSE body, even one starting with the gzip magic bytes", async (t) => {
  const zipped = gzipSync("data: 1\n\n");
  const { url } = await relay(t, (res) => res.writeHead(200, { "content-type": "text/event-stream" }).end(zipped));
  const got = await rawGet(url);
  assert.deepEqual(got.body, zipped);
});

test("pipeResponse() relays a body labelled gzip that is not gzip as it is, without the label", async (t) => {
  for (const body of ['{"not":"gzip"}', ""]) {
    const { url, failures } = await relay(t, (res) =>
      res.writeHead(502, { "content-encoding": "gzip", "content-type": "application/json" }).end(body),
    );
    const got = await rawGet(url);
    assert.equal(got.status, 502);
    assert.equal(got.body.toString(), body);
    assert.equal(got.headers["content-encoding"], undefined);
    assert.deepEqual(failures, []);
  }
});

test("pipeResponse() relays other encodings (br) with their header", async (t) => {
  const { url } = await relay(t, (res) =>
    res.writeHead(200, { "content-encoding": "br" }).end(Buffer.from([0x1f, 0x8b, 1, 2])),
  );
  const got = await rawGet(url);
  assert.equal(got.headers["content-encoding"], "br");
  assert.deepEqual(got.body, Buffer.from([0x1f, 0x8b, 1, 2]));
});

test("pipeResponse() decodes a gzip body whose decoded bytes are gzip again (PX-10 step 2 after step 1)", async (t) => {
  const twice = gzipSync(gzipSync(json));
  const { url } = await relay(t, (res) => res.writeHead(200, { "content-encoding": "gzip" }).end(twice));
  const got = await rawGet(url);
  assert.equal(got.body.toString(), json);
  assert.equal(got.headers["content-length"], "11");
});

test("pipeResponse() decodes a declared-gzip SSE stream event by event", async (t) => {
  const { url } = await relay(t, (res) =>
    res
      .writeHead(200, { "content-encoding": "gzip", "content-type": "text/event-stream" })
      .end(gzipSync("data: 1\n\ndata: 2\n\n")),
  );
  const got = await rawGet(url);
  assert.equal(got.body.toString(), "data: 1\n\ndata: 2\n\n");
  assert.equal(got.headers["content-encoding"], undefined);
});

test("pipeResponse() streams each SSE chunk before the upstream finishes", async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const { url } = await relay(t, async (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: 1\n\n");
    await released;
    res.end("data: 2\n\n");
  });
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    get(url, (res) => {
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        received.push(c);
        if (received.length === 1) release();
      });
      res.on("end", resolve);
    }).on("error", reject);
  });
  assert.equal(received[0], "data: 1\n\n");
  assert.equal(received.join(""), "data: 1\n\ndata: 2\n\n");
});

test("pipeResponse() drops hop-by-hop and dropHeader() headers but relays Set-Cookie unchanged", async (t) => {
  const { url } = await relay(
    t,
    (res) =>
      res
        .writeHead(200, {
          "x-hop": "1",
          connection: "x-hop",
          "set-cookie": ["a=1; Domain=ampcode.com", "b=2"],
          "access-control-allow-origin": "*",
        })
        .end("ok"),
    { dropHeader: (n) => n.startsWith("access-control-") },
  );
  const got = await rawGet(url);
  assert.equal(got.headers["x-hop"], undefined);
  assert.deepEqual(got.headers["set-cookie"], ["a=1; Domain=ampcode.com", "b=2"]);
  assert.equal(got.headers["access-control-allow-origin"], undefined);
});

test("pipeResponse() relays a hidden-gzip body past maxBufferedBytes untouched", async (t) => {
  const zipped = gzipSync("x".repeat(10_000) + Math.random());
  const { url } = await relay(
    t,
    (res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write(zipped.subarray(0, 10));
      setImmediate(() => res.end(zipped.subarray(10)));
    },
    { maxBufferedBytes: 8 },
  );
  const got = await rawGet(url);
  assert.deepEqual(got.body, zipped);
});

test("pipeResponse() relays a hidden-gzip body whose decoded size passes maxDecodedBytes as the original bytes", async (t) => {
  const zipped = gzipSync("y".repeat(5000));
  const { url } = await relay(t, (res) => res.writeHead(200).end(zipped), { maxDecodedBytes: 100 });
  const got = await rawGet(url);
  assert.deepEqual(got.body, zipped);
});

test("pipeResponse() cuts a declared-gzip stream off past maxDecodedBytes and rejects", async (t) => {
  const zipped = gzipSync("z".repeat(200_000));
  const { url, failures } = await relay(
    t,
    (res) => res.writeHead(200, { "content-encoding": "gzip", "content-type": "text/event-stream" }).end(zipped),
    { maxDecodedBytes: 1000 },
  );
  await rawGet(url).catch(() => undefined);
  assert.equal(failures.length, 1);
  assert.match(String(failures[0]), /larger than the 1000 byte limit/);
});

test("pipeResponse() rejects when a declared-gzip body is corrupt after its magic bytes", async (t) => {
  const { url, failures } = await relay(t, (res) =>
    res.writeHead(200, { "content-encoding": "gzip" }).end(Buffer.from([0x1f, 0x8b, 0, 0, 0, 0])),
  );
  await rawGet(url).catch(() => undefined);
  assert.equal(failures.length, 1);
});

test("pipeResponse() rejects when the upstream dies mid-body", async (t) => {
  const { url, failures } = await relay(t, (res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("partial");
    setImmediate(() => res.destroy());
  });
  await assert.rejects(rawGet(url));
  assert.equal(failures.length, 1);
});

test("header helpers: forwardableHeaders(), isEventStream(), isGzipEncoding(), capBytes()", async () => {
  assert.deepEqual(
    forwardableHeaders({
      "transfer-encoding": "chunked",
      "keep-alive": "5",
      "x-a": "1",
      connection: "x-a",
      "x-b": "2",
    }),
    { "x-b": "2" },
  );
  assert.equal(isEventStream("text/event-stream; charset=utf-8"), true);
  assert.equal(isEventStream("application/json"), false);
  assert.equal(isGzipEncoding(" Gzip "), true);
  assert.equal(isGzipEncoding("gzip, br"), false);
  const cap = capBytes(3);
  const err = await new Promise<Error>((resolve) => {
    cap.on("error", resolve);
    cap.write(Buffer.from("abcd"));
  });
  assert.match(err.message, /3 byte limit/);
});

test("pipeResponse() relays a high-ratio hidden-gzip body (a zip bomb) untouched instead of inflating it", async (t) => {
  const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024)); // ~20 KB that decodes to 20 MiB, ratio ~1000
  const { url } = await relay(t, (res) => res.writeHead(200, { "content-type": "application/json" }).end(bomb));
  const got = await rawGet(url);
  assert.deepEqual(got.body, bomb);
  assert.equal(got.headers["content-length"], undefined, "relayed as the upstream sent it");
});

test("pipeResponse() streams a large hidden-gzip body untouched: the client has its first bytes before the upstream ends", async (t) => {
  const zipped = gzipSync(randomBytes(6 * 1024 * 1024)); // past the 4 MiB buffer bound, ratio ~1
  let clientHasBytes!: () => void;
  const clientGotBytes = new Promise<void>((r) => (clientHasBytes = r));
  const { url } = await relay(t, async (res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(zipped.subarray(0, zipped.length - 10));
    await clientGotBytes; // the old code buffered everything first, so this waited forever
    res.end(zipped.subarray(zipped.length - 10));
  });
  const body = await new Promise<Buffer>((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        chunks.push(c);
        clientHasBytes();
      });
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", reject);
    }).on("error", reject);
  });
  assert.ok(body.equals(zipped));
});

test("pipeResponse() still rewrites a small hidden-gzip body of ordinary ratio", async (t) => {
  const text = JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => ({ i, name: `thread-${i}` })) });
  const { url } = await relay(t, (res) =>
    res.writeHead(200, { "content-type": "application/json" }).end(gzipSync(text)),
  );
  const got = await rawGet(url);
  assert.equal(got.body.toString(), text);
  assert.equal(got.headers["content-length"], String(Buffer.byteLength(text)));
});
