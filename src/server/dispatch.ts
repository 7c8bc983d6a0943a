/**
 * The one catch: turns a route table into a node:http request listener. Adds the request id,
 * the abort signal, the access log line, 404/405 answers, and writes every thrown error in the
 * client's dialect (HttpError messages are shown; anything else is an opaque 500, logged redacted).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, sendError } from "./errors.js";
import type { App, Ctx, Dialect, RequestNotes, Route } from "./handler.js";
import { createRouter } from "./router.js";
import { loggablePath } from "../log/redact.js";

export { loggablePath };

/** The dialect of an unmatched path, so even a 404 answers in the client's own shape. */
export function dialectOfPath(path: string): Dialect {
  if (path.startsWith("/v1/messages") || path.startsWith("/api/provider/anthropic")) return "anthropic";
  if (path.startsWith("/v1beta") || path.startsWith("/api/provider/google")) return "gemini";
  return "openai";
}

/**
 * Sends `100 Continue` when something first reads the body of a request that asked for it, and only while
 * no response has started: a request refused by auth or size never invites its body (RFC 9110 §10.1.1).
 */
export function deferContinue(req: IncomingMessage, res: ServerResponse): void {
  const read = req._read.bind(req);
  let sent = false;
  req._read = (n: number) => {
    if (!sent && !res.headersSent && !res.writableEnded) res.writeContinue();
    sent = true;
    return read(n);
  };
}

/** Most request headers accepted (server/listen.ts keeps one more so the excess is visible here). */
const MAX_HEADERS = 1000;

/** Why a request head is malformed in ways node's parser lets through, or undefined. */
function headProblem(req: IncomingMessage): HttpError | undefined {
  const raw = req.rawHeaders;
  if (raw.length / 2 > MAX_HEADERS)
    return new HttpError(431, "invalid_request_error", `Request has more than ${MAX_HEADERS} headers`);
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === "host") hosts++;
  // RFC 9112 §3.2: a request with more than one Host field must be answered 400.
  if (hosts > 1) return new HttpError(400, "invalid_request_error", "Request has more than one Host header");
  return undefined;
}

/** A `.` or `..` path segment, literal or percent-encoded. */
export const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

function decodeOnce(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Why a raw request path (no query) is refused, or undefined when it has one meaning. Guards and routing
 * judge one reading of the path while proxies forward it and the next hop may decode it again, so
 * anything a later decoding could turn into another path is refused: dot segments, encoded slashes or
 * backslashes, backslashes (WHATWG URLs read them as slashes) and `;` path parameters (`..;/` is `../`
 * to Tomcat-style servers). Checked at each of up to three decodings, for double-encoded forms.
 */
export function unsafePath(path: string): string | undefined {
  let p = path;
  for (let round = 0; round < 3; round++) {
    if (DOT_SEGMENT.test(p)) return "dot segments (. or ..)";
    if (/%2f|%5c/i.test(p)) return "an encoded slash or backslash (%2F, %5C)";
    if (p.includes("\\")) return "a backslash";
    if (p.includes(";")) return "a ';' path parameter";
    const next = decodeOnce(p);
    if (next === p) return undefined;
    p = next;
  }
  return "more than two levels of percent-encoding";
}

/** Builds the request listener for `routes`. */
export function dispatch(routes: readonly Route[], app: App): (req: IncomingMessage, res: ServerResponse) => void {
  const router = createRouter(routes);
  return (req, res) => {
    const started = process.hrtime.bigint();
    const socket = req.socket;
    const startBytes = socket.bytesWritten;
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
    res.setHeader("x-request-id", requestId);
    let url: URL;
    try {
      // Concatenate rather than resolve: "//evil/api/user" must stay a path, not become a host.
      url = new URL(`http://localhost${(req.url ?? "/").startsWith("/") ? req.url : "/"}`);
    } catch {
      url = new URL("http://localhost/");
    }
    // Guards and routing judge the parsed path and proxies forward it; a path another hop could read
    // differently ("/threads/..%2fapi%2fuser") would let the two disagree, so it is refused outright.
    const unsafe = unsafePath((req.url ?? "/").split("?")[0]);
    const aborter = new AbortController();
    // The client is gone when the response closes before it finished (socket reset, client abort).
    res.once("close", () => {
      if (!res.writableFinished) aborter.abort(new Error("client disconnected"));
    });
    const notes: RequestNotes = {};
    // The responses open now, for the in-flight and open-streams gauges (metrics/metrics.ts reads them).
    app.liveResponses.add(res);
    res.once("close", () => app.liveResponses.delete(res));
    const match = router.match(req.method ?? "GET", url.pathname);
    const dialect =
      match.kind === "found"
        ? match.route.dialect
        : match.kind === "method"
          ? match.dialect
          : dialectOfPath(url.pathname);
    const ctx: Ctx = {
      res,
      url,
      dialect,
      app,
      requestId,
      notes,
      params: match.kind === "found" ? match.params : {},
      config: app.config(),
      signal: aborter.signal,
      peer: req.socket.remoteAddress ?? "",
    };
    res.once("finish", () => logAccess(app, req, res, ctx, started, socket.bytesWritten - startBytes));
    res.once("close", () => {
      if (!res.writableFinished)
        logAccess(app, req, res, ctx, started, socket.bytesWritten - startBytes, "client closed");
    });
    const run = async () => {
      const malformed = headProblem(req);
      if (malformed) throw malformed;
      if (unsafe)
        throw new HttpError(
          400,
          "invalid_request_error",
          `Request path has ${unsafe}; send the path in normal form, without encoded slashes, dot segments or ';' parameters`,
        );
      if (match.kind === "none")
        throw new HttpError(
          404,
          "not_found",
          `No route for ${req.method} ${url.pathname}; see GET / for the endpoints`,
        );
      if (match.kind === "method") {
        res.setHeader("allow", match.allow.join(", "));
        throw new HttpError(
          405,
          "invalid_request_error",
          `Method ${req.method} is not allowed on ${url.pathname}; allowed: ${match.allow.join(", ")}`,
        );
      }
      await match.route.handler(req, ctx);
    };
    run().catch((err: unknown) => {
      if (aborter.signal.aborted) {
        if (!res.destroyed) res.destroy();
        return;
      }
      let e: HttpError;
      // A refused request whose body is still arriving (a 401 or 413 on a huge upload): close the connection after
      // the answer instead of reading the rest to keep it alive.
      if (!req.complete && !res.headersSent) res.setHeader("connection", "close");
      try {
        e = sendError(res, ctx.dialect, err, app.log.secrets);
      } catch (writeErr) {
        // The last resort must never throw out of the listener: that would be an unhandled rejection.
        res.destroy();
        app.log.error("could not write an error response", {
          id: requestId,
          path: url.pathname,
          error: describe(writeErr),
        });
        return;
      }
      if (!(err instanceof HttpError))
        app.log.error("request failed", { id: requestId, path: url.pathname, error: describe(err) });
      else if (e.status >= 500)
        app.log.warn("request failed", { id: requestId, path: url.pathname, status: e.status, error: e.message });
    });
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}${err.cause ? ` (cause: ${describe(err.cause)})` : ""}`;
  return String(err);
}

const logged = new WeakSet<ServerResponse>();

function logAccess(
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Ctx,
  started: bigint,
  bytes: number,
  note?: string,
): void {
  if (logged.has(res) || ctx.notes.skipAccessLog) return;
  logged.add(res);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  app.log.info(`${req.method} ${loggablePath(ctx.url)}`, {
    status: res.statusCode,
    ms: Math.round(ms * 10) / 10,
    bytes,
    id: ctx.requestId,
    provider: ctx.notes.provider,
    model: ctx.notes.model,
    route: ctx.notes.route,
    note,
  });
}
