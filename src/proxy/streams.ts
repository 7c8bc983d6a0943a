/**
 * Stream plumbing for the hot path with plain listeners: pipeline() and for-await cost an AbortController
 * (whose abort builds a DOMException) or an async iterator per body, which showed in #17's profiles.
 */
import type { Readable, Writable } from "node:stream";

const ignore = (): void => undefined;

/** The error pipeline() gives a stream that closed before its end. */
const premature = (): Error => Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });

/**
 * Reads `src` to its end with plain listeners; past `limit` bytes it stops reading (paused, listeners gone)
 * and resolves undefined. Rejects with the stream's error, or a premature close. Not for-await on
 * the hot path: its async iterator costs a promise per chunk and a teardown per body (#17).
 */
export function readAll(src: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: Error | undefined, out?: Buffer) => {
      src.off("data", onData);
      src.off("end", onEnd);
      src.off("error", done);
      src.off("close", onClose);
      if (err) reject(err);
      else resolve(out);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Stop reading, but leave the stream to the caller: the server still answers 413 on this connection.
      done(undefined);
      src.pause();
    };
    const onEnd = () => done(undefined, Buffer.concat(chunks, size));
    const onClose = () => done(premature());
    if (src.readableEnded) return resolve(Buffer.alloc(0));
    if (src.destroyed) return reject(src.errored ?? premature());
    src.on("data", onData);
    src.once("end", onEnd);
    src.once("error", done);
    src.once("close", onClose);
  });
}

/**
 * `src.pipe(dst)` with pipeline()'s failure rules: resolves when `dst` has finished; when either side fails
 * or closes early, both are destroyed (`dst` with the error) and it rejects. Not pipeline() itself on the
 * hot path: pipeline() makes an AbortController per call and aborts it when done, and that abort builds a
 * DOMException with a stack trace, about 5 % of an Amp management request's CPU (#17).
 */
export function pipeTo(src: Readable, dst: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      src.off("error", done);
      src.off("close", onSrcClose);
      dst.off("error", done);
      dst.off("close", onDstClose);
      dst.off("finish", onFinish);
      if (!err) return resolve();
      // Late errors of the streams being torn down have nobody left to tell.
      src.on("error", ignore);
      dst.on("error", ignore);
      src.unpipe(dst);
      src.destroy();
      dst.destroy(err);
      reject(err);
    };
    const onSrcClose = () => !src.readableEnded && done(premature());
    const onDstClose = () => !dst.writableFinished && done(premature());
    const onFinish = () => done();
    src.on("error", done);
    src.once("close", onSrcClose);
    dst.on("error", done);
    dst.once("close", onDstClose);
    dst.once("finish", onFinish);
    src.pipe(dst);
  });
}
