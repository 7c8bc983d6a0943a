/**
 * The built-in model catalog, shipped in code: cliproxy never fetches model lists at startup
 * (providers.md §3.1 Note). A credential without its own `models` list serves its provider's catalog.
 */
import {
  AISTUDIO_MODELS,
  ANTIGRAVITY_MODELS,
  CLAUDE_MODELS,
  CODEX_MODELS,
  GEMINI_CLI_MODELS,
  GEMINI_MODELS,
  VERTEX_MODELS,
  type CatalogModel,
} from "./catalog-data.js";

export type { CatalogModel } from "./catalog-data.js";

function m(
  id: string,
  ownedBy: string,
  created: string | number,
  displayName: string,
  contextTokens: number,
  maxOutputTokens: number,
): CatalogModel {
  const at = typeof created === "number" ? created : Math.floor(Date.parse(created) / 1000);
  return Object.freeze({ id, ownedBy, created: at, displayName, contextTokens, maxOutputTokens });
}

// HEAD's models.json (catalog-data.ts) first; names cliproxy listed before (undated aliases, older
// Codex models) stay servable after them, so configs and clients that name them keep working.
const OLD_CLAUDE: readonly CatalogModel[] = [
  m("claude-opus-4-5", "anthropic", 1761955200, "Claude 4.5 Opus", 200_000, 64_000),
  m("claude-sonnet-4-5", "anthropic", 1759104000, "Claude 4.5 Sonnet", 200_000, 64_000),
  m("claude-haiku-4-5", "anthropic", 1759276800, "Claude 4.5 Haiku", 200_000, 64_000),
];

const OLD_CODEX: readonly CatalogModel[] = [
  m("gpt-5", "openai", "2025-08-07", "GPT 5", 400_000, 128_000),
  m("gpt-5-codex", "openai", "2025-09-15", "GPT 5 Codex", 400_000, 128_000),
  m("gpt-5-codex-mini", "openai", "2025-11-07", "GPT 5 Codex Mini", 400_000, 128_000),
  m("gpt-5-mini", "openai", "2025-08-07", "GPT 5 Mini", 400_000, 128_000),
  m("gpt-5.1", "openai", "2025-11-12", "GPT 5.1", 400_000, 128_000),
  m("gpt-5.1-codex", "openai", "2025-11-12", "GPT 5.1 Codex", 400_000, 128_000),
  m("gpt-5.1-codex-max", "openai", "2025-11-19", "GPT 5.1 Codex Max", 400_000, 128_000),
  m("gpt-5.2", "openai", "2025-12-11", "GPT 5.2", 400_000, 128_000),
  m("gpt-5.2-codex", "openai", "2026-01-14", "GPT 5.2 Codex", 400_000, 128_000),
];

const CLAUDE = union(CLAUDE_MODELS, OLD_CLAUDE);
const GEMINI = GEMINI_MODELS;
const CODEX = union(CODEX_MODELS, OLD_CODEX);

/** `a`, then the models of `b` whose ids `a` lacks. */
function union(a: readonly CatalogModel[], b: readonly CatalogModel[]): readonly CatalogModel[] {
  const ids = new Set(a.map((x) => x.id));
  return [...a, ...b.filter((x) => !ids.has(x.id))];
}

/** Catalog per provider id, as HEAD's models.json lists each. */
export const CATALOG: Readonly<Record<string, readonly CatalogModel[]>> = Object.freeze({
  claude: CLAUDE,
  gemini: GEMINI,
  "gemini-cli": GEMINI_CLI_MODELS,
  antigravity: ANTIGRAVITY_MODELS,
  vertex: VERTEX_MODELS,
  aistudio: AISTUDIO_MODELS,
  codex: CODEX,
});

const BY_ID = new Map<string, CatalogModel>();
for (const list of Object.values(CATALOG)) for (const x of list) if (!BY_ID.has(x.id)) BY_ID.set(x.id, x);

/** The catalog models of a provider ([] for providers without one, e.g. openai-compatibility entries). */
export function catalogFor(provider: string): readonly CatalogModel[] {
  return CATALOG[provider] ?? [];
}

/** The catalog entry for an upstream model name, when cliproxy knows it (limits, display name). */
export function catalogModel(id: string): CatalogModel | undefined {
  return BY_ID.get(id);
}
