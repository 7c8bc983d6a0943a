/**
 * What every executor (claude.ts, codex.ts, gemini.ts, gemini-cli.ts, antigravity.ts, openai-compat.ts) provides: a pure request
 * builder (credential + call → url, headers, body) plus the facts serve.ts needs about the upstream's
 * answers (its dialect, when a stream is complete, where usage sits). Executors never send anything
 * and never choose a credential.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Config } from "../config/schema.js";
import type { Format } from "../translate/hub.js";
import type { TokenFacts } from "./tokens.js";
import type { UsageKind } from "./usage.js";
import type { Credential, LocalCall } from "./types.js";
import { isObject } from "../plain-object.js";

/** What the upstream is asked to do. */
export type Action = "generate" | "count";

/** Everything a builder may look at. */
export interface BuildInput {
  readonly cred: Credential;
  /** The client's call (headers for client-first rules, Gemini `alt`). */
  readonly call: LocalCall;
  /** The request body in the upstream's dialect: the client's raw bytes, or the translator's output. */
  readonly body: Buffer;
  /** `body` already parsed (serve.ts has it at hand), so builders need not parse it again; absent = parse `body`. */
  readonly json?: Readonly<Record<string, unknown>>;
  /** The model name to send upstream (alias resolved, prefix and suffix removed). */
  readonly upstreamModel: string;
  /** Whether the client asked for a stream. */
  readonly stream: boolean;
  readonly action: Action;
  readonly config: Config;
  /** Set for token-file credentials (whose current access token is `cred.apiKey`): project, account, file root. */
  readonly token?: TokenFacts;
}

/** A request ready for proxy/forward.ts. */
export interface UpstreamCall {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Whether the upstream will answer with an event stream. */
  readonly stream: boolean;
  /** The same call on further roots, tried in order when one cannot be reached or answers 429 (Antigravity). */
  readonly alternates?: readonly string[];
  /** Rewrites the upstream's answer (whole body, or each event's data) before translation: Claude's renamed tools back to the client's names. */
  readonly restore?: (data: unknown) => unknown;
}

/** One provider kind's executor. */
export interface Executor {
  /** Its kind's id in the kinds table (providers/kinds.ts). */
  readonly kind: string;
  /** The wire format the upstream speaks. */
  readonly dialect: Format;
  /** How usage is parsed from its answers (usage.ts parseUsage). */
  readonly usageKind: UsageKind;
  /** Whether the upstream can count tokens; otherwise count requests answer 501. */
  readonly canCount: boolean;
  build(input: BuildInput): UpstreamCall;
  /** The status an upstream failure counts as (Codex "at capacity" bodies are rate limits); default: as sent. */
  failureStatus?(status: number, body: string): number;
  /** True when this parsed stream event ends a complete upstream stream (so a close before it is a truncation). */
  isFinal(event: string | undefined, data: unknown): boolean;
  /** Takes the answer out of an upstream envelope (Code Assist's `{"response":{…}}`), for whole bodies and each stream event. */
  unwrap?(data: unknown): unknown;
}

/** The client's value of a header, trimmed, when non-empty (the "EnsureHeader" client-first rule). */
export function clientHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v.join(", ") : v;
  return s !== undefined && s.trim() !== "" ? s.trim() : undefined;
}

/** Applies a credential's `headers` last (they override the provider's), skipping pairs with an empty side. */
export function applyCustomHeaders(
  headers: Record<string, string>,
  custom: Readonly<Record<string, string>>,
): Record<string, string> {
  for (const [k, v] of Object.entries(custom)) {
    if (k.trim() === "" || v.trim() === "") continue;
    headers[k.trim().toLowerCase()] = v;
  }
  return headers;
}

/**
 * True for credentials configured as API keys, of any kind: config lists name theirs `<list key>[i]` (every
 * API-key list's key ends in `-api-key`, config/kinds.ts), token files by their file (the OAuth seam).
 */
export function isApiKeyCredential(cred: Credential): boolean {
  return /^[a-z0-9-]+-api-key\[|^openai-compatibility\[/.test(cred.id);
}

/** The request body as a JSON object: the parsed `json` when given, else `body` parsed; undefined when not an object. */
export function bodyJson(input: Pick<BuildInput, "body" | "json">): Readonly<Record<string, unknown>> | undefined {
  if (input.json) return input.json;
  try {
    return obj(JSON.parse(input.body.toString("utf8")));
  } catch {
    return undefined;
  }
}

/** A JSON object, or undefined. */
export function obj(v: unknown): Record<string, unknown> | undefined {
  return isObject(v) ? v : undefined;
}
