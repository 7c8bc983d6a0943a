/**
 * Provider endpoints (providers.md §1.1): OpenAI, Anthropic and Gemini model routes, all behind the
 * client key, each answering errors in its own dialect. The handlers are exported so the Amp module
 * can mount the same ones under /api/provider/{p}/….
 */
import type { IncomingMessage } from "node:http";
import type { Ctx, Handler, Route } from "../server/handler.js";
import { route } from "../server/router.js";
import { requireApiKey } from "../server/auth.js";
import { readJson } from "../server/body.js";
import { HttpError } from "../server/errors.js";
import { serveLocal } from "./serve.js";
import { getGeminiModel, listGeminiModels, listModels } from "../providers/models-list.js";
import type { Endpoint } from "../providers/types.js";

/** A model request handler for a body-model endpoint (OpenAI, Anthropic). */
function bodyModelHandler(endpoint: Endpoint): Handler {
  return async (req, ctx) => {
    const { raw, json } = await readJson(req, ctx);
    const model = typeof json.model === "string" ? json.model.trim() : "";
    if (model === "")
      throw new HttpError(400, "invalid_request_error", 'Request body has no "model"; name the model to use');
    await serveLocal(req, ctx, { endpoint, body: raw, json, model, headers: req.headers });
  };
}

const GEMINI_METHODS: Readonly<Record<string, Endpoint>> = {
  generateContent: "gemini-generate",
  streamGenerateContent: "gemini-stream",
  countTokens: "gemini-count-tokens",
};

/**
 * Splits a Gemini `{model}:{method}` path remainder; undefined unless it ends in a known method. The
 * model may hold a "/" (a prefixed name such as `team/gemini-2.5-pro`).
 */
export function parseGeminiAction(segment: string): { model: string; endpoint: Endpoint } | undefined {
  const s = segment.replace(/^models\//, "");
  const colon = s.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const endpoint = GEMINI_METHODS[s.slice(colon + 1)];
  return endpoint ? { model: s.slice(0, colon), endpoint } : undefined;
}

/** POST /v1beta/models/{model}:{method} (and the /v1/models/… form the @google/genai SDK calls). */
export const geminiAction: Handler = async (req: IncomingMessage, ctx: Ctx) => {
  const parsed = parseGeminiAction(ctx.params.action ?? "");
  if (!parsed) {
    req.resume();
    throw new HttpError(404, "not_found", `${ctx.url.pathname} not found.`);
  }
  const { raw, json } = await readJson(req, ctx);
  const alt = ctx.url.searchParams.get("alt") ?? ctx.url.searchParams.get("$alt") ?? undefined;
  await serveLocal(req, ctx, {
    endpoint: parsed.endpoint,
    body: raw,
    json,
    model: parsed.model,
    headers: req.headers,
    alt,
  });
};

/** The provider handlers, for other modules to mount (Amp's /api/provider/{p}/… aliases). */
export const PROVIDER_HANDLERS = Object.freeze({
  chatCompletions: bodyModelHandler("openai-chat"),
  completions: bodyModelHandler("openai-completions"),
  responses: bodyModelHandler("openai-responses"),
  messages: bodyModelHandler("anthropic-messages"),
  countTokens: bodyModelHandler("anthropic-count-tokens"),
  listModels,
  listGeminiModels,
  getGeminiModel,
  geminiAction,
});

const h = PROVIDER_HANDLERS;

/** Rows for the route table. */
export const PROVIDER_ROUTES: Route[] = [
  route("GET", "/v1/models", "openai", requireApiKey(h.listModels)),
  route("POST", "/v1/chat/completions", "openai", requireApiKey(h.chatCompletions)),
  route("POST", "/v1/completions", "openai", requireApiKey(h.completions)),
  route("POST", "/v1/responses", "openai", requireApiKey(h.responses)),
  route("POST", "/v1/messages", "anthropic", requireApiKey(h.messages)),
  route("POST", "/v1/messages/count_tokens", "anthropic", requireApiKey(h.countTokens)),
  route("GET", "/v1beta/models", "gemini", requireApiKey(h.listGeminiModels)),
  route("GET", "/v1beta/models/*model", "gemini", requireApiKey(h.getGeminiModel)),
  route("POST", "/v1beta/models/*action", "gemini", requireApiKey(h.geminiAction)),
  route("POST", "/v1/models/*action", "gemini", requireApiKey(h.geminiAction)),
  // Without /v1: Amp's custom-url model router may call `<base>/chat/completions` (README "Amp CLI").
  route("GET", "/models", "openai", requireApiKey(h.listModels)),
  route("POST", "/chat/completions", "openai", requireApiKey(h.chatCompletions)),
  route("POST", "/responses", "openai", requireApiKey(h.responses)),
  route("POST", "/messages", "anthropic", requireApiKey(h.messages)),
  route("POST", "/messages/count_tokens", "anthropic", requireApiKey(h.countTokens)),
];
