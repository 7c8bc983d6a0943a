/**
 * The checks in front of every Amp management route, in this order (amp.md RT-5): upstream available, else 503 (RT-9) →
 * OPTIONS refused with no CORS headers (RT-10, N4) → localhost guard on the socket peer (RT-8) → proxy API key, with
 * the narrow key-less bypass for browser pages the user opens on this machine (RT-6, N2).
 */
import { isLoopbackAddress } from "../server/loopback.js";
import type { IncomingMessage } from "node:http";
import { checkApiKey, refuseKey } from "../server/auth.js";
import { HttpError } from "../server/errors.js";
import type { Ctx, Wrap } from "../server/handler.js";
import { UNAVAILABLE_BODY } from "./upstream.js";

/** The localhost guard's 403 message (amp.md RT-8). */
export const LOCALHOST_ONLY = "Access denied: management routes restricted to localhost";

/** Root-level pages a browser opens, so they cannot carry an API key (amp.md RT-6), exact or followed by `/`. */
const BROWSER_PAGES = ["/threads", "/auth", "/docs", "/settings"];

export { isLoopbackAddress };

/** True for the browser pages (amp.md RT-6): `/threads`, `/auth`, `/docs`, `/settings`, or one of them plus `/…`. */
export function isBrowserPage(path: string): boolean {
  return BROWSER_PAGES.some((p) => path === p || path.startsWith(`${p}/`));
}

/** True when `host` (a Host header value) names this machine: localhost or a loopback address, any port. */
function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const name = new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, "");
    return name === "localhost" || isLoopbackAddress(name);
  } catch {
    return false;
  }
}

/** True when an Origin or Referer header is absent or names the origin the request was sent to. */
function sameOrigin(value: string | undefined, host: string): boolean {
  if (value === undefined) return true;
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && u.host === host;
  } catch {
    return false; // "null" (sandboxed pages, file://) and garbage are someone else
  }
}

/**
 * A key-less request to a browser page is let through only for the user at this machine (amp.md N2: CLIProxyAPI let
 * anyone through and forwarded them with the operator's key): GET/HEAD, loopback peer, a Host naming loopback (a
 * DNS-rebound name is another site), and not sent by another site's page: Sec-Fetch-Site none/same-origin or absent,
 * and then an Origin or Referer, when present, of this very origin (older browsers and non-browser tools send no
 * Sec-Fetch-Site).
 */
export function browserBypass(req: IncomingMessage, ctx: Pick<Ctx, "url" | "peer">): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (!isBrowserPage(ctx.url.pathname) || !isLoopbackAddress(ctx.peer)) return false;
  const host = req.headers.host;
  if (!isLoopbackHost(host)) return false;
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "none" && site !== "same-origin") return false;
  return sameOrigin(req.headers.origin, host as string) && sameOrigin(req.headers.referer, host as string);
}

/** Removes CORS headers something earlier set on the response (management answers carry none, amp.md N4). */
function dropCorsHeaders(ctx: Ctx): void {
  for (const name of ctx.res.getHeaderNames()) if (name.startsWith("access-control-")) ctx.res.removeHeader(name);
}

/**
 * The ordered management checks (amp.md RT-5 steps 1–4) around a handler: 503 without an upstream, 403 with an empty
 * body for OPTIONS, 403 for a remote peer when restricted, 401 without a valid key (unless browserBypass).
 */
export const guardManagement: Wrap = (next) => async (req, ctx) => {
  if (!ctx.app.amp.upstream(ctx.config)) {
    // Written here rather than thrown: Amp being off is a setting, not a failure worth a log line.
    ctx.notes.skipAccessLog = true;
    const body = JSON.stringify(UNAVAILABLE_BODY);
    ctx.res.writeHead(503, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    return;
  }
  dropCorsHeaders(ctx);
  if (req.method === "OPTIONS") {
    ctx.res.writeHead(403, { "content-length": "0" }).end();
    return;
  }
  if (ctx.config.ampcode.restrictManagementToLocalhost && !isLoopbackAddress(ctx.peer)) {
    throw new HttpError(403, "permission_error", LOCALHOST_ONLY);
  }
  const check = checkApiKey(req, ctx);
  if (check.ok) return next(req, check.key === undefined ? ctx : { ...ctx, clientKey: check.key });
  if (browserBypass(req, ctx)) return next(req, ctx);
  refuseKey(ctx, check.message);
};
