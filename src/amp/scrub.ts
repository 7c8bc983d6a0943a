/**
 * What leaves cliproxy for the Amp upstream (amp.md PX-1, PX-3..PX-5b, N6: no X-Forwarded-For, query order kept): the
 * target URL with client credentials removed from the query (order and encoding of the rest kept), and the request
 * headers without client credentials, tracing, fingerprints or hop-by-hop headers, plus the upstream key.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { connectionTokens, HOP_BY_HOP_HEADERS } from "../proxy/hop-by-hop.js";

/**
 * Request headers never forwarded to the Amp upstream: credentials, proxy tracing, client fingerprints (amp.md PX-4),
 * lower-case.
 */
export const SCRUBBED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "x-management-key",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-real-ip",
  "forwarded",
  "via",
  "x-title",
  "x-stainless-lang",
  "x-stainless-package-version",
  "x-stainless-os",
  "x-stainless-arch",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "http-referer",
  "referer",
  "sec-ch-ua",
  "sec-ch-ua-mobile",
  "sec-ch-ua-platform",
  "sec-fetch-mode",
  "sec-fetch-site",
  "sec-fetch-dest",
  "priority",
  "accept-encoding",
]);

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** Query parameters cliproxy reads a client key from (server/auth.ts); none of them is for the upstream. */
const CREDENTIAL_PARAMS = new Set(["key", "auth_token"]);

/**
 * Removes every `key` and `auth_token` parameter from a raw query string (no `?`), keeping every other parameter
 * exactly as written and in order (amp.md N6: the Go proxy re-sorted the query). Every value is dropped, not only the
 * one that authenticated: a second client key (or a management key) in the query is a credential for cliproxy, never
 * for the upstream.
 */
export function stripCredentials(query: string): string {
  if (query === "") return query;
  return query
    .split("&")
    .filter((part) => {
      const eq = part.indexOf("=");
      return !CREDENTIAL_PARAMS.has(decodeQueryPart(eq < 0 ? part : part.slice(0, eq)).toLowerCase());
    })
    .join("&");
}

/**
 * The path and query to request from the upstream (amp.md PX-1): its own path joined to the request path with one `/`,
 * its own query first. Kept as raw text, never re-encoded or normalised.
 */
export function targetPath(upstream: URL, rawRequestUrl: string): string {
  const q = rawRequestUrl.indexOf("?");
  const path = q < 0 ? rawRequestUrl : rawRequestUrl.slice(0, q);
  const query = stripCredentials(q < 0 ? "" : rawRequestUrl.slice(q + 1));
  const joined = `${upstream.pathname.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
  const search = [upstream.search.replace(/^\?/, ""), query].filter((s) => s !== "").join("&");
  return search ? `${joined}?${search}` : joined;
}

/** Options for outgoingHeaders. */
export interface OutgoingOptions {
  /** `host[:port]` of the upstream, sent as Host (amp.md PX-3). */
  readonly host: string;
  /** The upstream key; "" injects nothing. */
  readonly key: string;
  /**
   * Byte length of a body cliproxy already read (and maybe changed): sets Content-Length, so a sanitised body is not
   * sent with its old length (amp.md N5).
   */
  readonly bodyLength?: number;
}

/**
 * The request headers to send upstream: scrubbed (amp.md PX-4), the upstream key injected (PX-5), the rest as sent
 * (PX-5a), gzip accepted (PX-5b).
 */
export function outgoingHeaders(incoming: IncomingHttpHeaders, options: OutgoingOptions): OutgoingHttpHeaders {
  const named = connectionTokens(incoming.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || SCRUBBED_HEADERS.has(name) || named.has(name) || name === "host") continue;
    // PX-4: hop-by-hop headers stay behind; `te: trailers` is the one TE value kept.
    if (HOP_BY_HOP_HEADERS.has(name)) {
      if (name === "te" && String(value).trim().toLowerCase() === "trailers") out.te = "trailers";
      continue;
    }
    out[name] = value;
  }
  if (options.bodyLength !== undefined) {
    // An already-read body is sent identity-encoded with its real length (readBody decoded it).
    delete out["content-encoding"];
    out["content-length"] = String(options.bodyLength);
  }
  out.host = options.host;
  out["accept-encoding"] = "gzip";
  if (options.key !== "") {
    out.authorization = `Bearer ${options.key}`;
    out["x-api-key"] = options.key;
  }
  return out;
}
