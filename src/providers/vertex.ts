/**
 * Vertex executor (providers.md §2.7): the Gemini wire format. `vertex-api-key` entries call
 * `{root}/v1/publishers/google/models/{model}:{action}` with `x-goog-api-key`; service-account token
 * files (oauth/vertex-sa.ts) call `{root}/v1/projects/{project}/locations/{location}/publishers/google/models/…`
 * with `Authorization: Bearer` (CLIProxyAPI HEAD a7e3596b7 gemini_vertex_executor.go executeWithServiceAccount).
 */
import { buildGeminiRequest, hasFinish } from "./gemini.js";
import { bodyJson, type BuildInput, type Executor, type UpstreamCall } from "./executor.js";
import { isObject } from "../plain-object.js";

/**
 * Vertex countTokens takes the generateContent request itself with its model, without tools,
 * generationConfig and safetySettings (CLIProxyAPI HEAD a7e3596b7 gemini_vertex_executor.go
 * countTokensWithServiceAccount); the Gemini API's `{generateContentRequest:{…}}` is rejected there.
 */
export function vertexCountBody(input: BuildInput): Buffer {
  const json = bodyJson(input) ?? {};
  const inner = json.generateContentRequest;
  const request: Record<string, unknown> = {
    ...(isObject(inner) ? inner : json),
  };
  for (const k of ["tools", "generationConfig", "safetySettings"]) delete request[k];
  return Buffer.from(JSON.stringify({ ...request, model: input.upstreamModel }));
}

function buildVertexRequest(input: BuildInput): UpstreamCall {
  const token = input.token;
  const project = token?.type === "vertex" ? token.projectId : undefined;
  const location =
    typeof token?.raw?.location === "string" && token.raw.location.trim() ? token.raw.location.trim() : "us-central1";
  const path = project
    ? `/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models`
    : "/v1/publishers/google/models";
  const call =
    input.action !== "count"
      ? buildGeminiRequest(input, path)
      : buildGeminiRequest({ ...input, body: vertexCountBody(input), json: undefined }, path);
  if (!token) return call;
  // A token file's bearer: never in x-goog-api-key.
  const headers: Record<string, string> = { ...call.headers, authorization: `Bearer ${input.cred.apiKey}` };
  delete headers["x-goog-api-key"];
  return { ...call, headers };
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
