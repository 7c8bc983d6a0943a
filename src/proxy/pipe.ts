/**
 * Relaying an upstream response to the client (amp.md PX-8..PX-10, PX-13, PX-14): hop-by-hop headers
 * dropped, declared gzip decoded while streaming, hidden gzip (magic bytes, no header) decoded as a
 * stream within bounds and relayed untouched past them, everything else streamed chunk by chunk with backpressure. SSE bytes are never altered or buffered.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { pipeTo } from "./streams.js";
import { connectionTokens, HOP_BY_HOP_HEADERS } from "./hop-by-hop.js";

/**
 * Cap on the bytes held while a hidden-gzip body is decoded (its compressed bytes, and separately its
 * decoded bytes): past either, the body is relayed untouched. Keeps N concurrent answers at N × 2 × cap.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Decoded-to-compressed ratio past which a hidden-gzip body is relayed untouched (zip-bomb guard). */
export const DEFAULT_MAX_GZIP_RATIO = 100;
/** Largest error body read whole to be redacted; a larger one fails the answer (502 before its head). */
export const MAX_ERROR_BODY_BYTES = 1024 * 1024;
/** Decoded bytes always allowed before the ratio applies (a tiny body may inflate a lot). */
const RATIO_FLOOR_BYTES = 64 * 1024;
/** Cap on the decoded size of a gzip body (zip-bomb guard); a streamed body past it is cut off. */
export const DEFAULT_MAX_DECODED_BYTES = 256 * 1024 * 1024;

/** Options for pipeResponse. */
export interface PipeOptions {
  /** Response headers (lower-case names) to drop besides the hop-by-hop ones. */
  readonly dropHeader?: (name: string) => boolean;
  readonly maxBufferedBytes?: number;
  readonly maxDecodedBytes?: number;
  /** Decoded/compressed ratio past which hidden gzip is relayed untouched (DEFAULT_MAX_GZIP_RATIO). */
  readonly maxGzipRatio?: number;
  /** Masks secrets in an error answer (status ≥ 400): its body, read whole within MAX_ERROR_BODY_BYTES, and its headers. */
  readonly redact?: (text: string) => string;
}

/** An upstream response body with its head: an IncomingMessage, or a stream standing in for one. */
export type UpstreamBody = Readable & Pick<IncomingMessage, "statusCode" | "headers">;

/** The end-to-end response headers of `headers`, minus hop-by-hop ones and those `drop` rejects. */
export function forwardableHeaders(
  headers: IncomingHttpHeaders,
  drop?: (name: string) => boolean,
): OutgoingHttpHeaders {
  const named = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name) || named.has(name) || drop?.(name)) continue;
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
 * Waits until `src` has `n` bytes (or ended) and returns them. Unless the stream ended, the bytes are put back so the
 * next reader sees the whole body (amp.md PX-14: peeked bytes are re-emitted). Rejects when the stream fails first.
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

function isGzipMagic(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Streams an upstream response to the client as it arrives (amp.md PX-8..PX-10). Resolves when the client has the whole
 * body; rejects when either side fails mid-way (the client response is then destroyed: a truncated body is the only
 * signal left after the head, amp.md PX-13).
 */
export async function pipeResponse(up: UpstreamBody, res: ServerResponse, options: PipeOptions = {}): Promise<void> {
  const status = up.statusCode ?? 502;
  const headers = forwardableHeaders(up.headers, options.dropHeader);
  const sse = isEventStream(up.headers["content-type"]);
  if (options.redact && status >= 400 && !sse) return redactedError(up, res, status, headers, options.redact);
  if (!isGzipEncoding(up.headers["content-encoding"])) {
    if (sse || headers["content-encoding"] !== undefined) return relay(up, res, status, headers, sse);
    return withHiddenGzip(up, res, status, headers, options);
  }
  delete headers["content-encoding"];
  const peeked = await peekBytes(up, 2);
  // Some upstreams label plain bodies gzip: relay those bytes as they are rather than fail.
  if (!isGzipMagic(peeked.head))
    return peeked.ended ? void res.writeHead(status, headers).end(peeked.head) : relay(up, res, status, headers, sse);
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

async function relay(
  src: Readable,
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  flush: boolean,
): Promise<void> {
  res.writeHead(status, headers);
  if (flush) res.flushHeaders(); // an SSE client should see the head before the first event
  await pipeTo(src, res);
}

/** What decoding a hidden-gzip body found: the decoded body, or the compressed bytes read so far and why it stopped. */
type HiddenGzip = { kind: "decoded"; body: Buffer } | { kind: "relay"; read: Buffer[]; ended: boolean };

/**
 * Feeds `src` through a gunzip stream while keeping both sides within bounds: compressed bytes read
 * ≤ maxBuffered, decoded bytes ≤ maxBuffered and ≤ ratio × compressed (past a small floor). Any bound
 * passed, or a corrupt or truncated stream, stops decoding and returns the compressed bytes read so far.
 */
function decodeBounded(src: Readable, options: PipeOptions): Promise<HiddenGzip> {
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const maxDecoded = Math.min(maxBuffered, options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES);
  const ratio = options.maxGzipRatio ?? DEFAULT_MAX_GZIP_RATIO;
  return new Promise((resolve, reject) => {
    const read: Buffer[] = [];
    const decoded: Buffer[] = [];
    let readBytes = 0;
    let decodedBytes = 0;
    let ended = false;
    let done = false;
    const gz = createGunzip();
    const finish = (result: HiddenGzip | Error) => {
      if (done) return;
      done = true;
      src.off("data", onData);
      src.off("end", onEnd);
      src.off("error", onError);
      src.off("close", onClose);
      gz.removeAllListeners();
      gz.on("error", () => {});
      gz.destroy();
      src.pause();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const relay = () => finish({ kind: "relay", read, ended });
    const onData = (chunk: Buffer) => {
      read.push(chunk);
      readBytes += chunk.length;
      if (readBytes > maxBuffered) return relay();
      // Backpressure: wait for gunzip before reading more, so memory stays within the bounds.
      if (!gz.write(chunk)) {
        src.pause();
        gz.once("drain", () => !done && src.resume());
      }
    };
    const onEnd = () => {
      ended = true;
      gz.end();
    };
    const onError = (err: Error) => finish(err);
    const onClose = () => !ended && finish(new Error("Upstream response closed before its end"));
    gz.on("data", (chunk: Buffer) => {
      decodedBytes += chunk.length;
      if (decodedBytes > maxDecoded || decodedBytes > Math.max(RATIO_FLOOR_BYTES, ratio * readBytes)) return relay();
      decoded.push(chunk);
    });
    gz.on("end", () => (ended ? finish({ kind: "decoded", body: Buffer.concat(decoded, decodedBytes) }) : relay()));
    gz.on("error", relay); // truncated or corrupt: the client gets the original bytes and headers (amp.md PX-10)
    src.on("data", onData);
    src.once("end", onEnd);
    src.once("error", onError);
    src.once("close", onClose);
  });
}

/**
 * Hidden gzip (amp.md PX-10 step 2): a body starting 1f 8b without Content-Encoding is gunzipped and sent with its
 * decoded length, else streamed. Decoding is bounded (decodeBounded); past a bound, the bytes read so far and the rest
 * of the body go to the client untouched, with the upstream's headers.
 */
async function withHiddenGzip(
  src: Readable,
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  options: PipeOptions,
): Promise<void> {
  const peeked = await peekBytes(src, 2);
  if (peeked.ended && !isGzipMagic(peeked.head)) return void res.writeHead(status, headers).end(peeked.head);
  if (!isGzipMagic(peeked.head)) return relay(src, res, status, headers, false);
  if (peeked.ended) return void res.writeHead(status, headers).end(peeked.head); // two bytes are no gzip body
  const result = await decodeBounded(src, options);
  if (result.kind === "decoded") {
    delete headers["content-encoding"];
    return void res.writeHead(status, { ...headers, "content-length": result.body.length }).end(result.body);
  }
  const read = Buffer.concat(result.read);
  // 'end' may have gone by with nobody listening, after the last bytes were read: then all is in `read`.
  if (result.ended || src.readableEnded) return void res.writeHead(status, headers).end(read);
  src.unshift(read);
  return relay(src, res, status, headers, false);
}

async function readCapped(src: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of src) {
    size += (chunk as Buffer).length;
    if (size > max) throw new Error(`Error answer is larger than the ${max} byte limit for redaction`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * An error answer can echo what it was sent (a key, a token): it is read whole (bounded), decoded
 * (declared or hidden gzip), passed through `redact`, and sent with its real length; its headers too.
 * Bodies in another encoding cannot be read and are refused rather than relayed unread.
 */
async function redactedError(
  up: Readable,
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  redact: (text: string) => string,
): Promise<void> {
  const encoding = headers["content-encoding"];
  if (encoding !== undefined && !isGzipEncoding(encoding as string))
    throw new Error(`Cannot redact an error answer encoded as "${String(encoding)}"`);
  let body = await readCapped(encoding === undefined ? up : gunzipped(up), MAX_ERROR_BODY_BYTES);
  if (isGzipMagic(body)) body = await gunzipCapped(body).catch(() => body);
  delete headers["content-encoding"];
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map((v) => redact(v)) : typeof value === "string" ? redact(value) : value;
  }
  // latin1 maps bytes to characters one to one, so a body that is not UTF-8 keeps its bytes.
  const text = Buffer.from(redact(body.toString("latin1")), "latin1");
  res.writeHead(status, { ...out, "content-length": text.length }).end(text);
}

/** `src` through gunzip; a failure on either side surfaces on the returned stream. */
function gunzipped(src: Readable): Readable {
  const gz = createGunzip();
  pipeline(src, gz).catch(() => {});
  return gz;
}

function gunzipCapped(body: Buffer): Promise<Buffer> {
  return readCapped(gunzipped(Readable.from([body])), MAX_ERROR_BODY_BYTES);
}
