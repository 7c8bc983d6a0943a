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

/** An upstream response body with its head: an IncomingMessage, or a stream standing in for one. */
export type UpstreamBody = Readable & Pick<IncomingMessage, "statusCode" | "headers">;

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

/** What peekBytes saw: the first bytes, and whether they are the whole body. */
export interface Peeked {
  readonly head: Buffer;
  /** True when the stream ended within the peeked bytes; they were not put back. */
  readonly ended: boolean;
}

/**
 * Waits until `src` has `n` bytes (or ended) and returns them. Unless the stream ended, the bytes
 * are put back so the next reader sees the whole body (PX-14). Rejects when the stream fails first.
 */
export function peekBytes(src: Readable, n: number): Promise<Peeked> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | undefined, ended: boolean) => {
      src.off("readable", onReadable);
      src.off("end", onEnd);
      src.off("error", onError);
      src.off("close", onClose);
      const head = Buffer.concat(chunks, size);
      if (err) return reject(err);
      if (!ended && size > 0) src.unshift(head);
      resolve({ head, ended });
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (size < n && (chunk = src.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= n) finish(undefined, false);
    };
    const onEnd = () => finish(undefined, true);
    const onError = (err: Error) => finish(err, false);
    const onClose = () => finish(new Error("Upstream response closed before its end"), false);
    src.on("readable", onReadable);
    src.once("end", onEnd);
    src.once("error", onError);
    src.once("close", onClose);
  });
}

async function readAll(src: Readable, max: number): Promise<{ body: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  // destroyOnReturn false: past the cap we stop reading but keep the stream for the caller to relay.
  for await (const chunk of src.iterator({ destroyOnReturn: false })) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > max) return { body: Buffer.concat(chunks, size), complete: false };
  }
  return { body: Buffer.concat(chunks, size), complete: true };
}

function isGzipMagic(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Streams an upstream response to the client (PX-8..PX-10). Resolves when the client has the whole
 * body; rejects when either side fails mid-way (the client response is then destroyed, PX-13).
 */
export async function pipeResponse(up: UpstreamBody, res: ServerResponse, options: PipeOptions = {}): Promise<void> {
  const status = up.statusCode ?? 502;
  const headers = forwardableHeaders(up.headers, options.dropHeader);
  const sse = isEventStream(up.headers["content-type"]);
  if (!isGzipEncoding(up.headers["content-encoding"])) {
    if (sse || headers["content-encoding"] !== undefined) return relay(up, res, status, headers, sse);
    return withHiddenGzip(up, res, status, headers, options);
  }
  delete headers["content-encoding"];
  const peeked = await peekBytes(up, 2);
  // Some upstreams label plain bodies gzip: relay those bytes as they are rather than fail.
  if (!isGzipMagic(peeked.head)) return peeked.ended ? void res.writeHead(status, headers).end(peeked.head) : relay(up, res, status, headers, sse);
  delete headers["content-length"];
  const gz = createGunzip();
  const cap = capBytes(options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES);
  if (peeked.ended) gz.end(peeked.head);
  // One pipeline per hop so the decoded side can still be peeked; each owns its stages' errors.
  const decoding = peeked.ended ? pipeline(gz, cap) : pipeline(up, gz, cap);
  if (sse) {
    await Promise.all([decoding, relay(cap, res, status, headers, true)]);
    return;
  }
  await Promise.all([decoding, withHiddenGzip(cap, res, status, headers, options)]);
}

async function relay(src: Readable, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, flush: boolean): Promise<void> {
  res.writeHead(status, headers);
  if (flush) res.flushHeaders(); // an SSE client should see the head before the first event
  await pipeline(src, res);
}

/** PX-10 step 2: a body starting 1f 8b without Content-Encoding is gunzipped whole, else streamed. */
async function withHiddenGzip(src: Readable, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, options: PipeOptions): Promise<void> {
  const peeked = await peekBytes(src, 2);
  if (peeked.ended && !isGzipMagic(peeked.head)) return void res.writeHead(status, headers).end(peeked.head);
  if (!isGzipMagic(peeked.head)) return relay(src, res, status, headers, false);
  let body = peeked.head;
  if (!peeked.ended) {
    const read = await readAll(src, options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES);
    if (!read.complete) {
      res.writeHead(status, headers);
      res.write(read.body);
      await pipeline(src, res);
      return;
    }
    body = read.body;
  }
  let decoded: Buffer | undefined;
  try {
    decoded = await gunzipAsync(body, { maxOutputLength: options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES });
  } catch {
    decoded = undefined; // truncated or corrupt: the client gets the original bytes and headers (PX-10)
  }
  if (decoded === undefined) return void res.writeHead(status, headers).end(body);
  delete headers["content-encoding"];
  res.writeHead(status, { ...headers, "content-length": decoded.length }).end(decoded);
}
