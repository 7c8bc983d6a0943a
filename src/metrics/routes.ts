/**
 * GET /metrics behind the client api-keys, like every other endpoint a remote machine calls: Prometheus
 * sends one as `authorization: Bearer` (scrape_config `authorization.credentials`). Not the management
 * key: remote management is off by default and bcrypt per scrape is wasted work; the page shows no
 * secret (credentials appear as their auth_index). With no api-keys only loopback peers may scrape.
 */
import { requireApiKey } from "../server/auth.js";
import type { Route } from "../server/handler.js";
import { route } from "../server/router.js";
import { metricsOf, type MetricsState } from "./metrics.js";

/** The metrics endpoint. */
export const METRICS_ROUTES: Route[] = [
  route(
    "GET",
    "/metrics",
    "openai",
    requireApiKey(async (_req, ctx) => {
      // With `workers: N` one scrape reaches one worker: the others' counters are asked for and summed.
      const others = ctx.app.siblings ? ((await ctx.app.siblings.ask("metrics")) as MetricsState[]) : undefined;
      ctx.res
        .writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" })
        .end(metricsOf(ctx.app).render(others));
    }),
  ),
];
