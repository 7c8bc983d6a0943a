/**
 * Config → Credential[] (config.md §3). Each credential carries its served-model map, built here once per
 * reload, so routing is a map lookup: catalog or own `models`, minus `excluded-models`, plus `prefix/` forms.
 */
import { createHash } from "node:crypto";
import type { Config, ModelEntry } from "../config/schema.js";
import { keyEntries, type ApiKeyList, type KindTable } from "../config/kinds.js";
import { maskKey } from "../log/redact.js";
import { catalogFor } from "./catalog.js";
import type { Credential, ModelSource } from "./types.js";

/** Everything needed to build one credential; token-file loaders use this too. */
export interface CredentialSpec {
  id: string;
  provider: string;
  kind: string;
  apiKey: string;
  /** Upstream root (the kind's default is applied by the caller: config lists in credentialsFromConfig, token files in oauth-pool.ts). */
  baseUrl?: string;
  proxyUrl?: string;
  headers?: Readonly<Record<string, string>>;
  priority?: number;
  prefix?: string;
  disableCooling?: boolean;
  /** Non-empty replaces the catalog; a repeated alias makes a pool only when `pools` is set. `source` default "config". */
  models?: ReadonlyArray<ModelEntry & { readonly source?: ModelSource }>;
  /** Repeated aliases build a pool (openai-compatibility) instead of first-wins. */
  pools?: boolean;
  excludedModels?: readonly string[];
  /** Label override (e.g. an OAuth email); default is the id plus the masked key. */
  label?: string;
  /**
   * What makes the routing state (cooldowns) this credential's: default the key itself; token files pass
   * their file id so a refreshed access token keeps the state.
   */
  identity?: string;
  /** Per-credential `request-retry` (token files); default the global one. */
  requestRetry?: number;
}

/** A case-insensitive wildcard test: `*` is any run of characters, no `*` means exact (config.md §3). */
export function matchesWildcard(pattern: string, id: string): boolean {
  const p = pattern.trim().toLowerCase();
  const s = id.toLowerCase();
  if (!p.includes("*")) return p === s;
  const parts = p.split("*");
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i === 0) {
      if (!s.startsWith(part)) return false;
      pos = part.length;
    } else if (i === parts.length - 1) {
      return s.length - part.length >= pos && s.endsWith(part);
    } else {
      const at = s.indexOf(part, pos);
      if (at < 0) return false;
      pos = at + part.length;
    }
  }
  return true;
}

/** Normalises a prefix: outer slashes trimmed; a prefix still containing "/" is discarded (config.md §3). */
export function normalisePrefix(prefix: string): string {
  const p = prefix.trim().replace(/^\/+|\/+$/g, "");
  return p.includes("/") ? "" : p;
}

/** Builds one credential with its served-model map. */
export function buildCredential(spec: CredentialSpec, forceModelPrefix: boolean): Credential {
  const prefix = normalisePrefix(spec.prefix ?? "");
  const excluded = spec.excludedModels ?? [];
  const served = new Map<string, string[]>();
  const entries: Array<ModelEntry & { source: ModelSource }> = spec.models?.length
    ? spec.models
        .filter((e) => e.name.trim() !== "")
        .map((e) => ({ name: e.name.trim(), alias: e.alias.trim() || e.name.trim(), source: e.source ?? "config" }))
    : spec.kind === "openai-compat"
      ? []
      : catalogFor(spec.provider).map((c) => ({ name: c.id, alias: c.id, source: "catalogue" as const }));
  const sources = new Map<string, ModelSource>();
  for (const e of entries) {
    if (excluded.some((p) => matchesWildcard(p, e.alias))) continue;
    if (e.source !== "catalogue") {
      sources.set(e.alias, e.source);
      if (prefix) sources.set(`${prefix}/${e.alias}`, e.source);
    }
    const names = served.get(e.alias);
    if (!names) served.set(e.alias, [e.name]);
    else if (spec.pools && !names.includes(e.name)) names.push(e.name);
  }
  const models = new Map<string, readonly string[]>();
  for (const [id, names] of served) {
    if (!(prefix && forceModelPrefix)) models.set(id, names);
    if (prefix) models.set(`${prefix}/${id}`, names);
  }
  const baseUrl = (spec.baseUrl?.trim() ?? "").replace(/\/+$/, "");
  const cred: Credential = Object.freeze({
    id: spec.id,
    provider: spec.provider,
    kind: spec.kind,
    label: spec.label ?? (spec.apiKey ? `${spec.id} (${maskKey(spec.apiKey)})` : spec.id),
    apiKey: spec.apiKey,
    baseUrl,
    proxyUrl: spec.proxyUrl ?? "",
    headers: spec.headers ?? {},
    priority: spec.priority ?? 0,
    prefix,
    disableCooling: spec.disableCooling ?? false,
    catalogExclusions: spec.models?.length || spec.kind === "openai-compat" ? undefined : excluded,
    models,
    ...(sources.size ? { sources } : {}),
  });
  STATE_KEYS.set(cred, identityHash(cred.provider, cred.baseUrl, spec.identity ?? spec.apiKey));
  if (spec.requestRetry !== undefined) RETRY_OVERRIDES.set(cred, Math.max(0, spec.requestRetry));
  return cred;
}

function identityHash(provider: string, baseUrl: string, identity: string): string {
  return createHash("sha256").update(`${provider}\0${baseUrl}\0${identity}`).digest("hex").slice(0, 24);
}

// Credentials are frozen, so the state key is computed once per object (conduct asks on every pick).
const STATE_KEYS = new WeakMap<Credential, string>();
// Kept beside the shared Credential contract rather than in it: only routing reads it.
const RETRY_OVERRIDES = new WeakMap<Credential, number>();

/** A credential's `request-retry`: its own override, else the global value (providers.md §4.4). */
export function requestRetryOf(cred: Credential, global: number): number {
  return RETRY_OVERRIDES.get(cred) ?? Math.max(0, global);
}

/** A short, stable, non-secret index of a credential (management `auth-index`: 16 hex). */
export function authIndex(cred: Pick<Credential, "provider" | "apiKey" | "baseUrl" | "id">): string {
  return createHash("sha256")
    .update(`${cred.provider}\0${cred.id}\0${cred.baseUrl}\0${cred.apiKey}`)
    .digest("hex")
    .slice(0, 16);
}

/**
 * Key of a credential's routing state: the upstream identity (provider, root, key or token-file id), not
 * the list position, so cooldowns survive reloads that reorder entries, and two entries with one key
 * share one quota.
 */
export function stateKey(cred: Credential): string {
  let key = STATE_KEYS.get(cred);
  if (key === undefined) STATE_KEYS.set(cred, (key = identityHash(cred.provider, cred.baseUrl, cred.apiKey)));
  return key;
}

/** A warning about a config entry that was dropped; the caller logs it. */
export interface CredentialWarning {
  readonly message: string;
}

function fromKeyList(
  id: string,
  provider: string,
  list: ApiKeyList,
  config: Config,
  out: Credential[],
  warnings: CredentialWarning[],
): void {
  const seen = new Set<string>();
  keyEntries(config, list).forEach((k, i) => {
    const apiKey = k.apiKey.trim();
    if (!apiKey) return;
    if (list.requireBaseUrl && !k.baseUrl.trim()) {
      warnings.push({ message: `Skipped ${list.key}[${i}]: base-url is required for API keys` });
      return;
    }
    if (list.dedupe) {
      const dedupeKey = `${apiKey}|${k.baseUrl.trim()}`;
      if (seen.has(dedupeKey)) return;
      seen.add(dedupeKey);
    }
    out.push(
      buildCredential(
        {
          id: `${list.key}[${i}]`,
          provider,
          kind: id,
          apiKey,
          // Default roots (providers.md §2) are the list's; token files get theirs from oauth-pool.ts.
          baseUrl: k.baseUrl.trim() || list.defaultBaseUrl,
          proxyUrl: k.proxyUrl,
          headers: k.headers,
          priority: k.priority,
          prefix: k.prefix,
          disableCooling: list.noDisableCooling ? false : k.disableCooling,
          models: k.models,
          excludedModels: k.excludedModels,
        },
        config.forceModelPrefix,
      ),
    );
  });
}

/** Every API-key credential in a config, in kinds-table then config order, plus warnings for entries that were dropped. */
export function credentialsFromConfig(
  config: Config,
  kinds: KindTable,
): { credentials: Credential[]; warnings: CredentialWarning[] } {
  const out: Credential[] = [];
  const warnings: CredentialWarning[] = [];
  for (const [id, kind] of Object.entries(kinds)) {
    if (kind.list?.shape === "api-keys") fromKeyList(id, kind.provider, kind.list, config, out, warnings);
    else if (kind.list?.shape === "openai-compatibility") fromCompat(id, kind.provider, config, out, warnings);
  }
  return { credentials: out, warnings };
}

/** openai-compatibility: each entry's name is its provider (`fallback` when unnamed), one credential per key. */
function fromCompat(
  kind: string,
  fallback: string,
  config: Config,
  out: Credential[],
  warnings: CredentialWarning[],
): void {
  config.openaiCompatibility.forEach((entry, i) => {
    const provider = entry.name.trim().toLowerCase() || fallback;
    if (!entry.baseUrl.trim()) {
      warnings.push({ message: `Skipped openai-compatibility[${i}] "${provider}": base-url is required` });
      return;
    }
    const keys = entry.apiKeyEntries.length ? entry.apiKeyEntries : [{ apiKey: "", proxyUrl: "" }];
    keys.forEach((k, j) => {
      out.push(
        buildCredential(
          {
            id: `openai-compatibility[${provider}][${j}]`,
            provider,
            kind,
            apiKey: k.apiKey.trim(),
            baseUrl: entry.baseUrl,
            proxyUrl: k.proxyUrl,
            headers: entry.headers,
            priority: entry.priority,
            prefix: entry.prefix,
            disableCooling: entry.disableCooling,
            models: entry.models,
            pools: true,
          },
          config.forceModelPrefix,
        ),
      );
    });
  });
}
