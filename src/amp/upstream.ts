/**
 * Forwarding to the Amp upstream (amp.md §3): one outgoing request per client request, bodies streamed both ways with
 * backpressure, the client's credentials replaced by the upstream key, 502 when the upstream cannot be reached, 504
 * when it does not answer within upstream-timeout (N20), and the upstream request destroyed as soon as the client goes
 * away (PX-12).
 */
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { request as requestTls } from "node:https";
import { pipeline } from "node:stream/promises";
import { HttpError } from "../server/errors.js";
import type { Ctx } from "../server/handler.js";
import { loggablePath } from "../log/redact.js";
import type { Transform } from "node:stream";
import { pipeResponse, type UpstreamBody } from "../proxy/pipe.js";
import { redact } from "../log/redact.js";
import { requireUpstreamKey } from "./secret.js";
import { outgoingHeaders, targetPath } from "./scrub.js";

/** The 502 body when the upstream cannot be reached, exactly as CLIProxyAPI wrote it (amp.md PX-11). */
export const UNREACHABLE_BODY = { error: "amp_upstream_proxy_error", message: "Failed to reach Amp upstream" };
/** The 504 body when the upstream sends no response head within upstream-timeout (amp.md N20). */
export const TIMEOUT_BODY = { error: "amp_upstream_timeout", message: "Amp upstream did not answer in time" };
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

class UpstreamTimeout extends Error {
  constructor(
    readonly ms: number,
    readonly phase: "connect" | "response",
  ) {
    super(phase === "connect" ? `connect timeout after ${ms} ms` : `no response head within ${ms} ms`);
  }
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
  if (!target) throw new HttpError(503, "amp_upstream_unavailable", UNAVAILABLE_BODY.error, { body: UNAVAILABLE_BODY });
  const key = await requireUpstreamKey(ctx);
  if (ctx.signal.aborted) return;
  const replayable = options.body !== undefined || !hasBody(req);
  let up: IncomingMessage;
  try {
    up = await send(req, ctx, target.url, key, options, false);
  } catch (err) {
    if (ctx.signal.aborted) return;
    const retry =
      replayable &&
      (err as { reusedSocket?: boolean }).reusedSocket === true &&
      (err as NodeJS.ErrnoException).code === "ECONNRESET";
    if (!retry) throw upstreamError(req, ctx, err);
    // A kept-alive socket the upstream had just closed: the request never reached it, so send once more.
    try {
      up = await send(req, ctx, target.url, key, options, true);
    } catch (again) {
      if (ctx.signal.aborted) return;
      throw upstreamError(req, ctx, again);
    }
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

/** Sends one upstream request; resolves with the response head. Errors carry `reusedSocket`. */
function send(
  req: IncomingMessage,
  ctx: Ctx,
  upstream: URL,
  key: string,
  options: ForwardOptions,
  retry: boolean,
): Promise<IncomingMessage> {
  const body = options.body;
  const headers = outgoingHeaders(req.headers, { host: upstream.host, key, bodyLength: body?.length });
  const open = upstream.protocol === "https:" ? requestTls : request;
  const out: ClientRequest = open({
    protocol: upstream.protocol,
    hostname: upstream.hostname.replace(/^\[|\]$/g, ""),
    port: upstream.port || undefined,
    method: req.method,
    path: targetPath(upstream, options.editUrl ? options.editUrl(judgedUrl(req, ctx)) : judgedUrl(req, ctx)),
    headers,
    agent: ctx.app.amp.agent(upstream),
  });
  return new Promise<IncomingMessage>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    const fail = (err: Error) => {
      for (const t of timers) clearTimeout(t);
      ctx.signal.removeEventListener("abort", onAbort);
      Object.assign(err, { reusedSocket: out.reusedSocket });
      out.destroy();
      reject(err);
    };
    const onAbort = () => fail(new Error("client disconnected"));
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    out.on("error", fail); // `on`, not `once`: a destroyed request may report a second error
    out.once("socket", (socket) => {
      if (!socket.connecting) return;
      const ms = ctx.config.upstreamConnectTimeoutMs;
      const timer = setTimeout(() => out.destroy(new UpstreamTimeout(ms, "connect")), ms);
      timers.push(timer);
      socket.once("connect", () => clearTimeout(timer));
    });
    const ms = ctx.config.ampcode.upstreamTimeoutMs;
    timers.push(setTimeout(() => out.destroy(new UpstreamTimeout(ms, "response")), ms));
    out.once("response", (up) => {
      for (const t of timers) clearTimeout(t);
      ctx.signal.removeEventListener("abort", onAbort);
      out.off("error", fail);
      // Errors after the head surface on the response stream; keep the request quiet.
      out.on("error", () => {});
      resolve(up);
    });
    if (body !== undefined || retry) out.end(body);
    else pipeline(req, out).catch(() => out.destroy());
  });
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
  if (err instanceof UpstreamTimeout && err.phase === "response") {
    ctx.app.log.error(
      `amp upstream timeout for ${path}: ${err.message}; raise ampcode.upstream-timeout if this is expected`,
    );
    return new HttpError(504, "amp_upstream_timeout", TIMEOUT_BODY.message, { body: TIMEOUT_BODY, cause: err });
  }
  ctx.app.log.error(`amp upstream proxy error for ${path}: ${describe(err)}`);
  return new HttpError(502, "amp_upstream_proxy_error", UNREACHABLE_BODY.message, {
    body: UNREACHABLE_BODY,
    cause: err,
  });
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code
    ? `${e.code}${e.message && !e.message.includes(e.code) ? ` (${e.message})` : ""}`
    : String(e?.message ?? err);
}
