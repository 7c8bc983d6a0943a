/**
 * A WebSocket tunnel to the Amp upstream (issue 11): the handshake is re-sent upstream, its answer
 * relayed (101 → the tunnel opens; anything else → the client gets that status and body), and from
 * then on the bytes are opaque and flow both ways with backpressure. Either side ending ends the other
 * (so the WebSocket close handshake completes), either side closing or failing closes the other, and a
 * tunnel with no byte either way for `tunnel-idle-timeout` is closed. One log line when it opens, one
 * when it closes; never a secret (the query and subprotocols are not logged).
 */
import { request, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { App } from "../server/handler.js";
import { forwardableHeaders } from "../proxy/pipe.js";
import { ConnectError, connectUpstream } from "./tunnel-connect.js";

/** An upstream refusal body larger than this is cut off (it is an error page, not a stream). */
export const MAX_REFUSAL_BODY = 64 * 1024;
/** After one side closed, the other gets this long to flush what it was sent before it is destroyed. */
export const CLOSE_GRACE_MS = 2_000;

/** A refusal cliproxy writes itself (status and a `{"error": …}` body). */
export class UpgradeRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "UpgradeRefusal";
  }
}

/** What the tunnel needs to know about one accepted upgrade. */
export interface TunnelRequest {
  readonly app: App;
  readonly req: IncomingMessage;
  /** The client's socket and the bytes read past its handshake. */
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly target: URL;
  /** Path and query to request upstream. */
  readonly path: string;
  /** Raw header pairs for the upstream handshake. */
  readonly headers: string[];
  readonly proxyUrl: string;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** For the log lines: the path without query, and the thread id. */
  readonly logPath: string;
  readonly thread: string;
}

/** Writes an HTTP answer on a raw socket and closes it once written. */
export function writeRaw(
  socket: Duplex,
  status: number,
  headers: OutgoingHttpHeaders,
  body: Buffer,
  reason = STATUS_CODES[status] ?? "",
): void {
  if (socket.destroyed || socket.writableEnded) return; // answered already (a refusal raced a timeout)
  const lines = [`HTTP/1.1 ${status} ${reason}`];
  for (const [name, value] of Object.entries({
    ...headers,
    "content-length": String(body.length),
    connection: "close",
  })) {
    for (const v of [value ?? []].flat()) lines.push(`${name}: ${String(v)}`);
  }
  socket.end(Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"), body]), () => socket.destroy());
}

/** Writes a refusal of cliproxy's own as `{"error": message}`. */
export function refuse(socket: Duplex, err: UpgradeRefusal): void {
  writeRaw(
    socket,
    err.status,
    { "content-type": "application/json", ...err.headers },
    Buffer.from(JSON.stringify({ error: err.message })),
  );
}

/** Opens the tunnel, or answers the client why not. Never throws. */
export async function runTunnel(t: TunnelRequest): Promise<void> {
  const { app, socket } = t;
  const aborter = new AbortController();
  const onGone = () => aborter.abort();
  socket.once("close", onGone);
  let upstream: Duplex;
  try {
    upstream = await connectUpstream({
      target: t.target,
      proxyUrl: t.proxyUrl,
      timeoutMs: t.connectTimeoutMs,
      signal: aborter.signal,
    });
  } catch (err) {
    socket.off("close", onGone);
    if (aborter.signal.aborted) return;
    const e = err as ConnectError;
    app.log.error(`amp tunnel: ${e.message} for ${t.logPath}`);
    return refuse(
      socket,
      new UpgradeRefusal(
        e.timeout ? 504 : 502,
        e.timeout ? "Amp upstream did not answer in time" : "Failed to reach Amp upstream",
      ),
    );
  }
  const out = request({
    createConnection: () => upstream,
    method: "GET",
    path: t.path,
    headers: t.headers,
    setHost: false,
  } as unknown as RequestOptions);
  const timer = setTimeout(
    () => out.destroy(new ConnectError(`no handshake answer within ${t.handshakeTimeoutMs} ms`, true)),
    t.handshakeTimeoutMs,
  );
  const stop = () => {
    clearTimeout(timer);
    socket.off("close", onGone);
    aborter.signal.removeEventListener("abort", onAbort);
  };
  const onAbort = () => {
    stop();
    out.destroy();
    upstream.destroy();
  };
  aborter.signal.addEventListener("abort", onAbort, { once: true });
  out.on("error", (err) => {
    stop();
    upstream.destroy();
    if (aborter.signal.aborted) return;
    const timeout = err instanceof ConnectError && err.timeout;
    app.log.error(`amp tunnel: handshake with the Amp upstream failed for ${t.logPath}: ${err.message}`);
    refuse(
      socket,
      new UpgradeRefusal(
        timeout ? 504 : 502,
        timeout ? "Amp upstream did not answer in time" : "Failed to reach Amp upstream",
      ),
    );
  });
  out.once("response", (res) => {
    // The handshake timer keeps running: a refusal whose body never ends is cut off by it.
    relayRefusal(t, res, () => {
      stop();
      upstream.destroy();
    });
  });
  out.once("upgrade", (res, upSocket, upHead) => {
    stop();
    const lines = [`HTTP/1.1 101 ${res.statusMessage || "Switching Protocols"}`];
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
    socket.write(lines.join("\r\n") + "\r\n\r\n", "latin1");
    relay(t, upSocket, upHead);
  });
  out.end();
}

/** The upstream said no: the client gets its status, headers and (capped) body. */
function relayRefusal(t: TunnelRequest, res: IncomingMessage, done: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
    const headers = forwardableHeaders(res.headers, (n) => n === "content-length");
    t.app.log.warn(`amp tunnel: the Amp upstream refused the upgrade for ${t.logPath}: ${res.statusCode}`);
    writeRaw(t.socket, res.statusCode ?? 502, headers, Buffer.concat(chunks, size), res.statusMessage);
  };
  res.on("data", (c: Buffer) => {
    chunks.push(c.subarray(0, MAX_REFUSAL_BODY - size));
    size += Math.min(c.length, MAX_REFUSAL_BODY - size);
    if (size >= MAX_REFUSAL_BODY) finish();
  });
  res.once("end", finish);
  res.once("error", finish);
  res.once("close", finish);
}

/** Pumps bytes both ways until both sides are closed, then logs the close line. */
function relay(t: TunnelRequest, upstream: Duplex, upHead: Buffer): void {
  const { app, socket: client } = t;
  const started = Date.now();
  const id = app.amp.tunnels.opened + 1;
  const untrack = app.amp.tunnels.add(() => {
    closedBy ??= "shutdown";
    client.destroy();
    upstream.destroy();
  });
  app.log.info(`amp tunnel open: ${t.logPath}`, { thread: t.thread || undefined, tunnel: id });
  let closedBy: string | undefined;
  let up = 0;
  let down = 0;
  let closed = 0;
  const pump = (from: Duplex, to: Duplex, side: string, count: (n: number) => void) => {
    from.on("data", (chunk: Buffer) => {
      count(chunk.length);
      if (!to.write(chunk)) from.pause();
    });
    to.on("drain", () => from.resume());
    from.once("end", () => {
      closedBy ??= side;
      to.end();
    });
    from.on("error", (err: NodeJS.ErrnoException) => {
      closedBy ??= `${side} error (${err.code ?? err.message})`;
      client.destroy();
      upstream.destroy();
    });
    from.once("close", () => {
      closedBy ??= side;
      // What `from` sent is still flushing to `to`: end it, destroy it once flushed (or after a grace period).
      if (!to.destroyed) {
        to.end();
        if (to.writableFinished) to.destroy();
        else {
          to.once("finish", () => to.destroy());
          setTimeout(() => to.destroy(), CLOSE_GRACE_MS).unref();
        }
      }
      if (++closed < 2) return;
      untrack();
      const fields = {
        thread: t.thread || undefined,
        tunnel: id,
        ms: Date.now() - started,
        bytes_up: up,
        bytes_down: down,
        closed_by: closedBy,
      };
      app.log.info(`amp tunnel closed: ${t.logPath}`, fields);
      app.amp.tunnels.events.emit("closed", fields);
    });
  };
  // Frames leave as they come: without this a small frame behind an unacknowledged one waits for the peer's
  // delayed ACK (Nagle), and the upstream socket is a plain net.connect with Nagle on.
  for (const s of [client, upstream] as Array<Duplex & Partial<Pick<Socket, "setNoDelay">>>) s.setNoDelay?.(true);
  pump(client, upstream, "client", (n) => (up += n));
  pump(upstream, client, "upstream", (n) => (down += n));
  if (t.idleTimeoutMs > 0) {
    // A socket's timeout counts reads and writes, so the client socket alone sees traffic both ways.
    (client as Socket).setTimeout(t.idleTimeoutMs, () => {
      closedBy ??= "idle";
      client.destroy();
      upstream.destroy();
    });
  }
  if (upHead.length > 0) {
    down += upHead.length;
    client.write(upHead);
  }
  if (t.head.length > 0) {
    up += t.head.length;
    upstream.write(t.head);
  }
  client.resume();
  upstream.resume();
}
