/**
 * Amp provider aliases /api/provider/{p}/… (amp.md §2.1, RT-1, RT-2, RT-7/N3): model traffic served
 * by local credentials, or by ampcode.com through the fallback wrapper. `{p}` only picks the model-list
 * format; every other route follows the dialect of its path.
 */
import type { IncomingMessage } from "node:http";
import { requireApiKey } from "../server/auth.js";
import { HttpError } from "../server/errors.js";
import type { Ctx, Dialect, Handler, Route } from "../server/handler.js";
import { route } from "../server/router.js";
import type { Endpoint } from "../providers/types.js";
import { serveLocal } from "../pipeline/serve.js";
import { PROVIDER_HANDLERS } from "../pipeline/routes.js";
import { anthropicList, geminiModel, openaiList } from "../providers/models-list.js";
import { forwardToAmp } from "./upstream.js";
import { proxyManagement } from "./routes.js";
import { withAmpFallback, type FallbackDeps, type RouteTarget } from "./fallback.js";
import { geminiEndpoint, isBridgeRequest, requireBridgeAction, splitAction } from "./bridge.js";

const P = "/api/provider/:p";

const DEPS: FallbackDeps = { serve: serveLocal, forward: forwardToAmp };

const fixed = (endpoint: Endpoint) => () => ({ endpoint });

/** A Gemini `{model}:{method}` action as a route target; unknown methods answer 400. */
function geminiTarget(action: string): RouteTarget {
  const { model, method } = splitAction(action);
  const endpoint = geminiEndpoint(method);
  if (endpoint === undefined)
    throw new HttpError(
      400,
      "invalid_request_error",
      `Gemini method "${method}" is not supported; use generateContent, streamGenerateContent or countTokens`,
    );
  return { endpoint, pathModel: model };
}

const model = (endpoint: Endpoint): Handler => requireApiKey(withAmpFallback(fixed(endpoint), DEPS));

/**
 * v1beta1 model calls: the Gemini bridge under provider-alias rules: API key only, no 503, no localhost guard (amp.md
 * RT-7, N3).
 */
const bridge: Handler = requireApiKey(
  withAmpFallback((_req, ctx) => geminiTarget(requireBridgeAction(ctx.params.rest)), DEPS),
);

/** Management-proxy errors keep their `{"error": …}` shape although the route's dialect is Gemini. */
async function proxied(req: IncomingMessage, ctx: Ctx): Promise<void> {
  try {
    await proxyManagement(req, ctx);
  } catch (err) {
    if (err instanceof HttpError && err.body === undefined)
      throw new HttpError(err.status, err.type, err.message, { headers: err.headers, body: { error: err.message } });
    throw err;
  }
}

/**
 * A POST naming `/models/{model}:{method}` is a model call (amp.md RT-7); anything else under v1beta1 goes to
 * ampcode.com.
 */
const v1beta1: Handler = (req, ctx) =>
  isBridgeRequest(req.method, ctx.params.rest) ? bridge(req, ctx) : proxied(req, ctx);

/** `{p}` only picks the model-list format (amp.md RT-1): anthropic → Claude, google → Gemini, else OpenAI. */
const listFor: Handler = async (_req, ctx) => {
  const p = ctx.params.p.toLowerCase();
  const models = ctx.app.providers.models();
  const body =
    p === "anthropic"
      ? anthropicList(models)
      : p === "google"
        ? { models: models.map(geminiModel) }
        : openaiList(models);
  const text = JSON.stringify(body);
  ctx.res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
};

const rows = (method: "GET" | "POST", paths: string[], dialect: Dialect, h: Handler) =>
  paths.map((p) => route(method, `${P}${p}`, dialect, h));

/** Rows for the route table. */
export const AMP_PROVIDER_ROUTES: Route[] = [
  ...rows("GET", ["/models", "/v1/models"], "openai", requireApiKey(listFor)),
  ...rows("POST", ["/chat/completions", "/v1/chat/completions"], "openai", model("openai-chat")),
  ...rows("POST", ["/completions", "/v1/completions"], "openai", model("openai-completions")),
  ...rows("POST", ["/responses", "/v1/responses"], "openai", model("openai-responses")),
  ...rows("POST", ["/v1/messages"], "anthropic", model("anthropic-messages")),
  ...rows("POST", ["/v1/messages/count_tokens"], "anthropic", model("anthropic-count-tokens")),
  ...rows("GET", ["/v1beta/models"], "gemini", requireApiKey(PROVIDER_HANDLERS.listGeminiModels)),
  ...rows(
    "POST",
    ["/v1beta/models/*action"],
    "gemini",
    requireApiKey(withAmpFallback((_req, ctx) => geminiTarget(ctx.params.action), DEPS)),
  ),
  ...rows("GET", ["/v1beta/models/*model"], "gemini", requireApiKey(PROVIDER_HANDLERS.getGeminiModel)),
  route("*", "/api/provider/google/v1beta1/*rest", "gemini", v1beta1),
];
