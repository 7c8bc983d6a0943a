/**
 * Other spellings of a requested model, for callers that name models their own way. Amp's custom-url
 * model router (and OpenRouter-style clients) send `provider/model` ids and write versions with dots
 * (`anthropic/claude-sonnet-4.6`), where the provider's own id has dashes (`claude-sonnet-4-6`). These
 * are tried only after the name as sent found nothing, so a served `gpt-5.1` or a credential prefix
 * `team/…` is never reinterpreted.
 */
import type { ResponseRewriter } from "./types.js";

/** Provider prefixes routers put before a model id; a prefix not listed here is part of the name. */
export const PROVIDER_PREFIXES: readonly string[] = Object.freeze([
  "anthropic",
  "openai",
  "google",
  "gemini",
  "vertex",
  "xai",
  "openrouter",
  "mistral",
  "mistralai",
  "deepseek",
  "meta",
  "meta-llama",
  "moonshotai",
  "qwen",
  "z-ai",
  "zai",
  "groq",
  "cerebras",
  "fireworks",
  "together",
  "amazon-bedrock",
  "bedrock",
  "azure",
  "ollama",
]);

/** One alternative spelling and how it was made, for the log line. */
export interface Spelling {
  readonly name: string;
  readonly how: string;
}

/** The name without a known provider prefix (`anthropic/claude-x` → `claude-x`); undefined when it has none. */
export function stripProviderPrefix(name: string): string | undefined {
  const slash = name.indexOf("/");
  if (slash <= 0 || slash === name.length - 1) return undefined;
  return PROVIDER_PREFIXES.includes(name.slice(0, slash).toLowerCase()) ? name.slice(slash + 1) : undefined;
}

/** Version dots as dashes (`claude-sonnet-4.6` → `claude-sonnet-4-6`); undefined when there is no dotted version. */
export function dashedVersion(name: string): string | undefined {
  const out = name.replace(/(\d)\.(?=\d)/g, "$1-");
  return out === name ? undefined : out;
}

/** The spellings to try, in order, after `name` itself was not served: prefix stripped, then dots as dashes. */
export function alternativeSpellings(name: string): Spelling[] {
  const out: Spelling[] = [];
  const bare = stripProviderPrefix(name);
  if (bare !== undefined) out.push({ name: bare, how: "provider prefix stripped" });
  const dashed = dashedVersion(bare ?? name);
  if (dashed !== undefined)
    out.push({
      name: dashed,
      how: bare === undefined ? "version dots as dashes" : "provider prefix stripped, version dots as dashes",
    });
  return out;
}

type Obj = Record<string, unknown>;

function showModel(data: Obj, model: string): Obj {
  for (const holder of [data, data.message, data.response]) {
    if (typeof holder !== "object" || holder === null || Array.isArray(holder)) continue;
    const h = holder as Obj;
    if ("model" in h) h.model = model;
    if ("modelVersion" in h) h.modelVersion = model;
  }
  return data;
}

/** Shows the caller's model name in a whole answer and in every stream event (top level, `message`, `response`). */
export function callerModelRewriter(model: string): ResponseRewriter {
  return { json: (body) => showModel(body, model), event: (data) => showModel(data, model) };
}
