/**
 * The fallback wrapper around Amp model routes (amp.md §4): read the body once (gzip decoded, PR-1), sanitise it (drop
 * unsigned thinking blocks, PR-2), find the model (body `model`, else the path: PR-3..PR-5), decide (PR-9), log the
 * decision once (N22), then serve locally with the beta filter and the response rewriter, forward to ampcode.com
 * untouched, or refuse when `model-fallback: deny` (N21). Nothing here writes bytes itself: the provider layer or the
 * Amp proxy does.
 */
import type { IncomingMessage } from "node:http";
import { readBody, parseJsonObject } from "../server/body.js";
import { HttpError } from "../server/errors.js";
import type { Ctx, Handler } from "../server/handler.js";
import type { Endpoint, LocalCall } from "../providers/types.js";
import type { Resolved } from "../providers/resolve.js";
import { filterAnthropicBeta } from "./beta.js";
import { deniedMessage, logDecision, lookupOf, route, type ModelLookup } from "./decide.js";
import { createRewriter, requestToolCasing } from "./rewrite.js";
import { replaceModel, sanitiseRequest } from "./sanitise.js";

/** What the route knows before the body is read: the endpoint and, for Gemini paths, the model. */
export interface RouteTarget {
  readonly endpoint: Endpoint;
  /** The model named in the path (Gemini routes), when any. */
  readonly pathModel?: string;
}

/** Where the wrapper sends a request: the provider layer and the Amp proxy. */
export interface FallbackDeps {
  /** Serves locally with the decision's resolution of `call.model` (null: nothing local serves it), never resolving again. */
  serve(req: IncomingMessage, ctx: Ctx, call: LocalCall, resolved: Resolved | null): Promise<void>;
  forward(req: IncomingMessage, ctx: Ctx, body: Buffer): Promise<void>;
  /** Defaults to the app's provider runtime. */
  lookup?(ctx: Ctx): ModelLookup;
}

/** The local handlers' answer to a request that names no model (pipeline/routes.ts). */
export const NO_MODEL = 'Request body has no "model"; name the model to use';

/** The body's `model` string first, else the model in the path (amp.md PR-3, PR-4/PR-5). */
export function requestedModel(json: Record<string, unknown>, pathModel: string | undefined): string | undefined {
  if (typeof json.model === "string") return json.model;
  return pathModel;
}

/** Wraps a model endpoint: `target` tells the endpoint (and path model) of each request. */
export function withAmpFallback(target: (req: IncomingMessage, ctx: Ctx) => RouteTarget, deps: FallbackDeps): Handler {
  return async (req, ctx) => {
    const { endpoint, pathModel } = target(req, ctx);
    const raw = await readBody(req, ctx.config.bodyLimitBytes, { decode: true });
    const body = sanitiseRequest(raw);
    const json = parseJsonObject(body);
    const alt = ctx.url.searchParams.get("alt") ?? ctx.url.searchParams.get("$alt") ?? undefined;
    // Headers as the local handler sees them: the body is decoded now, so its encoding is gone (amp.md PR-1).
    const { "content-encoding": _enc, "content-length": _len, ...headers } = req.headers;
    const model = requestedModel(json, pathModel);
    if (model === undefined || model.trim() === "") {
      // No model, nothing to route on (amp.md PR-6): answered as the local handler answers a body without a model.
      throw new HttpError(400, "invalid_request_error", NO_MODEL);
    }
    const { decision: d, resolved } = route(model, ctx.config, deps.lookup?.(ctx) ?? lookupOf(ctx.app), ctx.app.log);
    logDecision(ctx.app.log, d, ctx.url.pathname);
    ctx.app.amp.recent.note(d, ctx.url.pathname, ctx.app.clock.now());
    ctx.notes.model = model;
    ctx.notes.route = d.routeType;
    ctx.notes.provider = d.provider;
    switch (d.routeType) {
      case "AMP_CREDITS":
        // Amp credits: forwarded as Amp sent it (sanitised only): no beta filter, no rewriting of the answer (amp.md
        // PR-12).
        return deps.forward(req, ctx, body);
      case "FALLBACK_DENIED":
        throw new HttpError(404, "not_found_error", deniedMessage(d), { code: "model_not_found" });
      case "NO_PROVIDER":
        // No upstream (NO_PROVIDER, amp.md PR-12): the local handler's normal unknown-model error.
        return deps.serve(req, ctx, { endpoint, body, json, model, headers, alt }, null);
    }
    const mapped = d.routeType === "MODEL_MAPPING";
    const call: LocalCall = {
      endpoint,
      body: mapped && "model" in json ? replaceModel(body, d.resolvedModel) : body,
      json: mapped && "model" in json ? { ...json, model: d.resolvedModel } : json,
      model: d.resolvedModel,
      headers: filterAnthropicBeta(headers),
      alt,
      rewrite: createRewriter({
        originalModel: model,
        suppressThinking: d.suppressThinking,
        tools: requestToolCasing(json),
      }),
    };
    return deps.serve(req, ctx, call, resolved ?? null);
  };
}
