/**
 * The outgoing request: one keep-alive agent per upstream origin (and proxy), a connect timeout,
 * abort when the client goes away, and the header scrub that keeps client credentials and hop-by-hop
 * headers from leaving. Transport failures become UpstreamError naming the host, never the key.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { createProxyAgent } from "./connect.js";
import { pipeTo, readAll } from "./streams.js";
import { HOP_BY_HOP_HEADERS } from "./hop-by-hop.js";

/** A request ready to send upstream. */
export interface UpstreamRequest {
  readonly url: string | URL;
  /** The path and query sent as written, never re-encoded (the Amp proxy sends what was judged); default: the url's. */
  readonly path?: string;
  readonly method?: string;
  readonly headers: Readonly<OutgoingHttpHeaders>;
  /** A body read whole (sent with its Content-Length, and again after a stale socket) or a stream (piped, never resent). */
  readonly body?: Buffer | Readable;
}

/** How to send it. */
export interface ForwardOptions {
  /** Aborts the upstream request (the client went away). */
  readonly signal?: AbortSignal;
  /** No TCP connection (or proxy tunnel) within this time → UpstreamError "timeout". */
  readonly connectTimeoutMs: number;
  /** Effective proxy URL; "" sends directly. */
  readonly proxyUrl?: string;
  /** No response head within this time after sending → UpstreamError "timeout", request aborted; 0 or absent = none. */
  readonly responseTimeoutMs?: number;
  /** After the head, no body bytes for this long while cliproxy is reading → the response is destroyed with UpstreamError "timeout"; 0 or absent = none. */
  readonly idleTimeoutMs?: number;
}

/** A failure to reach or hear from an upstream; `host` is safe to show. */
export class UpstreamError extends Error {
  constructor(
    readonly kind: "unreachable" | "timeout" | "reset",
    readonly host: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UpstreamError";
    // providers/outcome.ts reads `code` to tell timeouts (504) from other transport failures (502).
    this.code =
      kind === "timeout" ? "ETIMEDOUT" : ((options?.cause as NodeJS.ErrnoException | undefined)?.code ?? "ECONNRESET");
  }
  readonly code: string;
  /** The failure hit a reused keep-alive connection before any answer: safe to send once more. */
  staleSocket = false;
  /** For a timeout, the wait that ran out: the TCP connection, the response head, or the next body bytes. */
  phase?: "connect" | "head" | "idle";
  /** The status cliproxy answers with: 504 for timeouts, 502 otherwise (providers.md §5.4). */
  get status(): number {
    return this.kind === "timeout" ? 504 : 502;
  }
}

const GATEWAY_PREFIXES = ["x-litellm-", "helicone-", "x-portkey-", "cf-aig-", "x-kong-", "x-bt-"];
const RESPONSE_DROPPED = new Set([...HOP_BY_HOP_HEADERS, "set-cookie", "content-length", "content-encoding"]);

/** Upstream response headers a client may see with `passthrough-headers: true` (providers.md §1.6). */
export function passableResponseHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || RESPONSE_DROPPED.has(k) || GATEWAY_PREFIXES.some((p) => k.startsWith(p))) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

const agents = new Map<string, HttpAgent>();

/** The shared keep-alive agent for an origin, through `proxyUrl` when set. */
export function agentFor(target: URL, proxyUrl: string, connectTimeoutMs: number): HttpAgent {
  const key = `${proxyUrl}|${target.protocol}//${target.host}|${connectTimeoutMs}`;
  let agent = agents.get(key);
  if (!agent) {
    // Node's default of 256 idle sockets: a lower cap made every response past it close its socket and the next request open one (14 % of CPU at 64 connections in the bench).
    const options = { keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 256 };
    agent = proxyUrl
      ? createProxyAgent(new URL(proxyUrl), target.protocol === "https:", { ...options, connectTimeoutMs })
      : target.protocol === "https:"
        ? new HttpsAgent(options)
        : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** Closes every pooled connection (shutdown, tests). */
export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** The proxy a credential uses: its own, else the global one; `direct`/`none` at either level means none. */
export function effectiveProxy(credentialProxy: string, globalProxy: string): string {
  const chosen = credentialProxy.trim() !== "" ? credentialProxy.trim() : globalProxy.trim();
  return chosen === "direct" || chosen === "none" ? "" : chosen;
}

/**
 * Sends a request and resolves with the response head; the body is read by the caller. A pooled
 * connection the upstream closed while idle fails at once with ECONNRESET; that one case is sent
 * again on a fresh connection (nothing reached the upstream's application), as Go's transport does.
 */
export async function sendUpstream(request: UpstreamRequest, options: ForwardOptions): Promise<IncomingMessage> {
  try {
    return await sendOnce(request, options);
  } catch (err) {
    if (!(err instanceof UpstreamError && err.staleSocket) || options.signal?.aborted) throw err;
    if (request.body !== undefined && !Buffer.isBuffer(request.body)) throw err; // a stream cannot be replayed
    return sendOnce(request, options);
  }
}

function sendOnce(request: UpstreamRequest, options: ForwardOptions): Promise<IncomingMessage> {
  const url = typeof request.url === "string" ? new URL(request.url) : request.url;
  const host = url.host;
  const agent = agentFor(url, options.proxyUrl ?? "", options.connectTimeoutMs);
  const body = request.body;
  const headers: OutgoingHttpHeaders = { ...request.headers };
  if (Buffer.isBuffer(body)) headers["content-length"] = body.length;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason ?? new Error("aborted"));
    let timedOut = false;
    const init = { method: request.method ?? "POST", headers, agent, signal: options.signal };
    const req = send(url, request.path === undefined ? init : { ...init, path: request.path });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, options.connectTimeoutMs);
    const headMs = options.responseTimeoutMs ?? 0;
    // An upstream that accepts and never answers would hold both sockets forever (Go's ResponseHeaderTimeout).
    const headTimer =
      headMs > 0
        ? setTimeout(() => {
            const e = new UpstreamError(
              "timeout",
              host,
              `Upstream "${host}" sent no response within ${formatMs(headMs)}; raise upstream-response-timeout if it is expected`,
            );
            e.phase = "head";
            req.destroy(e);
          }, headMs)
        : undefined;
    req.once("socket", (socket: Socket) => {
      // A pooled socket is already connected; a new one clears the timer when TCP is up.
      if (!socket.connecting) clearTimeout(timer);
      else socket.once("connect", () => clearTimeout(timer));
    });
    req.once("response", (res) => {
      clearTimeout(timer);
      clearTimeout(headTimer);
      if (options.idleTimeoutMs) watchIdle(res, host, options.idleTimeoutMs);
      resolve(res);
    });
    // `on`, not `once`: a destroyed request may report a second error, and the promise is settled by then.
    req.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      clearTimeout(headTimer);
      if (options.signal?.aborted || err instanceof UpstreamError) return reject(err);
      if (timedOut || err.name === "ProxyTimeoutError") {
        const e = new UpstreamError(
          "timeout",
          host,
          `Upstream "${host}" did not accept a connection within ${options.connectTimeoutMs} ms`,
          { cause: err },
        );
        e.phase = "connect";
        return reject(e);
      }
      const why = err.code ?? err.message;
      const e = new UpstreamError("unreachable", host, `Cannot reach upstream "${host}": ${why}`, { cause: err });
      e.staleSocket = req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE");
      reject(e);
    });
    if (body === undefined || Buffer.isBuffer(body)) req.end(body);
    // pipeTo() destroys the request when the body fails (the client went away), which rejects above.
    else pipeTo(body, req).catch(() => undefined);
  });
}

/** A duration for messages: "250 ms", "30 s", "5 min". */
function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 60_000 || ms % 60_000 !== 0 ? `${ms / 1000} s` : `${ms / 60_000} min`;
}

/**
 * Destroys `res` with an UpstreamError "timeout" when no bytes arrive for `ms` while its socket is
 * flowing. A socket paused for backpressure (the client reads slowly) is our wait, not the upstream's.
 */
function watchIdle(res: IncomingMessage, host: string, ms: number): void {
  const socket = res.socket;
  let timer: NodeJS.Timeout | undefined;
  // A time stamp per chunk, not a new timer per chunk (#17: one per stream event showed in profiles); the
  // timer, when it fires early, waits for the time left.
  let last = performance.now();
  const seen = () => void (last = performance.now());
  const arm = (wait = ms) => {
    clearTimeout(timer);
    timer = setTimeout(fire, wait);
  };
  const fire = () => {
    const left = ms - (performance.now() - last);
    if (left >= 1) return arm(left);
    if (socket.isPaused()) return arm();
    stop();
    const e = new UpstreamError(
      "timeout",
      host,
      `Upstream "${host}" sent nothing for ${formatMs(ms)}; raise upstream-idle-timeout if it is expected`,
    );
    e.phase = "idle";
    res.destroy(e);
  };
  const stop = () => {
    clearTimeout(timer);
    socket.off("data", seen);
  };
  socket.on("data", seen);
  res.once("end", stop);
  res.once("close", stop);
  arm();
}

/** Largest upstream body read whole (non-stream answers, error bodies); far above any real answer. */
export const MAX_UPSTREAM_BODY = 64 * 1024 * 1024;

/** The upstream body stream, decoded per Content-Encoding (gzip, deflate, br). */
export function decodedBody(res: IncomingMessage): Readable {
  const enc = String(res.headers?.["content-encoding"] ?? "")
    .trim()
    .toLowerCase();
  const decoder =
    enc === "gzip" || enc === "x-gzip"
      ? createGunzip()
      : enc === "deflate"
        ? createInflate()
        : enc === "br"
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  // pipeTo() destroys the decoder with the upstream's error, so the reader sees a reset too.
  pipeTo(res, decoder).catch(() => undefined);
  return decoder;
}

/** Reads a whole upstream body, decoded, up to `limit` bytes. */
export async function readResponseBody(res: IncomingMessage, limit = MAX_UPSTREAM_BODY): Promise<Buffer> {
  const body = await readAll(decodedBody(res), limit);
  if (body !== undefined) return body;
  res.destroy();
  throw new Error(`Upstream body is larger than ${limit} bytes`);
}
