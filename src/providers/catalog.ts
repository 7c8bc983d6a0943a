/**
 * The built-in model catalog, shipped in code: cliproxy never fetches model lists at startup
 * (providers.md §3.1 Note). A credential without its own `models` list serves its provider's catalog.
 */

/** One catalog model: listing fields plus the limits executors apply (Claude max_tokens, Gemini maxOutputTokens). */
export interface CatalogModel {
  readonly id: string;
  readonly ownedBy: string;
  /** Unix seconds. */
  readonly created: number;
  readonly displayName: string;
  readonly contextTokens: number;
  readonly maxOutputTokens: number;
}

function m(id: string, ownedBy: string, created: string | number, displayName: string, contextTokens: number, maxOutputTokens: number): CatalogModel {
  const at = typeof created === "number" ? created : Math.floor(Date.parse(created) / 1000);
  return Object.freeze({ id, ownedBy, created: at, displayName, contextTokens, maxOutputTokens });
}

// Claude and Gemini values follow CLIProxyAPI's models.json; the undated aliases share their dated model's.
const CLAUDE: readonly CatalogModel[] = [
  m("claude-opus-4-7", "anthropic", 1776297600, "Claude Opus 4.7", 1_000_000, 128_000),
  m("claude-opus-4-6", "anthropic", 1770318000, "Claude 4.6 Opus", 1_000_000, 128_000),
  m("claude-opus-4-5-20251101", "anthropic", 1761955200, "Claude 4.5 Opus", 200_000, 64_000),
  m("claude-opus-4-5", "anthropic", 1761955200, "Claude 4.5 Opus", 200_000, 64_000),
  m("claude-opus-4-1-20250805", "anthropic", 1722945600, "Claude 4.1 Opus", 200_000, 32_000),
  m("claude-sonnet-4-6", "anthropic", 1771372800, "Claude 4.6 Sonnet", 200_000, 64_000),
  m("claude-sonnet-4-5-20250929", "anthropic", 1759104000, "Claude 4.5 Sonnet", 200_000, 64_000),
  m("claude-sonnet-4-5", "anthropic", 1759104000, "Claude 4.5 Sonnet", 200_000, 64_000),
  m("claude-sonnet-4-20250514", "anthropic", 1715644800, "Claude 4 Sonnet", 200_000, 64_000),
  m("claude-haiku-4-5-20251001", "anthropic", 1759276800, "Claude 4.5 Haiku", 200_000, 64_000),
  m("claude-haiku-4-5", "anthropic", 1759276800, "Claude 4.5 Haiku", 200_000, 64_000),
];

const GEMINI: readonly CatalogModel[] = [
  m("gemini-2.5-pro", "google", 1750118400, "Gemini 2.5 Pro", 1_048_576, 65_536),
  m("gemini-2.5-flash", "google", 1750118400, "Gemini 2.5 Flash", 1_048_576, 65_536),
  m("gemini-2.5-flash-lite", "google", 1753142400, "Gemini 2.5 Flash Lite", 1_048_576, 65_536),
  m("gemini-3-pro-preview", "google", 1737158400, "Gemini 3 Pro Preview", 1_048_576, 65_536),
  m("gemini-3-flash-preview", "google", 1765929600, "Gemini 3 Flash Preview", 1_048_576, 65_536),
  m("gemini-3.1-pro-preview", "google", 1771459200, "Gemini 3.1 Pro Preview", 1_048_576, 65_536),
];

const CODEX: readonly CatalogModel[] = [
  m("gpt-5", "openai", "2025-08-07", "GPT 5", 400_000, 128_000),
  m("gpt-5-codex", "openai", "2025-09-15", "GPT 5 Codex", 400_000, 128_000),
  m("gpt-5-codex-mini", "openai", "2025-11-07", "GPT 5 Codex Mini", 400_000, 128_000),
  m("gpt-5-mini", "openai", "2025-08-07", "GPT 5 Mini", 400_000, 128_000),
  m("gpt-5.1", "openai", "2025-11-12", "GPT 5.1", 400_000, 128_000),
  m("gpt-5.1-codex", "openai", "2025-11-12", "GPT 5.1 Codex", 400_000, 128_000),
  m("gpt-5.1-codex-max", "openai", "2025-11-19", "GPT 5.1 Codex Max", 400_000, 128_000),
  m("gpt-5.2", "openai", "2025-12-11", "GPT 5.2", 400_000, 128_000),
  m("gpt-5.2-codex", "openai", "2026-01-14", "GPT 5.2 Codex", 400_000, 128_000),
  m("gpt-5.4", "openai", "2026-03-05", "GPT 5.4", 1_050_000, 128_000),
  m("gpt-5.4-mini", "openai", "2026-03-17", "GPT 5.4 Mini", 400_000, 128_000),
];

/** Catalog per provider id; Vertex, Gemini CLI and Antigravity serve the Gemini models. */
export const CATALOG: Readonly<Record<string, readonly CatalogModel[]>> = Object.freeze({
  claude: CLAUDE,
  gemini: GEMINI,
  "gemini-cli": GEMINI,
  antigravity: GEMINI,
  vertex: GEMINI,
  aistudio: GEMINI,
  codex: CODEX,
});

const BY_ID = new Map<string, CatalogModel>([...CLAUDE, ...GEMINI, ...CODEX].map((x) => [x.id, x]));

/** The catalog models of a provider ([] for providers without one, e.g. openai-compatibility entries). */
export function catalogFor(provider: string): readonly CatalogModel[] {
  return CATALOG[provider] ?? [];
}

/** The catalog entry for an upstream model name, when cliproxy knows it (limits, display name). */
export function catalogModel(id: string): CatalogModel | undefined {
  return BY_ID.get(id);
}
