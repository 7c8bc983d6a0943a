/** The client's wire dialect per endpoint (each kind's executor is in PROVIDER_KINDS, providers/kinds.ts). */
import type { Format } from "../translate/hub.js";
import type { Endpoint } from "./types.js";

/** The client's wire dialect per endpoint (legacy completions are served as chat). */
export const CLIENT_FORMAT: Readonly<Record<Endpoint, Format>> = Object.freeze({
  "openai-chat": "openai-chat",
  "openai-completions": "openai-chat",
  "openai-responses": "openai-responses",
  "anthropic-messages": "anthropic",
  "anthropic-count-tokens": "anthropic",
  "gemini-generate": "gemini",
  "gemini-stream": "gemini",
  "gemini-count-tokens": "gemini",
});
