/**
 * The answer writer: what the local pipeline writes to the client outside the event-by-event relay of
 * pipeline/stream.ts goes through here: whole JSON answers, the keep-alive newlines before them, errors the
 * pipeline answers itself, and the terminal error that ends a stream already under way. Errors before any byte
 * are thrown for server/dispatch.ts, the one catch.
 */
import type { ServerResponse } from "node:http";
import type { Ctx } from "../server/handler.js";
import { anthropicErrorType } from "../errors.js";
import { errorBody, sendError, type HttpError } from "../server/errors.js";
import { redact } from "../log/redact.js";
import { formatEvent } from "../sse/write.js";
import { translateError, type Format } from "../translate/hub.js";

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

/** The terminal error event(s) for a client dialect (providers.md §4.5). */
function terminalErrorEvent(client: Format, status: number, message: string, sequence?: number): string {
  if (client === "openai-chat")
    return `data: ${JSON.stringify(translateError("openai-chat", status, message))}\n\ndata: [DONE]\n\n`;
  if (client === "anthropic") {
    return formatEvent({
      event: "error",
      data: JSON.stringify({ type: "error", error: { type: anthropicErrorType(status), message } }),
    });
  }
  if (client === "gemini")
    return formatEvent({ event: "error", data: JSON.stringify(translateError("gemini", status, message)) });
  const code = status >= 500 ? "internal_server_error" : status === 408 ? "request_timeout" : "invalid_request_error";
  const body: Record<string, unknown> = { type: "error", code, message, param: null };
  if (sequence !== undefined) body.sequence_number = sequence;
  return formatEvent({ event: "error", data: JSON.stringify(body) });
}

/**
 * Ends a stream whose head is already sent: after the first byte the status is sent, so the only honest signal
 * left is a terminal error event (or, in a Gemini JSON array, a last error element).
 */
export function endStreamWithError(
  res: ServerResponse,
  client: Format,
  status: number,
  message: string,
  at: { readonly jsonArray: boolean; readonly arrayOpen: boolean; readonly sequence?: number },
): void {
  if (at.jsonArray)
    res.write(`${at.arrayOpen ? "," : "["}${JSON.stringify(translateError("gemini", status, message))}]`);
  else res.write(terminalErrorEvent(client, status, message, at.sequence));
  res.end();
}
