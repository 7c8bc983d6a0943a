/**
 * Forwarding to the Amp upstream (amp.md §3): one outgoing request per client request, bodies streamed both ways with
 * backpressure, the client's credentials replaced by the upstream key, 502 when the upstream cannot be reached, 504
 * when it does not answer within upstream-timeout (N20), and the upstream request destroyed as soon as the client goes
 * away (PX-12).
 */
import type { IncomingMessage } from "node:http";
import { pipeline } from "node:stream/promises";
import { AMP_ERRORS, HttpError } from "../errors.js";
import type { Ctx } from "../server/handler.js";
import { loggablePath } from "../log/redact.js";
import type { Transform } from "node:stream";
import { sendUpstream, UpstreamError } from "../proxy/forward.js";
import { pipeResponse, type UpstreamBody } from "../proxy/pipe.js";
import { redact } from "../log/redact.js";
import { requireUpstreamKey } from "./secret.js";
import { outgoingHeaders, targetPath } from "./scrub.js";

/** The 502 body when the upstream cannot be reached, exactly as CLIProxyAPI wrote it (amp.md PX-11). */
export const UNREACHABLE_BODY = { error: AMP_ERRORS.unreachable.code, message: "Failed to reach Amp upstream" };
/** The 504 body when the upstream sends no response head within upstream-timeout (amp.md N20). */
export const TIMEOUT_BODY = { error: AMP_ERRORS.timeout.code, message: "Amp upstream did not answer in time" };
/** The 503 body of every management route while no upstream is configured (amp.md RT-9). */
export const UNAVAILABLE_BODY = { error: "amp upstream proxy not available" };

/** Options for forwarding beyond the published forwardToAmp signature. */
export interface ForwardOptions {
  /** An already-read, identity-encoded body; else the request is streamed. */
  readonly body?: Buffer;
  /** Management routes (amp.md §2.2): no Access-Control-* header reaches the client (amp.md N4). */
  readonly management?: boolean;
  /** Edits the judged path and query before forwarding (the actor gateway adds Rivet parameters). */
  readonly editUrl?: (judged: string) => string;
  /** Sees a successful answer's raw bytes on their way to the client (and may hold them back). */
  readonly tap?: () => Transform;
}

/**
 * Forwards the request to the Amp upstream (amp.md §3): path+query kept, credentials scrubbed, upstream key injected.
 * `body` given = already-read (maybe sanitised), identity-encoded body, sent with a matching Content-Length; else the
 * request is streamed. Throws HttpError 503/502/504 before the response head; after it, a failure destroys the client
 * connection: a truncated body is the only signal left (PX-13).
 */
export async function forwardToAmp(req: IncomingMessage, ctx: Ctx, body?: Buffer): Promise<void> {
  return forward(req, ctx, { body });
}

/** forwardToAmp with options; the management routes use it. */
export async function forward(req: IncomingMessage, ctx: Ctx, options: ForwardOptions): Promise<void> {
  const target = ctx.app.amp.upstream(ctx.config);
  if (!target)
    throw new HttpError(AMP_ERRORS.unavailable.status, AMP_ERRORS.unavailable.code, UNAVAILABLE_BODY.error, {
      body: UNAVAILABLE_BODY,
    });
  const key = await requireUpstreamKey(ctx);
  if (ctx.signal.aborted) return;
  let up: IncomingMessage;
  try {
    // proxy/forward.ts's client: pooled keep-alive agents, connect and head timeouts, one resend on a stale socket.
    up = await sendUpstream(
      {
        url: target.url,
        path: targetPath(target.url, options.editUrl ? options.editUrl(judgedUrl(req, ctx)) : judgedUrl(req, ctx)),
        method: req.method,
        headers: outgoingHeaders(req.headers, { host: target.url.host, key, bodyLength: options.body?.length }),
        body: options.body ?? (hasBody(req) ? req : undefined),
      },
      {
        signal: ctx.signal,
        connectTimeoutMs: ctx.config.upstreamConnectTimeoutMs,
        // PX-16: CLIProxyAPI's Amp proxy never applied the global proxy-url.
        proxyUrl: "",
        responseTimeoutMs: ctx.config.ampcode.upstreamTimeoutMs,
      },
    );
  } catch (err) {
    if (ctx.signal.aborted) return;
    throw upstreamError(req, ctx, err);
  }
  if (ctx.signal.aborted) return void up.destroy();
  if (options.management)
    for (const name of ctx.res.getHeaderNames()) if (name.startsWith("access-control-")) ctx.res.removeHeader(name);
  const abort = () => up.destroy();
  ctx.signal.addEventListener("abort", abort, { once: true });
  try {
    let body: UpstreamBody = up;
    if (options.tap && (up.statusCode ?? 0) >= 200 && (up.statusCode ?? 0) < 300) {
      const tap = options.tap();
      // pipeline() destroys the tap with the upstream's error, so pipeResponse sees it.
      pipeline(up, tap).catch(() => {});
      body = Object.assign(tap, { statusCode: up.statusCode, headers: up.headers });
    }
    await pipeResponse(body, ctx.res, {
      dropHeader: options.management ? (name) => name.startsWith("access-control-") : undefined,
      redact: (text) => redact(text, ctx.app.log.secrets),
    });
  } catch (err) {
    if (ctx.signal.aborted) return;
    if (!ctx.res.headersSent) throw upstreamError(req, ctx, err);
    // The head is out, so a truncated body is the only signal left; one line, no stack (amp.md PX-13).
    ctx.app.log.warn(
      `amp upstream response failed mid-stream for ${req.method} ${loggablePath(ctx.url)}: ${describe(err)}`,
    );
    ctx.res.destroy();
  } finally {
    ctx.signal.removeEventListener("abort", abort);
    up.destroy();
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * The path guards and routing judged (ctx.url, parsed once in dispatch) with the client's raw query: the
 * upstream receives exactly the path that was authorised, never a raw form another hop could read anew.
 */
function judgedUrl(req: IncomingMessage, ctx: Ctx): string {
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  return ctx.url.pathname + (q < 0 ? "" : raw.slice(q));
}

function upstreamError(req: IncomingMessage, ctx: Ctx, err: unknown): HttpError {
  const path = `${req.method} ${loggablePath(ctx.url)}`;
  if (err instanceof UpstreamError && err.phase === "head") {
    ctx.app.log.error(
      `amp upstream timeout for ${path}: no response head within ${ctx.config.ampcode.upstreamTimeoutMs} ms; raise ampcode.upstream-timeout if this is expected`,
    );
    return new HttpError(AMP_ERRORS.timeout.status, TIMEOUT_BODY.error, TIMEOUT_BODY.message, {
      body: TIMEOUT_BODY,
      cause: err,
    });
  }
  // PX-16: a connect timeout counts as unreachable (502), as everything else before the head.
  ctx.app.log.error(`amp upstream proxy error for ${path}: ${describe(err)}`);
  return new HttpError(AMP_ERRORS.unreachable.status, UNREACHABLE_BODY.error, UNREACHABLE_BODY.message, {
    body: UNREACHABLE_BODY,
    cause: err,
  });
}

function describe(err: unknown): string {
  if (err instanceof UpstreamError && err.phase === "connect") return err.message;
  // The transport's own error names the cause (ECONNREFUSED, ENOTFOUND…) better than its wrapper.
  const e = (err instanceof UpstreamError && err.cause !== undefined ? err.cause : err) as NodeJS.ErrnoException;
  return e?.code
    ? `${e.code}${e.message && !e.message.includes(e.code) ? ` (${e.message})` : ""}`
    : String(e?.message ?? err);
}
