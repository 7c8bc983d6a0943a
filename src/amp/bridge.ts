/**
 * Gemini paths of the Amp CLI (the model is the text after `/models/` up to `:`, amp.md PR-4, PR-5, PR-14, RT-7): the
 * Vertex-style `/api/provider/google/v1beta1/publishers/google/models/{model}:{method}` bridge and the
 * `…/v1beta/models/{model}:{method}` alias both name the model in the path, not the body.
 */
import { HttpError } from "../server/errors.js";
import type { Endpoint } from "../providers/types.js";

/** `{model}:{method}` split; model is undefined when there is no `:` or it comes first (amp.md PR-5). */
export interface GeminiAction {
  readonly model: string | undefined;
  readonly method: string;
}

/** Splits a Gemini action segment such as `gemini-2.5-pro:streamGenerateContent`. */
export function splitAction(action: string): GeminiAction {
  const colon = action.indexOf(":");
  if (colon <= 0) return { model: undefined, method: colon === 0 ? action.slice(1) : "" };
  return { model: action.slice(0, colon), method: action.slice(colon + 1) };
}

/** The text after the first `/models/` of a v1beta1 remainder, or undefined when it has none. */
export function bridgeAction(rest: string): string | undefined {
  // The router gives the remainder without its leading "/"; CLIProxyAPI's wildcard had it.
  const path = rest.startsWith("/") ? rest : `/${rest}`;
  const at = path.indexOf("/models/");
  return at < 0 ? undefined : path.slice(at + "/models/".length);
}

/**
 * True for the v1beta1 requests served by the model branch, the rest being proxied (amp.md RT-7): a POST naming
 * `/models/{model}:…`. A POST naming no model (no `:`, amp.md PR-5) is no model call, so it goes to ampcode.com with
 * the rest.
 */
export function isBridgeRequest(method: string | undefined, rest: string): boolean {
  const action = method === "POST" ? bridgeAction(rest) : undefined;
  return action !== undefined && splitAction(action).model !== undefined;
}

/**
 * The action of a bridged request, or 400 `Invalid Gemini API path format` without `/models/`, as CLIProxyAPI (amp.md
 * PR-14).
 */
export function requireBridgeAction(rest: string): string {
  const action = bridgeAction(rest);
  if (action === undefined)
    throw new HttpError(400, "invalid_request_error", "Invalid Gemini API path format", {
      body: { error: "Invalid Gemini API path format" },
    });
  return action;
}

/** The local endpoint of a Gemini method, or undefined for a method cliproxy does not serve. */
export function geminiEndpoint(method: string): Endpoint | undefined {
  if (method === "generateContent") return "gemini-generate";
  if (method === "streamGenerateContent") return "gemini-stream";
  if (method === "countTokens") return "gemini-count-tokens";
  return undefined;
}
