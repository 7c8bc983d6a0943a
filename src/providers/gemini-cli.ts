/**
 * Gemini CLI executor (providers.md §2.4): Cloud Code Assist at `{root}/v1internal:<method>`, the
 * Gemini request wrapped as `{"model","project","request"}` with the project of the token file, Gemini
 * CLI's own User-Agent. Answers come back as `{"response":{…}}`; `unwrap` hands serve.ts the plain
 * Gemini JSON, so Gemini clients and the translators never see the envelope.
 */
import {
  codeAssistUrl,
  geminiCliEnvelope,
  geminiCliHeaders,
  unwrapCodeAssist,
  type CodeAssistAction,
} from "../oauth/headers.js";
import { applyCustomHeaders, type BuildInput, type Executor, type UpstreamCall } from "./executor.js";
import { capOutputTokens, hasFinish } from "./gemini.js";

/** The Code Assist method of a call: countTokens, streamGenerateContent or generateContent. */
export function codeAssistAction(input: Pick<BuildInput, "action" | "stream">): CodeAssistAction {
  if (input.action === "count") return "count";
  return input.stream ? "stream" : "generate";
}

/** Builds the upstream request for a Gemini CLI token file (its access token is `cred.apiKey`). */
export function buildGeminiCliRequest(input: BuildInput): UpstreamCall {
  const { cred } = input;
  const action = codeAssistAction(input);
  const stream = action === "stream";
  const headers = applyCustomHeaders(geminiCliHeaders(cred.apiKey, input.upstreamModel, stream), cred.headers);
  const body = geminiCliEnvelope(
    capOutputTokens(input.body, input.upstreamModel, input.json),
    input.upstreamModel,
    input.token?.projectId ?? "",
    action,
  );
  return { url: codeAssistUrl(cred.baseUrl, action), headers, body, stream };
}

/** The Gemini CLI executor. */
export const GEMINI_CLI: Executor = {
  kind: "gemini-cli",
  dialect: "gemini",
  canCount: true,
  build: buildGeminiCliRequest,
  isFinal: (_event, data) => hasFinish(data),
  unwrap: unwrapCodeAssist,
  usageKind: "gemini",
};
