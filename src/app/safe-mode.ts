/** The route table of example-key safe mode (config/safe-mode.ts says why): the page, and /healthz. */
import type { Handler, Route } from "../server/handler.js";
import { route } from "../server/router.js";
import { safeModePage } from "../config/safe-mode.js";

function pageHandler(keys: readonly string[], configPath: string): Handler {
  const body = safeModePage(keys, configPath);
  return async (req, ctx) => {
    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") {
      ctx.res
        .writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" })
        .end("Method not allowed\n");
      return;
    }
    ctx.res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-length": Buffer.byteLength(body),
    });
    ctx.res.end(method === "HEAD" ? undefined : body);
  };
}

/** The whole route table while in safe mode: the page at / and /management.html, and /healthz. */
export function safeModeRoutes(keys: readonly string[], configPath: string): Route[] {
  const page = pageHandler(keys, configPath);
  return [
    route("*", "/", "plain", page),
    route("*", "/management.html", "plain", page),
    route("GET", "/healthz", "plain", async (_req, ctx) => {
      ctx.res.writeHead(200, { "content-type": "application/json" }).end('{"status":"safe-mode"}');
    }),
  ];
}
