/**
 * The upstream side of a tunnel: a raw connection to the Amp upstream, direct or through `proxy-url`
 * (a CONNECT tunnel), with TLS for https upstreams (SNI from the host name, the certificate checked
 * against the system's CAs and NODE_EXTRA_CA_CERTS), all within the connect timeout.
 */
import assert from "node:assert/strict";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Duplex } from "node:stream";
import { openTunnel } from "../proxy/connect.js";
import { effectiveProxy } from "../proxy/forward.js";

/** Where to connect and how long it may take. */
export interface ConnectOptions {
  readonly target: URL;
  /** `proxy-url` as configured ("" / direct / none = no proxy). */
  readonly proxyUrl: string;
  readonly timeoutMs: number;
  /** Aborts the attempt (the client went away). */
  readonly signal: AbortSignal;
}

/** A connect step that failed or ran out of time; `timeout` picks 504 over 502. */
export class ConnectError extends Error {
  constructor(
    message: string,
    readonly timeout: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ConnectError";
  }
}

/** Opens a connection ready for the handshake; rejects with a ConnectError. */
export function connectUpstream(options: ConnectOptions): Promise<Duplex> {
  const { target, timeoutMs, signal } = options;
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const https = target.protocol === "https:";
  const port = Number(target.port) || (https ? 443 : 80);
  const proxy = effectiveProxy("", options.proxyUrl);
  return new Promise<Duplex>((resolve, reject) => {
    let socket: Duplex | undefined;
    let done = false;
    const finish = (err: Error | undefined, s?: Duplex) => {
      if (done) return void (err ? s?.destroy() : undefined);
      done = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (err) {
        (s ?? socket)?.destroy();
        return reject(err);
      }
      // The connect-time error listeners stay: a later error destroys the socket, which the relay sees as a close.
      assert.ok(s, "a connection that succeeded hands over its socket");
      resolve(s);
    };
    const timer = setTimeout(
      () => finish(new ConnectError(`no connection to ${target.host} within ${timeoutMs} ms`, true)),
      timeoutMs,
    );
    const onAbort = () => finish(new ConnectError("client went away", false));
    signal.addEventListener("abort", onAbort, { once: true });
    const secure = (raw: Socket | undefined) => {
      // SNI is a host name only (RFC 6066 §3); certificate checks stay on (rejectUnauthorized defaults true).
      const tls = tlsConnect({
        socket: raw,
        host,
        port,
        servername: isIP(host) ? undefined : host,
        ALPNProtocols: ["http/1.1"],
      });
      socket = tls;
      tls.once("secureConnect", () => finish(undefined, tls));
      tls.once("error", (err) =>
        finish(new ConnectError(`TLS to ${target.host} failed: ${err.message}`, false, { cause: err }), tls),
      );
    };
    if (proxy !== "") {
      openTunnel(new URL(proxy), host, port, timeoutMs).then(
        (raw) => {
          if (done) return void raw.destroy();
          if (https) return secure(raw);
          finish(undefined, raw);
        },
        (err: Error) =>
          finish(new ConnectError(`proxy: ${err.message}`, err.name === "ProxyTimeoutError", { cause: err })),
      );
      return;
    }
    if (https) return secure(undefined);
    const raw = netConnect({ host, port });
    socket = raw;
    raw.once("connect", () => finish(undefined, raw));
    raw.once("error", (err) =>
      finish(
        new ConnectError(
          `cannot connect to ${target.host}: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
          false,
          { cause: err },
        ),
        raw,
      ),
    );
  });
}
