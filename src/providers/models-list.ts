/**
 * Model listings (providers.md §3.4): every served id, sorted, in the shape of the client's API.
 * OpenAI's shape by default; Anthropic's for Claude Code (`User-Agent: claude-cli…`) or any request
 * carrying `anthropic-version`; Gemini's on /v1beta.
 */
import type { IncomingMessage } from "node:http";
import type { Ctx, Handler } from "../server/handler.js";
import { HttpError } from "../server/errors.js";
import { catalogModel } from "./catalog.js";
import type { ModelInfo } from "./types.js";

function sendJson(ctx: Ctx, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  ctx.res
    .writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) })
    .end(text);
}

/** Whether a /v1/models request wants Anthropic's list shape. */
export function wantsAnthropicList(req: IncomingMessage): boolean {
  const ua = req.headers["user-agent"];
  return (typeof ua === "string" && ua.startsWith("claude-cli")) || req.headers["anthropic-version"] !== undefined;
}

/**
 * OpenAI list: id, object, created, owned_by per model, plus `source` (catalogue or config: where cliproxy
 * got the model from; OpenAI's clients ignore unknown fields, as they do for other gateways' extras).
 */
export function openaiList(models: readonly ModelInfo[]): Record<string, unknown> {
  return {
    object: "list",
    data: models.map((m) => ({ id: m.id, object: "model", created: m.created, owned_by: m.ownedBy, source: m.source })),
  };
}

/** Anthropic list with its paging fields (one page: cliproxy lists everything). */
export function anthropicList(models: readonly ModelInfo[]): Record<string, unknown> {
  const data = models.map((m) => ({
    id: m.id,
    object: "model",
    owned_by: m.ownedBy,
    created_at: new Date(m.created * 1000).toISOString(),
    type: "model",
    display_name: m.displayName ?? m.id,
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

/** One model in Gemini's shape; `name` carries the `models/` prefix. */
export function geminiModel(m: ModelInfo): Record<string, unknown> {
  const known = catalogModel(m.id);
  const google = m.ownedBy === "google";
  const out: Record<string, unknown> = {
    name: `models/${m.id}`,
    displayName: m.displayName ?? m.id,
    description: m.displayName ?? m.id,
    supportedGenerationMethods: google
      ? ["generateContent", "streamGenerateContent", "countTokens"]
      : ["generateContent"],
  };
  if (known) {
    out.inputTokenLimit = known.contextTokens;
    out.outputTokenLimit = known.maxOutputTokens;
  }
  return out;
}

/** GET /v1/models. */
export const listModels: Handler = async (req, ctx) => {
  const models = ctx.app.providers.models();
  sendJson(ctx, 200, wantsAnthropicList(req) ? anthropicList(models) : openaiList(models));
};

/** GET /v1beta/models. */
export const listGeminiModels: Handler = async (_req, ctx) => {
  sendJson(ctx, 200, { models: ctx.app.providers.models().map(geminiModel) });
};

/** GET /v1beta/models/{id} (also `models/{id}`): one entry, else Gemini's bare 404. */
export const getGeminiModel: Handler = async (req, ctx) => {
  const id = (ctx.params.model ?? "").replace(/^models\//, "");
  // The router also sends the bare /v1beta/models/ here (a wildcard matches its own prefix).
  if (id === "") return listGeminiModels(req, ctx);
  const found = ctx.app.providers.models().find((m) => m.id === id);
  if (!found)
    throw new HttpError(404, "not_found", "Not Found", {
      body: { error: { message: "Not Found", type: "not_found" } },
    });
  sendJson(ctx, 200, geminiModel(found));
};
