/**
 * Relaying an upstream response to the client (amp.md PX-8..PX-10, PX-13, PX-14): hop-by-hop headers
 * dropped, declared gzip decoded while streaming, hidden gzip (magic bytes, no header) decoded whole,
 * everything else streamed chunk by chunk with backpressure. SSE bytes are never altered or buffered.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, gunzip } from "node:zlib";
import { promisify } from "node:util";

const gunzipAsync = promisify(gunzip);

/** Cap on a body buffered whole to check for hidden gzip: past it, the body is relayed untouched. */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Cap on the decoded size of a gzip body (zip-bomb guard); a streamed body past it is cut off. */
export const DEFAULT_MAX_DECODED_BYTES = 256 * 1024 * 1024;

/** Options for pipeResponse. */
export interface PipeOptions {
  /** Response headers (lower-case names) to drop besides the hop-by-hop ones. */
  readonly dropHeader?: (name: string) => boolean;
  readonly maxBufferedBytes?: number;
  readonly maxDecodedBytes?: number;
}

/** Response headers that describe one connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection", "proxy-connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
]);

/** Lower-case names listed in a Connection header (they are hop-by-hop too). */
export function connectionTokens(value: string | string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const v of [value ?? []].flat()) for (const t of v.split(",")) if (t.trim()) out.add(t.trim().toLowerCase());
  return out;
}

/** The end-to-end response headers of `headers`, minus hop-by-hop ones and those `drop` rejects. */
export function forwardableHeaders(headers: IncomingHttpHeaders, drop?: (name: string) => boolean): OutgoingHttpHeaders {
  const named = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || drop?.(name)) continue;
    out[name] = value;
  }
  return out;
}

/** True when a Content-Type names an SSE stream. */
export function isEventStream(contentType: string | string[] | undefined): boolean {
  return /^\s*text\/event-stream\b/i.test(String(contentType ?? ""));
}

/** True when a Content-Encoding is exactly gzip (case-insensitive). */
export function isGzipEncoding(value: string | string[] | undefined): boolean {
  return /^\s*(?:x-)?gzip\s*$/i.test(String(value ?? ""));
}

/** A transform that fails once more than `max` bytes have passed. */
export function capBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.length;
      if (seen > max) done(new Error(`Response body is larger than the ${max} byte limit`));
      else done(null, chunk);
    },
  });
}

/**
 * Waits until `src` has at least `n` bytes buffered (or ended), returns them, and puts them back
 * (PX-14: peeked bytes are re-emitted). Rejects when the stream errors first.
 */
export function peekBytes(src: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error) => {
      src.off("readable", onReadable);
      src.off("end", onEnd);
      src.off("error", finish);
      src.off("close", onClose);
      const head = Buffer.concat(chunks, size);
      if (size > 0) src.unshift(head);
      if (err) reject(err);
      else resolve(head);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (size < n && (chunk = src.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= n) finish();
    };
    const onEnd = () => finish();
    const onClose = () => finish(src.readableEnded ? undefined : new Error("Upstream response closed early"));
    src.on("readable", onReadable);
    src.once("end", onEnd);
    src.once("error", finish);
    src.once("close", onClose);
  });
}

async function readAll(src: Readable, max: number): Promise<{ body: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of src) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    // Stop reading past the cap; the caller relays what was read and streams the rest.
    if (size > max) return { body: Buffer.concat(chunks, size), complete: false };
  }
  return { body: Buffer.concat(chunks, size), complete: true };
}

/**
 * Streams an upstream response to the client (PX-8..PX-10). Resolves when the client has the whole
 * body; rejects when either side fails mid-way, after which the client response is destroyed (PX-13).
 */
export async function pipeResponse(up: IncomingMessage, res: ServerResponse, options: PipeOptions = {}): Promise<void> {
  const status = up.statusCode ?? 502;
  const headers = forwardableHeaders(up.headers, options.dropHeader);
  const maxDecoded = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  const sse = isEventStream(up.headers["content-type"]);
  let source: Readable = up;
  if (isGzipEncoding(up.headers["content-encoding"])) {
    const magic = await peekBytes(up, 2);
    // Some upstreams label plain bodies gzip; relay those bytes as they are rather than fail.
    if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
      delete headers["content-encoding"];
      return relay(up, res, status, headers, sse);
    }
    delete headers["content-encoding"];
    delete headers["content-length"];
    const gz = createGunzip();
    const cap = capBytes(maxDecoded);
    // The decoded side is what the client sees; the pipeline below owns errors of every stage.
    const done = pipeline(up, gz, cap);
    source = cap;
    if (sse) {
      res.writeHead(status, headers);
      res.flushHeaders();
      await Promise.all([done, pipeline(cap, res)]);
      return;
    }
    return withHiddenGzip(source, res, status, headers, options, done);
  }
  if (sse || headers["content-encoding"] !== undefined) return relay(up, res, status, headers, sse);
  return withHiddenGzip(source, res, status, headers, options);
}

async function relay(src: Readable, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, flush: boolean): Promise<void> {
  res.writeHead(status, headers);
  if (flush) res.flushHeaders();
  await pipeline(src, res);
}

/** PX-10 step 2: a body starting 1f 8b without Content-Encoding is gunzipped whole, else streamed. */
async function withHiddenGzip(
  src: Readable, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, options: PipeOptions, upstreamDone?: Promise<void>,
): Promise<void> {
  const settle = async (work: Promise<void>) => {
    await (upstreamDone ? Promise.all([upstreamDone, work]) : work);
  };
  let magic: Buffer;
  try {
    magic = await peekBytes(src, 2);
  } catch (err) {
    await upstreamDone;
    throw err;
  }
  if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) return settle(relay(src, res, status, headers, false));
  const max = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const { body, complete } = await readAll(src, max);
  if (!complete) {
    res.writeHead(status, headers);
    res.write(body);
    return settle(pipeline(src, res));
  }
  await upstreamDone;
  let decoded: Buffer | undefined;
  try {
    decoded = await gunzipAsync(body, { maxOutputLength: options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES });
  } catch {
    decoded = undefined; // truncated or corrupt: the client gets the original bytes (PX-10)
  }
  if (decoded === undefined) {
    res.writeHead(status, headers).end(body);
    return;
  }
  delete headers["content-encoding"];
  delete headers["transfer-encoding"];
  res.writeHead(status, { ...headers, "content-length": decoded.length }).end(decoded);
}
