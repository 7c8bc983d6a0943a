/** Every endpoint, one table: the core routes here, each module's rows imported from its routes file. */
import type { Route } from "../server/handler.js";
import { route } from "../server/router.js";
import { PROVIDER_ROUTES } from "../pipeline/routes.js";
import { AMP_ROUTES } from "../amp/routes.js";
import { AMP_PROVIDER_ROUTES } from "../amp/provider-routes.js";
import { managementRoutes } from "../management/routes.js";
import { PROVIDER_KINDS } from "../providers/kinds.js";
import type { KindTable } from "../config/kinds.js";
import { requireManagement } from "../management/auth.js";
import { OAUTH_CALLBACK_ROUTES, OAUTH_MANAGEMENT_ROUTES } from "../oauth/management.js";
import { METRICS_ROUTES } from "../metrics/routes.js";

/** Core rows: health and the index. */
export const CORE_ROUTES: Route[] = [
  route("GET", "/healthz", "plain", async (_req, ctx) => {
    ctx.res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
  }),
  route("GET", "/", "plain", async (_req, ctx) => {
    const endpoints = listEndpoints();
    const body = JSON.stringify({
      name: "cliproxy",
      version: ctx.app.version,
      message: "CLI Proxy API Server",
      endpoints,
    });
    ctx.res.writeHead(200, { "content-type": "application/json" }).end(body);
  }),
];

/** Subscription logins: the management starters behind the management key, the web-UI callbacks key-less (they only feed a pending login by its state). */
const OAUTH_ROUTES: Route[] = [
  ...OAUTH_MANAGEMENT_ROUTES.map((r) => ({ ...r, handler: requireManagement(r.handler) })),
  ...OAUTH_CALLBACK_ROUTES,
];

/** The whole table, for the App's provider kinds (default the built-in ones). */
export function allRoutes(kinds: KindTable = PROVIDER_KINDS): Route[] {
  return [
    ...CORE_ROUTES,
    ...METRICS_ROUTES,
    ...PROVIDER_ROUTES,
    ...AMP_PROVIDER_ROUTES,
    ...AMP_ROUTES,
    ...managementRoutes(kinds),
    ...OAUTH_ROUTES,
  ];
}

function listEndpoints(): string[] {
  return allRoutes()
    .filter(
      (r) =>
        r.method !== "*" &&
        !r.path.startsWith("/api/") &&
        !r.path.startsWith("/v0/") &&
        !OAUTH_CALLBACK_ROUTES.includes(r),
    )
    .map((r) => `${r.method} ${r.path}`);
}
