/**
 * Vertex executor for `vertex-api-key` entries (providers.md §2.7): the Gemini wire format at
 * `{root}/v1/publishers/google/models/{model}:{action}` with `x-goog-api-key`. Service-account
 * credentials (project/location URLs, bearer tokens) are a later issue.
 */
import { buildGeminiRequest, hasFinish } from "./gemini.js";
import { bodyJson, type BuildInput, type Executor, type UpstreamCall } from "./executor.js";

/**
 * Vertex countTokens takes the generateContent request itself with its model, without tools,
 * generationConfig and safetySettings (CLIProxyAPI HEAD a7e3596b7 gemini_vertex_executor.go
 * countTokensWithServiceAccount); the Gemini API's `{generateContentRequest:{…}}` is rejected there.
 */
export function vertexCountBody(input: BuildInput): Buffer {
  const json = bodyJson(input) ?? {};
  const inner = json.generateContentRequest;
  const request: Record<string, unknown> = { ...(inner !== null && typeof inner === "object" && !Array.isArray(inner) ? (inner as Record<string, unknown>) : json) };
  for (const k of ["tools", "generationConfig", "safetySettings"]) delete request[k];
  return Buffer.from(JSON.stringify({ ...request, model: input.upstreamModel }));
}

function buildVertexRequest(input: BuildInput): UpstreamCall {
  if (input.action !== "count") return buildGeminiRequest(input, "/v1/publishers/google/models");
  const body = vertexCountBody(input);
  return buildGeminiRequest({ ...input, body, json: undefined }, "/v1/publishers/google/models");
}

/** The Vertex API-key executor. */
export const VERTEX: Executor = {
  kind: "vertex",
  dialect: "gemini",
  canCount: true,
  build: buildVertexRequest,
  isFinal: (_event, data) => hasFinish(data),
  usageKind: "gemini",
};
