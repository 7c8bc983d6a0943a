/**
 * An agent that reaches upstreams through an HTTP(S) proxy with CONNECT tunnels (RFC 9110 §9.3.6),
 * for `proxy-url` (config.md §2.3). Both http and https targets are tunnelled, so the proxy never
 * sees request headers or keys; https targets get TLS inside the tunnel. socks5 URLs are rejected
 * at config load (config engineer), so only http: and https: proxies arrive here.
 */
import { Agent as HttpAgent, request as httpRequest, type AgentOptions, type ClientRequestArgs } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import type { Socket } from "node:net";

/** Options of a proxy agent. */
export interface ProxyAgentOptions extends AgentOptions {
  /** No tunnel within this time → the request fails with a ProxyTimeoutError. */
  readonly connectTimeoutMs: number;
}

type Oncreate = (err: Error | null, socket: Duplex) => void;

/** Opens a CONNECT tunnel to `host:port` through `proxy`; resolves with the raw tunnel socket. */
export function openTunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const authority = `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username !== "") {
    const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers["proxy-authorization"] = `Basic ${Buffer.from(cred).toString("base64")}`;
  }
  const send = proxy.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send({
      host: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: Number(proxy.port) || (proxy.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: authority,
      headers,
      agent: false,
      servername: proxy.hostname,
    });
    const timer = setTimeout(() => {
      const err = new Error(`Proxy "${proxy.host}" did not open a tunnel to "${authority}" within ${timeoutMs} ms`);
      err.name = "ProxyTimeoutError";
      req.destroy(err);
    }, timeoutMs);
    req.once("connect", (res, socket, head) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        socket.destroy();
        return reject(new Error(`Proxy "${proxy.host}" refused a tunnel to "${authority}": ${res.statusCode}`));
      }
      // Bytes the proxy sent after its answer belong to the tunnelled stream.
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/** Creates a keep-alive agent whose sockets are CONNECT tunnels through `proxy`. */
export function createProxyAgent(proxy: URL, targetIsHttps: boolean, options: ProxyAgentOptions): HttpAgent {
  if (proxy.protocol !== "http:" && proxy.protocol !== "https:") {
    throw new Error(
      `Cannot use proxy-url "${proxy.protocol}//${proxy.host}": only http and https proxies are supported`,
    );
  }
  const timeoutMs = options.connectTimeoutMs;
  const create = (args: ClientRequestArgs, oncreate: Oncreate): undefined => {
    const host = String(args.hostname ?? args.host ?? "localhost").replace(/^\[|\]$/g, "");
    const port = Number(args.port) || (targetIsHttps ? 443 : 80);
    openTunnel(proxy, host, port, timeoutMs).then(
      (socket) => {
        if (!targetIsHttps) return oncreate(null, socket);
        const servername = (args as { servername?: string }).servername ?? host;
        const tls = tlsConnect({ socket, servername, ALPNProtocols: ["http/1.1"] });
        tls.once("secureConnect", () => oncreate(null, tls));
        tls.once("error", (err) => oncreate(err, tls));
      },
      (err: Error) => oncreate(err, undefined as unknown as Duplex),
    );
    return undefined;
  };
  const agent = targetIsHttps ? new HttpsAgent(options) : new HttpAgent(options);
  (agent as unknown as { createConnection: typeof create }).createConnection = create;
  return agent;
}
