/**
 * The config half of a provider kind: which config.yaml list its credentials come from and how that list's
 * entries read, which of their fields are secret, and how start-up and management name them. The one table of
 * kinds is `PROVIDER_KINDS` in providers/kinds.ts (each entry this data plus its executor); the App carries it,
 * and config/ and management/ read it through this interface, so they name no kind themselves.
 */
import type { Config, ProviderKey } from "./schema.js";

/** A standard API-key list (`claude-api-key`, …): entries with api-key, base-url, models, headers, prefix, …. */
export interface ApiKeyList {
  readonly shape: "api-keys";
  /** Its YAML key; entries land in the Config field of the same name in camelCase (`claudeApiKey`). */
  readonly key: `${string}-api-key`;
  /** The upstream root of an entry without `base-url`. */
  readonly defaultBaseUrl?: string;
  /** Older top-level keys holding bare key strings, read into this list with a deprecation warning. */
  readonly oldKeys?: readonly string[];
  /** Why an entry without `base-url` is dropped (its default endpoint takes no API keys); absent = base-url optional. */
  readonly requireBaseUrl?: string;
  /** Drop an entry repeating an earlier one's api-key and base-url. */
  readonly dedupe?: boolean;
  /** Every `models` entry needs an alias (Vertex serves no catalogue names through keys). */
  readonly modelsNeedAlias?: boolean;
  /** Entries have no `disable-cooling` (left unread, it is reported as an unknown key). */
  readonly noDisableCooling?: boolean;
  /** Entries take a `websockets` flag (Codex). */
  readonly websockets?: boolean;
  /** Keys accepted for compatibility and ignored, with the reason the warning gives. */
  readonly ignored?: Readonly<Record<string, string>>;
  /** `models` cannot be set through management PATCH (Gemini keys serve the catalogue). */
  readonly fixedModels?: boolean;
  /** Management PUT refuses an entry without api-key (400) instead of dropping it as the loader does (Vertex). */
  readonly putNeedsKey?: boolean;
  /** Management PATCH setting an empty api-key deletes the entry (Gemini). */
  readonly emptyKeyDeletes?: boolean;
}

/** The `openai-compatibility` list: named upstreams, each with several keys (its reader is validate-providers.ts). */
export interface CompatList {
  readonly shape: "openai-compatibility";
  readonly key: "openai-compatibility";
}

/** What config/ and management/ know of a provider kind. */
export interface KindData {
  /** The routing provider id of its credentials (`claude`); `/v1/models`, usage and the status page show it. */
  readonly provider: string;
  /** The config list its API keys come from; absent for kinds that only come from token files. */
  readonly list?: ApiKeyList | CompatList;
}

/** Provider kinds by id (a `Credential.kind`), in the order their credentials are built and counted. */
export type KindTable = Readonly<Record<string, KindData>>;

/** The Config field holding an API-key list: its YAML key in camelCase (`claude-api-key` → `claudeApiKey`). */
export function listField(key: ApiKeyList["key"]): `${string}ApiKey` {
  return key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as `${string}ApiKey`;
}

/** The API-key lists of a table, with their kind ids. */
export function apiKeyLists(kinds: KindTable): Array<{ id: string; kind: KindData; list: ApiKeyList }> {
  return Object.entries(kinds).flatMap(([id, kind]) =>
    kind.list?.shape === "api-keys" ? [{ id, kind, list: kind.list }] : [],
  );
}

/** The entries of one API-key list in a config (none when the config predates the kind). */
export function keyEntries(config: Config, list: ApiKeyList): readonly ProviderKey[] {
  return config[listField(list.key)] ?? [];
}

/** Every provider secret in a config: each list entry's api-key, whatever its kind. */
export function kindSecrets(config: Config, kinds: KindTable): string[] {
  const out: string[] = [];
  for (const { list } of apiKeyLists(kinds)) for (const e of keyEntries(config, list)) out.push(e.apiKey);
  if (Object.values(kinds).some((k) => k.list?.shape === "openai-compatibility"))
    for (const c of config.openaiCompatibility) for (const k of c.apiKeyEntries) out.push(k.apiKey);
  return out.filter(Boolean);
}

/** Configured entries per list, as start-up reports them (`claude=1 openai-compatibility=2`); empty lists left out. */
export function kindCounts(config: Config, kinds: KindTable): Array<[name: string, count: number]> {
  const out: Array<[string, number]> = [];
  for (const kind of Object.values(kinds)) {
    if (kind.list?.shape === "api-keys") out.push([kind.provider, keyEntries(config, kind.list).length]);
    else if (kind.list?.shape === "openai-compatibility") out.push([kind.list.key, config.openaiCompatibility.length]);
  }
  return out.filter(([, n]) => n > 0);
}
