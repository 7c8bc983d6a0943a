/**
 * The HTTP server: timeouts, connection tracking and graceful shutdown (stop accepting, let
 * in-flight requests and streams finish up to the drain timeout, then close what is left).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { App, Route } from "./handler.js";
import { deferContinue, dispatch } from "./dispatch.js";
import { portInUseMessage } from "./port-in-use.js";

/** A running cliproxy server. */
export interface Running {
  readonly server: Server;
  readonly port: number;
  readonly host: string;
  readonly url: string;
  /** Stops accepting, drains in-flight requests up to `timeoutMs`, then destroys the rest. */
  close(timeoutMs?: number): Promise<void>;
}

/** Header timeout: a client must send its request head within this time. */
export const HEADERS_TIMEOUT_MS = 60_000;
/** A request body must arrive within this time (a trickled body cannot hold a socket forever; responses are not limited). */
export const REQUEST_TIMEOUT_MS = 300_000;
/** Most request headers accepted; one more is a 431 (server/dispatch.ts), never silently dropped. */
export const MAX_HEADERS = 1000;
/** Idle keep-alive connections close after this time. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** The `upgrade` listener (app/upgrade.ts: the Amp WebSocket tunnel); without one Node refuses upgrades. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** PEM certificate and key: with them, listen() serves HTTPS (`tls.enable`). */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Creates the server for `app` serving `routes` (app/routes.ts has the full table) on host:port (port 0 = ephemeral, for tests). */
export async function listen(
  app: App,
  host: string,
  port: number,
  routes: readonly Route[],
  tls?: TlsFiles,
  upgrade?: UpgradeListener,
): Promise<Running> {
  const options = {
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  };
  const listener = dispatch(routes, app);
  const server: Server = tls
    ? (createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, listener) as unknown as Server)
    : createServer(options, listener);
  // Node drops headers past maxHeadersCount without a word: keep one more than we accept so dispatch can see the excess and answer 431.
  server.maxHeadersCount = MAX_HEADERS + 1;
  // `Expect: 100-continue`: no 100 before the handler has judged the request (auth, size); it goes out when the body is first read.
  server.on("checkContinue", (req, res) => {
    deferContinue(req, res);
    listener(req, res);
  });
  const sockets = new Set<Socket>();
  let closing = false;
  // Once draining, a keep-alive connection whose response just finished is idle: close it now.
  server.on("request", (_req, res) => {
    res.once("finish", () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  if (upgrade) server.on("upgrade", upgrade);
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  server.on("clientError", (err, socket) => {
    if (socket.writable)
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n{"error":"Bad request"}',
      );
    else socket.destroy();
    app.log.debug("client error", { error: (err as Error).message });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE") return reject(err);
      void portInUseMessage(host, port).then((message) =>
        reject(Object.assign(new Error(message, { cause: err }), { code: err.code })),
      );
    });
    server.listen(port, host, () => {
      server.removeAllListeners("error");
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    port: address.port,
    host: address.address,
    url: `${tls ? "https" : "http"}://${shownHost}:${address.port}`,
    close(timeoutMs = app.config().shutdownTimeoutMs) {
      closing = true;
      app.amp.tunnels.closeAll();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, timeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
