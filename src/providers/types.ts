/**
 * Contracts between the provider layers. Data flows one way:
 *   inbound handler (pipeline/routes.ts, or Amp's wrapper) → serveLocal (pipeline/serve.ts)
 *   → selection + cooldown + retry (routing/) → executor (providers/<kind>.ts) → pipe back to the client.
 * routing/ never writes a response; executors never choose a credential.
 */
import type { IncomingHttpHeaders } from "node:http";

/** The routing provider key: "claude", "gemini", "codex", "vertex", or a lower-cased openai-compatibility name. */
export type ProviderId = string;

/** One credential in the routing pool, built from config (API keys) or, later, token files. */
export interface Credential {
  /** Stable id, e.g. "claude-api-key[0]", "openai-compatibility[openrouter][1]"; order within a priority group. */
  readonly id: string;
  readonly provider: ProviderId;
  /** Which kind's executor talks to its upstream: a key of the App's kinds table (PROVIDER_KINDS in providers/kinds.ts, or one createApp({ kinds }) added). */
  readonly kind: string;
  /** Safe for logs and the status page (masked key). */
  readonly label: string;
  readonly apiKey: string;
  /** Upstream root with the provider default applied. */
  readonly baseUrl: string;
  /** Per-credential proxy ("" = global proxy-url; "direct"/"none" = no proxy). */
  readonly proxyUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly priority: number;
  readonly prefix: string;
  readonly disableCooling: boolean;
  /** Set when the credential serves its provider's catalogue (no own `models` list): the patterns it excludes, so unlisted models of its family may pass (runtime.ts byFamily). */
  readonly catalogExclusions?: readonly string[];
  /** Served model id (alias, prefixed form too) → upstream model names to try in order (a pool when several). */
  readonly models: ReadonlyMap<string, readonly string[]>;
  /** Where each served id comes from; absent ids are the catalogue's. */
  readonly sources?: ReadonlyMap<string, ModelSource>;
}

/** Where a listed model comes from: the built-in catalogue (HEAD's models.json) or the user's config. */
export type ModelSource = "catalogue" | "config";

/** A model as listed by /v1/models and friends. */
export interface ModelInfo {
  readonly id: string;
  readonly ownedBy: string;
  /** Where it comes from (shown as `source` in /v1/models and on the status page). */
  readonly source: ModelSource;
  readonly created: number;
  readonly displayName?: string;
  readonly providers: readonly ProviderId[];
}

/** The client-facing endpoint a model request came in on (decides the client dialect). */
export type Endpoint =
  | "openai-chat"
  | "openai-completions"
  | "openai-responses"
  | "anthropic-messages"
  | "anthropic-count-tokens"
  | "gemini-generate"
  | "gemini-stream"
  | "gemini-count-tokens";

/** Rewrites what the client sees (Amp: requested model name, tool-name casing, signatures). */
export interface ResponseRewriter {
  /** A whole non-stream JSON body, already in the client's dialect. */
  json(body: Record<string, unknown>): Record<string, unknown>;
  /** The JSON `data` of one SSE event, already in the client's dialect. */
  event(data: Record<string, unknown>): Record<string, unknown>;
}

/** One model request to serve from local credentials. */
export interface LocalCall {
  readonly endpoint: Endpoint;
  /** Raw body to send when no change is needed (same-dialect requests pass through byte for byte). */
  readonly body: Buffer;
  readonly json: Record<string, unknown>;
  /** The requested model, maybe with a thinking suffix `name(level)`; Gemini: taken from the path. */
  readonly model: string;
  /** Client headers to consider for forwarding (Amp may have filtered Anthropic-Beta). */
  readonly headers: IncomingHttpHeaders;
  /** Gemini `alt` query value (alt=sse → SSE framing). */
  readonly alt?: string;
  readonly rewrite?: ResponseRewriter;
}

/**
 * What one upstream attempt produced, typed so routing needs no error class: providers/outcome.ts turns
 * what an attempt throws (transport errors, timeouts, token refresh failures) into one of these.
 */
export type AttemptOutcome =
  /** The response was written to the client (stream or not); nothing more to do. */
  | { readonly kind: "done" }
  /** The upstream failed before we committed anything to the client. */
  | {
      readonly kind: "failed";
      readonly status: number;
      /** Upstream error body (already redacted of our keys), for classification and the client. */
      readonly body: string;
      readonly headers: Readonly<Record<string, string>>;
      /** The cooldown hint: from Retry-After / RetryInfo / resets_in_seconds, when the upstream said. */
      readonly retryAfterMs?: number;
      /** Whether another credential may do better; default: routing/cooldown.ts classifies status and body. */
      readonly retryable?: boolean;
      /** Set when no usable answer came (unreachable, timed out): the client-safe message, naming the host, never the key. */
      readonly transport?: string;
    }
  /** The credential's token could not be had (refresh refused or busy): its failure, with no upstream answer. */
  | {
      readonly kind: "unavailable";
      readonly status: number;
      readonly message: string;
      readonly retryAfterMs?: number;
    };

/** Token counts parsed from an upstream answer (providers.md §6). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  totalTokens: number;
}
