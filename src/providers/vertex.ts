/**
 * Vertex executor for `vertex-api-key` entries (providers.md §2.7): the Gemini wire format at
 * `{root}/v1/publishers/google/models/{model}:{action}` with `x-goog-api-key`. Service-account
 * credentials (project/location URLs, bearer tokens) are a later issue.
 */
import { buildGeminiRequest, hasFinish } from "./gemini.js";
import type { Executor } from "./executor.js";

/** The Vertex API-key executor. */
export const VERTEX: Executor = {
  kind: "vertex",
  dialect: "gemini",
  canCount: true,
  build: (input) => buildGeminiRequest(input, "/v1/publishers/google/models"),
  isFinal: (_event, data) => hasFinish(data),
  usageKind: "gemini",
};
