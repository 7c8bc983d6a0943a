/**
 * The WebSocket opening handshake as cliproxy checks and re-sends it (RFC 6455 §4.1, §4.2.1): the
 * client's request is validated, its credential (the Rivet `wsToken`) read, the Rivet routing
 * parameters added when the CLI left them out, and its headers copied upstream minus hop-by-hop ones
 * and client credentials. Sec-WebSocket-Key, -Protocol and -Extensions go through byte for byte, so
 * the upstream's Sec-WebSocket-Accept matches and permessage-deflate is negotiated end to end.
 */
import type { IncomingMessage } from "node:http";
import type { AmpConfig } from "../config/schema.js";
import { connectionTokens, HOP_BY_HOP_HEADERS } from "../proxy/hop-by-hop.js";
import { SCRUBBED_HEADERS } from "./scrub.js";

/** The subprotocol that carries Rivet's connection parameters (`rivet_conn_params.<urlencoded JSON>`). */
const CONN_PARAMS_PROTOCOL = "rivet_conn_params.";
/** The header that carries them on HTTP calls through the actor gateway. */
export const CONN_PARAMS_HEADER = "x-rivet-conn-params";

/** Request headers that describe the client's connection, never copied upstream (the upgrade pair is re-added). */
const NOT_COPIED: ReadonlySet<string> = new Set([...HOP_BY_HOP_HEADERS, "host", "content-length"]);

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : (v ?? "");
}

/** Why `req` is not a valid WebSocket opening handshake (RFC 6455 §4.2.1), or undefined when it is. */
export function handshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== "GET") return `a WebSocket handshake must be a GET request, not ${req.method}`;
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1)
    return `a WebSocket handshake needs HTTP/1.1, not HTTP/${req.httpVersion}`;
  if (header(req, "host") === "") return "a WebSocket handshake needs a Host header";
  if (
    !header(req, "upgrade")
      .split(",")
      .some((t) => t.trim().toLowerCase() === "websocket")
  )
    return 'only "Upgrade: websocket" is supported';
  if (!connectionTokens(req.headers.connection).has("upgrade"))
    return 'a WebSocket handshake needs "Connection: Upgrade"';
  if (header(req, "sec-websocket-version").trim() !== "13") return "Sec-WebSocket-Version must be 13";
  const key = header(req, "sec-websocket-key").trim();
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key) || Buffer.from(key, "base64").length !== 16)
    return "Sec-WebSocket-Key must be 16 bytes in base64";
  return undefined;
}

/** The `wsToken` in Rivet connection parameters (JSON text), or undefined. */
export function tokenOfParams(json: string): string | undefined {
  try {
    const params = JSON.parse(json) as { wsToken?: unknown };
    return typeof params?.wsToken === "string" && params.wsToken !== "" ? params.wsToken : undefined;
  } catch {
    return undefined;
  }
}

/** The `wsToken` an upgrade presents in its subprotocol list, or undefined. */
export function upgradeToken(req: IncomingMessage): string | undefined {
  for (const item of header(req, "sec-websocket-protocol").split(",")) {
    const p = item.trim();
    if (!p.startsWith(CONN_PARAMS_PROTOCOL)) continue;
    try {
      return tokenOfParams(decodeURIComponent(p.slice(CONN_PARAMS_PROTOCOL.length)));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The `wsToken` an HTTP call through the actor gateway presents in x-rivet-conn-params, or undefined. */
export function gatewayToken(req: IncomingMessage): string | undefined {
  const raw = header(req, CONN_PARAMS_HEADER);
  return raw === "" ? undefined : tokenOfParams(raw);
}

/** True for paths of Rivet's actor gateway. */
export function isActorPath(path: string): boolean {
  return path === "/actors" || path.startsWith("/actors/");
}

/**
 * Adds `rvt-namespace` and `rvt-token` to a raw request URL when it lacks them (the CLI omits both for a
 * loopback AMP_URL, and ampcode's gateway refuses a socket without the token). The rest stays as written.
 */
export function withRivetParams(rawUrl: string, amp: Pick<AmpConfig, "rivetNamespace" | "rivetToken">): string {
  const q = rawUrl.indexOf("?");
  const query = q < 0 ? "" : rawUrl.slice(q + 1);
  const names = new Set(
    query
      .split("&")
      .filter(Boolean)
      .map((p) => p.split("=")[0]),
  );
  const added: string[] = [];
  if (amp.rivetNamespace !== "" && !names.has("rvt-namespace")) added.push(`rvt-namespace=${amp.rivetNamespace}`);
  if (amp.rivetToken !== "" && !names.has("rvt-token")) added.push(`rvt-token=${amp.rivetToken}`);
  if (added.length === 0) return rawUrl;
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  return `${path}?${[query, ...added].filter(Boolean).join("&")}`;
}

/** The thread an actor URL names (`rvt-key`), for the log; "" when none. */
export function threadOf(url: URL): string {
  return (url.searchParams.get("rvt-key") ?? "").slice(0, 64);
}

/**
 * The header lines for the upstream handshake, from the client's raw headers in their order:
 * hop-by-hop headers, Host and client credentials dropped; Host, the upgrade pair and (when given) the
 * upstream key added.
 */
export function upstreamHandshakeHeaders(req: IncomingMessage, host: string, key: string | undefined): string[] {
  const named = connectionTokens(req.headers.connection);
  const out: string[] = ["Host", host];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (NOT_COPIED.has(name) || SCRUBBED_HEADERS.has(name) || named.has(name)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  out.push("Connection", "Upgrade", "Upgrade", "websocket");
  if (key !== undefined) out.push("Authorization", `Bearer ${key}`, "X-Api-Key", key);
  return out;
}
