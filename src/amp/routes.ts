/**
 * Amp management proxy routes (amp.md §2.2): the known Amp paths, the browser pages, and a catch-all for every other
 * /api/… path (N17: a fixed list broke with each new Amp RPC), all reverse-proxied to the Amp upstream behind
 * guardManagement. Model routes (/api/provider/{p}/…) live in provider-routes.ts and, being more specific, win over the
 * catch-all.
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "../server/errors.js";
import type { Ctx, Handler, Route } from "../server/handler.js";
import { route } from "../server/router.js";
import { guardManagement } from "./guards.js";
import { forward } from "./upstream.js";
import { ACTOR_ROUTES } from "./actor-routes.js";

/** amp.md §2.2 /api paths with sub-paths (`*rest` also matches the bare prefix). */
const API_TREES = ["internal", "user", "auth", "meta", "telemetry", "threads", "otel", "tab"];
/** amp.md §2.2 /api paths that have no sub-paths (RT-3). */
const API_LEAVES = ["ads"];
/** Root-level pages, GET and HEAD only (amp.md RT-3): trees, then single pages. */
const PAGE_TREES = ["threads", "docs", "settings"];
const PAGE_LEAVES = ["threads.rss", "news.rss"];

const forwardManagement: Handler = async (req, ctx) => {
  await forward(req, ctx, { management: true });
};

/**
 * The amp.md §2.2 management proxy behind the ordered checks of RT-5; provider-routes.ts uses it for the non-model
 * requests under /api/provider/google/v1beta1 (RT-7).
 */
export const proxyManagement: Handler = guardManagement(forwardManagement);

/**
 * The prefix named in the first-use log of an unlisted Amp path (amp.md N17): two segments, four under /api/provider.
 */
export function pathPrefix(path: string): string {
  const parts = path.split("/").slice(1);
  return "/" + parts.slice(0, parts[1] === "provider" ? 4 : 2).join("/");
}

const proxyUnknownApi: Handler = guardManagement(async (req, ctx) => {
  const prefix = pathPrefix(ctx.url.pathname);
  if (ctx.app.amp.firstTime(`api-prefix:${prefix}`)) {
    ctx.app.log.info(
      `amp upstream: first request under ${prefix} (${req.method} ${ctx.url.pathname}); proxying it to the Amp upstream`,
    );
  }
  await forwardManagement(req, ctx);
});

/**
 * True for /api/provider/{p}/… paths other than Amp's Vertex-style branch, whose non-model calls are proxied (amp.md
 * RT-7).
 */
function isProviderAlias(path: string): boolean {
  return path.startsWith("/api/provider/") && !path.startsWith("/api/provider/google/v1beta1/");
}

/**
 * Provider aliases keep the server's normal CORS (only management routes refuse OPTIONS, amp.md N4): a permissive
 * preflight, as CLIProxyAPI's global layer.
 */
function preflight(req: IncomingMessage, ctx: Ctx): void {
  const asked = req.headers["access-control-request-headers"];
  ctx.res
    .writeHead(204, {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
      "access-control-allow-headers": typeof asked === "string" && asked ? asked : "*",
    })
    .end();
}

const apiCatchAll: Handler = async (req, ctx) => {
  if (req.method === "OPTIONS" && isProviderAlias(ctx.url.pathname)) return preflight(req, ctx);
  return proxyUnknownApi(req, ctx);
};

/** Root pages are GET (and HEAD) only (amp.md RT-3); OPTIONS meets the guard's 403; other methods get a 404. */
const pageOnly: Handler = async (req, ctx) => {
  if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "OPTIONS") {
    throw new HttpError(404, "not_found", `No route for ${req.method} ${ctx.url.pathname}`);
  }
  return proxyManagement(req, ctx);
};

/** Rows for the route table. */
export const AMP_ROUTES: Route[] = [
  route("*", "/api/*rest", "plain", apiCatchAll),
  ...API_TREES.map((p) => route("*", `/api/${p}/*rest`, "plain", proxyManagement)),
  ...API_LEAVES.map((p) => route("*", `/api/${p}`, "plain", proxyManagement)),
  ...PAGE_TREES.map((p) => route("*", `/${p}/*rest`, "plain", pageOnly)),
  ...PAGE_LEAVES.map((p) => route("*", `/${p}`, "plain", pageOnly)),
  route("*", "/auth/*rest", "plain", proxyManagement),
  ...ACTOR_ROUTES,
];
