/**
 * Gemini executor (providers.md §2.3): `{root}/v1beta/models/{model}:{action}` with `x-goog-api-key`
 * (never `?key=`, which would land in upstream access logs). The model travels in the path, so a
 * same-dialect body passes through byte for byte.
 */
import { editBody } from "./body-edit.js";
import { catalogModel } from "./catalog.js";
import { applyCustomHeaders, bodyJson, obj, type BuildInput, type Executor, type UpstreamCall } from "./executor.js";

/** Builds the upstream request for a Gemini API-key credential; `modelsPath` differs for Vertex. */
export function buildGeminiRequest(input: BuildInput, modelsPath = "/v1beta/models"): UpstreamCall {
  const { cred, call } = input;
  const root = cred.baseUrl.replace(/\/+$/, "");
  const model = encodeURIComponent(input.upstreamModel);
  let method: string;
  let query = "";
  const stream = input.action === "generate" && input.stream;
  if (input.action === "count") method = "countTokens";
  else if (stream) {
    method = "streamGenerateContent";
    // Upstream we always read SSE; a client that wanted the JSON array gets it re-framed by serve.ts.
    query = "?alt=sse";
  } else {
    method = "generateContent";
    if (call.alt && call.alt !== "sse") query = `?$alt=${encodeURIComponent(call.alt)}`;
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  // OAuth-style bearer tokens (ya29.…) go in Authorization; API keys in x-goog-api-key.
  if (cred.apiKey.startsWith("ya29.")) headers.authorization = `Bearer ${cred.apiKey}`;
  else headers["x-goog-api-key"] = cred.apiKey;
  applyCustomHeaders(headers, cred.headers);
  return {
    url: `${root}${modelsPath}/${model}:${method}${query}`,
    headers,
    body: capOutputTokens(input.body, input.upstreamModel, input.json),
    stream,
  };
}

/** Caps `generationConfig.maxOutputTokens` at the model's limit (providers.md §2.3); other bytes stay as sent. `json`: `body` parsed, if at hand. */
export function capOutputTokens(body: Buffer, model: string, json?: Readonly<Record<string, unknown>>): Buffer {
  const limit = catalogModel(model)?.maxOutputTokens;
  if (!limit) return body;
  const parsed = bodyJson({ body, json });
  const config = obj(parsed?.generationConfig);
  const max = config?.maxOutputTokens;
  if (typeof max !== "number" || max <= limit) return body;
  return editBody(body, { set: { generationConfig: { ...config, maxOutputTokens: limit } } });
}

/** True for the chunk that carries a finish reason: Gemini streams have no terminator event. */
export function hasFinish(data: unknown): boolean {
  const d = obj(data);
  const wrapped = obj(d?.response)?.candidates;
  const candidates = Array.isArray(d?.candidates) ? d.candidates : Array.isArray(wrapped) ? wrapped : [];
  // A prompt blocked by safety filters gets one chunk with promptFeedback.blockReason and no candidates.
  const blocked = typeof obj(d?.promptFeedback)?.blockReason === "string";
  return blocked || candidates.some((c) => typeof obj(c)?.finishReason === "string");
}

/** The Gemini executor. */
export const GEMINI: Executor = {
  kind: "gemini",
  dialect: "gemini",
  canCount: true,
  build: (input) => buildGeminiRequest(input),
  isFinal: (_event, data) => hasFinish(data),
  usageKind: "gemini",
};
