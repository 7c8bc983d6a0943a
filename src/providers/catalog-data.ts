/**
 * CLIProxyAPI HEAD a7e3596b7 internal/registry/models/models.json (2026-08-22), one table per provider as it lists
 * them; Codex is the union of its plan tiers (free, team, plus, pro). Regenerate from that file, never by hand.
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

function m(
  id: string,
  ownedBy: string,
  created: number,
  displayName: string,
  contextTokens: number,
  maxOutputTokens: number,
): CatalogModel {
  return Object.freeze({ id, ownedBy, created, displayName, contextTokens, maxOutputTokens });
}

/** models.json "claude". */
export const CLAUDE_MODELS: readonly CatalogModel[] = [
  m("claude-haiku-4-5-20251001", "anthropic", 1759276800, "Claude 4.5 Haiku", 200000, 64000),
  m("claude-sonnet-4-5-20250929", "anthropic", 1759104000, "Claude 4.5 Sonnet", 200000, 64000),
  m("claude-sonnet-4-6", "anthropic", 1771372800, "Claude 4.6 Sonnet", 200000, 64000),
  m("claude-opus-4-6", "anthropic", 1770318000, "Claude 4.6 Opus", 1000000, 128000),
  m("claude-opus-4-7", "anthropic", 1776297600, "Claude Opus 4.7", 1000000, 128000),
  m("claude-opus-4-8", "anthropic", 1779984000, "Claude Opus 4.8", 1000000, 128000),
  m("claude-opus-5", "anthropic", 1784038800, "Claude Opus 5", 1000000, 128000),
  m("claude-sonnet-5", "anthropic", 1782777600, "Claude Sonnet 5", 1000000, 128000),
  m("claude-fable-5", "anthropic", 1781049600, "Claude Fable 5", 1000000, 128000),
  m("claude-opus-4-5-20251101", "anthropic", 1761955200, "Claude 4.5 Opus", 200000, 64000),
  m("claude-opus-4-1-20250805", "anthropic", 1722945600, "Claude 4.1 Opus", 200000, 32000),
  m("claude-opus-4-20250514", "anthropic", 1715644800, "Claude 4 Opus", 200000, 32000),
  m("claude-sonnet-4-20250514", "anthropic", 1715644800, "Claude 4 Sonnet", 200000, 64000),
  m("claude-3-7-sonnet-20250219", "anthropic", 1708300800, "Claude 3.7 Sonnet", 128000, 8192),
  m("claude-3-5-haiku-20241022", "anthropic", 1729555200, "Claude 3.5 Haiku", 128000, 8192),
];

/** models.json "gemini". */
export const GEMINI_MODELS: readonly CatalogModel[] = [
  m("gemini-2.5-pro", "google", 1750118400, "Gemini 2.5 Pro", 1048576, 65536),
  m("gemini-2.5-flash", "google", 1750118400, "Gemini 2.5 Flash", 1048576, 65536),
  m("gemini-2.5-flash-lite", "google", 1753142400, "Gemini 2.5 Flash Lite", 1048576, 65536),
  m("gemini-3-pro-preview", "google", 1737158400, "Gemini 3 Pro Preview", 1048576, 65536),
  m("gemini-3.1-pro-preview", "google", 1771459200, "Gemini 3.1 Pro Preview", 1048576, 65536),
  m("gemini-3.1-flash-image-preview", "google", 1771459200, "Gemini 3.1 Flash Image Preview", 1048576, 65536),
  m("gemini-3-flash-preview", "google", 1765929600, "Gemini 3 Flash Preview", 1048576, 65536),
  m("gemini-3.1-flash-lite-preview", "google", 1776288000, "Gemini 3.1 Flash Lite Preview", 1048576, 65536),
  m("gemini-3-pro-image-preview", "google", 1737158400, "Gemini 3 Pro Image Preview", 1048576, 65536),
  m("gemini-3.5-flash", "google", 1779235200, "Gemini 3.5 Flash", 1048576, 65536),
  m("gemini-3.5-flash-lite", "google", 1782864000, "Gemini 3.5 Flash Lite", 1048576, 65536),
  m("gemini-3.6-flash", "google", 1782864000, "Gemini 3.6 Flash", 1048576, 65536),
  m("gemini-3.7-flash", "google", 0, "Gemini 3.7 Flash", 1048576, 65536),
];

/** models.json "vertex". */
export const VERTEX_MODELS: readonly CatalogModel[] = [
  m("gemini-2.5-pro", "google", 1750118400, "Gemini 2.5 Pro", 1048576, 65536),
  m("gemini-2.5-flash", "google", 1750118400, "Gemini 2.5 Flash", 1048576, 65536),
  m("gemini-2.5-flash-image", "google", 1763596800, "Gemini 2.5 Flash Image", 1048576, 65536),
  m("gemini-2.5-flash-lite", "google", 1753142400, "Gemini 2.5 Flash Lite", 1048576, 65536),
  m("gemini-3-pro", "google", 1737158400, "Gemini 3 Pro", 1048576, 65536),
  m("gemini-3-flash", "google", 1765929600, "Gemini 3 Flash", 1048576, 65536),
  m("gemini-3.1-pro", "google", 1771459200, "Gemini 3.1 Pro", 1048576, 65536),
  m("gemini-3.1-pro-preview", "google", 1771459200, "Gemini 3.1 Pro Preview", 1048576, 65536),
  m("gemini-3.1-flash-image", "google", 1771459200, "Gemini 3.1 Flash Image", 1048576, 65536),
  m("gemini-3.1-flash-lite", "google", 1776288000, "Gemini 3.1 Flash Lite", 1048576, 65536),
  m("gemini-3-pro-image", "google", 1737158400, "Gemini 3 Pro Image", 1048576, 65536),
  m("imagen-4.0-generate-001", "google", 1750000000, "Imagen 4.0 Generate", 0, 0),
  m("imagen-4.0-ultra-generate-001", "google", 1750000000, "Imagen 4.0 Ultra Generate", 0, 0),
  m("imagen-3.0-generate-002", "google", 1740000000, "Imagen 3.0 Generate", 0, 0),
  m("imagen-3.0-fast-generate-001", "google", 1740000000, "Imagen 3.0 Fast Generate", 0, 0),
  m("imagen-4.0-fast-generate-001", "google", 1750000000, "Imagen 4.0 Fast Generate", 0, 0),
  m("gemini-3.5-flash", "google", 1779235200, "Gemini 3.5 Flash", 1048576, 65536),
  m("gemini-3.5-flash-lite", "google", 1782864000, "Gemini 3.5 Flash Lite", 1048576, 65536),
  m("gemini-3.6-flash", "google", 1782864000, "Gemini 3.6 Flash", 1048576, 65536),
  m("gemini-3.7-flash", "google", 0, "Gemini 3.7 Flash", 1048576, 65536),
];

/** models.json "gemini-cli". */
export const GEMINI_CLI_MODELS: readonly CatalogModel[] = [
  m("gemini-2.5-pro", "google", 1750118400, "Gemini 2.5 Pro", 1048576, 65536),
  m("gemini-2.5-flash", "google", 1750118400, "Gemini 2.5 Flash", 1048576, 65536),
  m("gemini-2.5-flash-lite", "google", 1753142400, "Gemini 2.5 Flash Lite", 1048576, 65536),
  m("gemini-3-pro-preview", "google", 1737158400, "Gemini 3 Pro Preview", 1048576, 65536),
  m("gemini-3.1-pro-preview", "google", 1771459200, "Gemini 3.1 Pro Preview", 1048576, 65536),
  m("gemini-3-flash-preview", "google", 1765929600, "Gemini 3 Flash Preview", 1048576, 65536),
  m("gemini-3.1-flash-lite-preview", "google", 1776288000, "Gemini 3.1 Flash Lite Preview", 1048576, 65536),
];

/** models.json "aistudio". */
export const AISTUDIO_MODELS: readonly CatalogModel[] = [
  m("gemini-2.5-pro", "google", 1750118400, "Gemini 2.5 Pro", 1048576, 65536),
  m("gemini-2.5-flash", "google", 1750118400, "Gemini 2.5 Flash", 1048576, 65536),
  m("gemini-2.5-flash-lite", "google", 1753142400, "Gemini 2.5 Flash Lite", 1048576, 65536),
  m("gemini-3-pro-preview", "google", 1737158400, "Gemini 3 Pro Preview", 1048576, 65536),
  m("gemini-3.1-pro-preview", "google", 1771459200, "Gemini 3.1 Pro Preview", 1048576, 65536),
  m("gemini-3-flash-preview", "google", 1765929600, "Gemini 3 Flash Preview", 1048576, 65536),
  m("gemini-3.1-flash-lite-preview", "google", 1776288000, "Gemini 3.1 Flash Lite Preview", 1048576, 65536),
  m("gemini-pro-latest", "google", 1750118400, "Gemini Pro Latest", 1048576, 65536),
  m("gemini-flash-latest", "google", 1750118400, "Gemini Flash Latest", 1048576, 65536),
  m("gemini-flash-lite-latest", "google", 1753142400, "Gemini Flash-Lite Latest", 1048576, 65536),
  m("gemini-2.5-flash-image", "google", 1759363200, "Gemini 2.5 Flash Image", 1048576, 8192),
  m("gemini-3.5-flash", "google", 1779235200, "Gemini 3.5 Flash", 1048576, 65536),
  m("gemini-3.5-flash-lite", "google", 1782864000, "Gemini 3.5 Flash Lite", 1048576, 65536),
  m("gemini-3.6-flash", "google", 1782864000, "Gemini 3.6 Flash", 1048576, 65536),
  m("gemini-3.7-flash", "google", 0, "Gemini 3.7 Flash", 1048576, 65536),
];

/** models.json "antigravity". */
export const ANTIGRAVITY_MODELS: readonly CatalogModel[] = [
  m("claude-opus-4-6-thinking", "antigravity", 0, "Claude Opus 4.6 (Thinking)", 200000, 64000),
  m("claude-sonnet-4-6", "antigravity", 0, "Claude Sonnet 4.6 (Thinking)", 200000, 64000),
  m("gemini-3.6-flash-high", "antigravity", 0, "Gemini 3.6 Flash", 1048576, 65536),
  m("gemini-3.7-flash-high", "antigravity", 0, "Gemini 3.7 Flash", 1048576, 65536),
  m("gemini-3-flash", "antigravity", 0, "Gemini 3 Flash", 1048576, 65536),
  m("gemini-3-flash-agent", "antigravity", 0, "Gemini 3.5 Flash (High)", 1048576, 65536),
  m("gemini-3.1-flash-image", "antigravity", 0, "Gemini 3.1 Flash Image", 0, 0),
  m("gemini-pro-agent", "antigravity", 0, "Gemini 3.1 Pro (High)", 1048576, 65535),
  m("gemini-3.1-pro-low", "antigravity", 0, "Gemini 3.1 Pro (Low)", 1048576, 65535),
  m("gpt-oss-120b-medium", "antigravity", 0, "GPT-OSS 120B (Medium)", 114000, 32768),
  m("gemini-3.1-flash-lite", "antigravity", 0, "Gemini 3.1 Flash Lite", 1048576, 65535),
  m("gemini-3.5-flash-low", "antigravity", 0, "Gemini 3.5 Flash (Medium)", 1048576, 65535),
  m("gemini-3.5-flash-extra-low", "antigravity", 0, "Gemini 3.5 Flash (Low)", 1048576, 65535),
];

/** models.json "codex-free", "codex-team", "codex-plus", "codex-pro" together. */
export const CODEX_MODELS: readonly CatalogModel[] = [
  m("gpt-5.3-codex-spark", "openai", 1770912000, "GPT 5.3 Codex Spark", 128000, 128000),
  m("gpt-5.4", "openai", 1772668800, "GPT 5.4", 1050000, 128000),
  m("gpt-5.4-mini", "openai", 1773705600, "GPT 5.4 Mini", 400000, 128000),
  m("gpt-5.5", "openai", 1776902400, "GPT 5.5", 272000, 128000),
  m("gpt-5.6-sol", "openai", 1783616400, "GPT 5.6 Sol", 921000, 128000),
  m("gpt-5.6-terra", "openai", 1783616400, "GPT 5.6 Terra", 921000, 128000),
  m("gpt-5.6-luna", "openai", 1783616400, "GPT 5.6 Luna", 921000, 128000),
  m("codex-auto-review", "openai", 1776902400, "Codex Auto Review", 272000, 128000),
];
