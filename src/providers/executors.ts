/** The executor per credential kind, and the client's wire dialect per endpoint. */
import type { Format } from "../translate/hub.js";
import { CLAUDE } from "./claude.js";
import { CODEX } from "./codex.js";
import { GEMINI } from "./gemini.js";
import { GEMINI_CLI } from "./gemini-cli.js";
import { ANTIGRAVITY } from "./antigravity.js";
import { OPENAI_COMPAT } from "./openai-compat.js";
import { VERTEX } from "./vertex.js";
import type { Executor } from "./executor.js";
import type { Endpoint, ProviderKind } from "./types.js";

/** The executor per credential kind. */
export const EXECUTORS: Readonly<Partial<Record<ProviderKind, Executor>>> = Object.freeze({
  claude: CLAUDE,
  codex: CODEX,
  gemini: GEMINI,
  "openai-compat": OPENAI_COMPAT,
  vertex: VERTEX,
  "gemini-cli": GEMINI_CLI,
  antigravity: ANTIGRAVITY,
});

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
