/**
 * The answer writer: every non-stream byte the local pipeline sends the client goes through here
 * (whole JSON answers, the keep-alive newlines before them, and errors once a head has gone out).
 * Streams are written event by event in providers/stream.ts; errors before any byte are thrown for
 * server/dispatch.ts, the one catch.
 */
import type { ServerResponse } from "node:http";
import type { Ctx } from "../server/handler.js";
import { errorBody, sendError, type HttpError } from "../server/errors.js";
import { redact } from "../log/redact.js";

/** A whole answer: status and headers (unless keep-alive newlines already sent a head), then the body. */
export function writeAnswer(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  if (!res.headersSent) res.writeHead(status, { ...headers, "content-length": String(body.length) });
  res.end(body);
}

/** A whole JSON answer. */
export function writeJson(res: ServerResponse, status: number, headers: Record<string, string>, json: unknown): void {
  writeAnswer(res, status, { ...headers, "content-type": "application/json" }, Buffer.from(JSON.stringify(json)));
}

/** An error answered by the pipeline itself (a stream that failed before its first event): in the client's dialect. */
export function writeError(ctx: Ctx, err: HttpError): void {
  sendError(ctx.res, ctx.dialect, err, ctx.app.log.secrets);
}

/**
 * The final error of a request: thrown for dispatch while nothing was sent; after keep-alive newlines sent a
 * 200 head, the error can only follow as the body (the reference does the same).
 */
export function finishWithError(ctx: Ctx, err: HttpError): void {
  if (!ctx.res.headersSent) throw err;
  ctx.res.end(redact(JSON.stringify(errorBody(ctx.dialect, err)), ctx.app.log.secrets));
}

/**
 * `nonstream-keepalive-interval`: a bare newline every `ms` while a non-stream answer is pending, so
 * idle-connection timeouts in between do not cut it (JSON parsers skip the leading whitespace).
 */
export function startKeepalive(res: ServerResponse, ms: number): () => void {
  if (ms <= 0) return () => undefined;
  const timer = setInterval(() => {
    if (!res.headersSent) res.writeHead(200, { "content-type": "application/json" });
    res.write("\n");
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
