/**
 * Antigravity executor (providers.md §2.5): Cloud Code Assist like Gemini CLI, with Antigravity's
 * envelope (model, userAgent, requestType, project, requestId, request.sessionId) and User-Agent. The
 * configured roots are tried in order (the daily root first); a token file's `base_url` replaces them.
 * Answers are `{"response":{…}}`, unwrapped for serve.ts as for Gemini CLI.
 */
import { endpointsFor } from "../oauth/endpoints.js";
import {
  antigravityBaseUrls,
  antigravityEnvelope,
  antigravityHeaders,
  codeAssistUrl,
  unwrapCodeAssist,
} from "../oauth/headers.js";
import { applyCustomHeaders, type BuildInput, type Executor, type UpstreamCall } from "./executor.js";
import { capOutputTokens, hasFinish } from "./gemini.js";
import { codeAssistAction } from "./gemini-cli.js";

/** Builds the upstream request for an Antigravity token file; `alternates` holds the other configured roots. */
export function buildAntigravityRequest(input: BuildInput): UpstreamCall {
  const { cred, token } = input;
  const action = codeAssistAction(input);
  const stream = action === "stream";
  const agent = typeof token?.raw?.user_agent === "string" ? token.raw.user_agent.trim() : undefined;
  const headers = applyCustomHeaders(antigravityHeaders(cred.apiKey, stream, agent), cred.headers);
  const body = antigravityEnvelope(
    capOutputTokens(input.body, input.upstreamModel, input.json),
    input.upstreamModel,
    token?.projectId ?? "",
    action,
  );
  const primary = cred.baseUrl.replace(/\/+$/, "");
  const others = antigravityBaseUrls(token?.baseUrl, endpointsFor("antigravity", input.config).apiBaseUrls)
    .map((r) => r.replace(/\/+$/, ""))
    .filter((r) => r !== primary);
  return {
    url: codeAssistUrl(primary, action),
    headers,
    body,
    stream,
    alternates: others.map((r) => codeAssistUrl(r, action)),
  };
}

/** The Antigravity executor. */
export const ANTIGRAVITY: Executor = {
  kind: "antigravity",
  dialect: "gemini",
  canCount: true,
  build: buildAntigravityRequest,
  isFinal: (_event, data) => hasFinish(data),
  unwrap: unwrapCodeAssist,
  usageKind: "gemini",
};
