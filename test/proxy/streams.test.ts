import test from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { PassThrough, Writable } from "node:stream";
import { pipeTo, readAll } from "../../src/proxy/streams.js";

/** A writable that keeps what it is given. */
function sink(): Writable & { chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  return Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
    { chunks },
  );
}

test("pipeTo() resolves once the destination has finished, with every byte", async () => {
  const src = new PassThrough();
  const dst = sink();
  const done = pipeTo(src, dst);
  src.write("a");
  src.end("b");
  await done;
  assert.equal(Buffer.concat(dst.chunks).toString(), "ab");
  assert.ok(dst.writableFinished);
});

test("pipeTo() also ends the destination when the source had already ended", async () => {
  const src = new PassThrough();
  src.end("x");
  src.resume();
  await once(src, "end");
  const dst = sink();
  await pipeTo(src, dst);
  assert.ok(dst.writableFinished);
});

test("pipeTo() destroys the destination with the source's error, and rejects", async () => {
  const src = new PassThrough();
  const dst = sink();
  const done = pipeTo(src, dst);
  src.write("partial");
  src.destroy(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
  await assert.rejects(done, { code: "ECONNRESET" });
  assert.ok(dst.destroyed);
});

test("pipeTo() destroys the source when the destination closes before finishing (client gone)", async () => {
  const src = new PassThrough();
  const dst = sink();
  const done = pipeTo(src, dst);
  src.write("first");
  dst.destroy();
  await assert.rejects(done, { code: "ERR_STREAM_PREMATURE_CLOSE" });
  assert.ok(src.destroyed);
});

test("pipeTo() treats a source closed before its end as a failure", async () => {
  const src = new PassThrough();
  const dst = sink();
  const done = pipeTo(src, dst);
  src.destroy();
  await assert.rejects(done, { code: "ERR_STREAM_PREMATURE_CLOSE" });
  assert.ok(dst.destroyed);
});

test("readAll() gives the whole body, and stops reading past the limit", async () => {
  const src = new PassThrough();
  const done = readAll(src, 11);
  src.write("hello ");
  src.end("world");
  assert.equal((await done)?.toString(), "hello world");
  const big = new PassThrough();
  const over = readAll(big, 4);
  big.write("12345");
  assert.equal(await over, undefined);
  assert.ok(big.isPaused());
  assert.equal(big.listenerCount("data"), 0);
});

test("readAll() rejects with the source's error, and on a close before the end", async () => {
  const failing = new PassThrough();
  const a = readAll(failing, 100);
  failing.destroy(Object.assign(new Error("reset"), { code: "ECONNRESET" }));
  await assert.rejects(a, { code: "ECONNRESET" });
  const cut = new PassThrough();
  const b = readAll(cut, 100);
  cut.write("partial");
  cut.destroy();
  await assert.rejects(b, { code: "ERR_STREAM_PREMATURE_CLOSE" });
});
