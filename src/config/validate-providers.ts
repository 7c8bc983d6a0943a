/**
 * Provider credential lists (config.md §3), OAuth model aliases and exclusions (§4) and payload rules (§5; all
 * config.md). Invalid entries are dropped with a warning naming the entry; wrong types are problems.
 */
import {
  providerKey,
  type Config,
  type ModelEntry,
  type OpenAICompat,
  type ProviderKey,
  type ThinkingSupport,
} from "./schema.js";
import { readBaseUrl, readProxyUrl, type KeyPath, type Reader } from "./reader.js";
import { apiKeyLists, listField, type ApiKeyList, type KindTable } from "./kinds.js";
import { isObject } from "../plain-object.js";

/** The provider-related part of a Config: each kind's list, and the OAuth and payload blocks. */
export type ProviderFields = Pick<
  Config,
  "openaiCompatibility" | "oauthModelAlias" | "oauthExcludedModels" | "payload"
> & {
  [apiKeyList: `${string}ApiKey`]: readonly ProviderKey[];
};

/** Reads every provider list the kinds table names, and the OAuth and payload blocks. */
export function readProviders(r: Reader, kinds: KindTable): ProviderFields {
  const out: ProviderFields = {
    openaiCompatibility: readCompatList(r),
    oauthModelAlias: readModelAlias(r),
    oauthExcludedModels: readExcludedMap(r),
    payload: readPayload(r),
  };
  for (const { list } of apiKeyLists(kinds)) out[listField(list.key)] = readKeyList(r, list);
  return out;
}

function readKeyList(r: Reader, list: ApiKeyList): ProviderKey[] {
  const out: ProviderKey[] = [];
  const n = r.list([list.key]);
  for (let i = 0; i < n; i++) {
    const path = [list.key, i];
    if (!isObject(r.raw(path))) {
      r.problem(path, "expected a mapping with api-key");
      continue;
    }
    const e = readKeyEntry(r, path, list);
    if (!e.apiKey) r.warn(path, "entry without api-key dropped");
    else if (list.requireBaseUrl && !e.baseUrl) r.warn(path, `entry without base-url dropped (${list.requireBaseUrl})`);
    else if (list.dedupe && out.some((o) => o.apiKey === e.apiKey && o.baseUrl === e.baseUrl))
      r.warn(path, "duplicate api-key and base-url dropped");
    else out.push(e);
  }
  for (const old of list.oldKeys ?? []) {
    const legacy = r.strings([old]);
    if (!legacy.length) continue;
    r.warn([old], `deprecated: write these keys as ${list.key} entries (- api-key: …)`);
    for (const k of legacy) if (!out.some((g) => g.apiKey === k && g.baseUrl === "")) out.push(providerKey(k));
  }
  return out;
}

function readKeyEntry(r: Reader, path: KeyPath, list: ApiKeyList): ProviderKey {
  const at = (k: string): KeyPath => [...path, k];
  for (const k of ["weight", "request-scoped-errors"]) r.ignored(at(k));
  for (const [k, why] of Object.entries(list.ignored ?? {})) r.ignored(at(k), why);
  const e = providerKey(r.str(at("api-key")), {
    baseUrl: readBaseUrl(r, at("base-url")),
    prefix: readPrefix(r, at("prefix")),
    priority: r.int(at("priority")),
    proxyUrl: readProxyUrl(r, at("proxy-url")),
    headers: r.stringMap(at("headers")),
    models: readModels(r, at("models"), list.modelsNeedAlias ?? false),
    excludedModels: readExcluded(r, at("excluded-models")),
    disableCooling: list.noDisableCooling ? false : r.bool(at("disable-cooling")),
  });
  return list.websockets && r.has(at("websockets")) ? { ...e, websockets: r.bool(at("websockets")) } : e;
}

/** Outer slashes trimmed; a prefix still containing `/` is discarded (config.md §3). */
function readPrefix(r: Reader, path: KeyPath): string {
  const p = r.str(path).replace(/^\/+|\/+$/g, "");
  if (!p.includes("/")) return p;
  r.warn(path, 'a prefix may not contain "/" (discarded)');
  return "";
}

/** `excluded-models`: trimmed, lower-cased, de-duplicated. */
function readExcluded(r: Reader, path: KeyPath): string[] {
  return [...new Set(r.strings(path).map((s) => s.toLowerCase()))];
}

function readModels(r: Reader, path: KeyPath, needAlias: boolean, pool = false): ModelEntry[] {
  const out: ModelEntry[] = [];
  const n = r.list(path);
  for (let i = 0; i < n; i++) {
    const p = [...path, i];
    if (!isObject(r.raw(p))) {
      r.problem(p, "expected a mapping with name and alias");
      continue;
    }
    const name = r.str([...p, "name"]);
    const alias = r.str([...p, "alias"]);
    let model: ModelEntry = { name, alias };
    if (pool) {
      if (r.has([...p, "image"])) model = { ...model, image: r.bool([...p, "image"]) };
      if (r.has([...p, "thinking"])) model = { ...model, thinking: readThinking(r, [...p, "thinking"]) };
    }
    if (!name || (needAlias && !alias))
      r.warn(p, needAlias ? "model without name or alias dropped" : "model without name dropped");
    else if (!pool && out.some((m) => (m.alias || m.name) === (alias || name)))
      r.warn(p, `alias ${JSON.stringify(alias || name)} already used: entry dropped`);
    else out.push(model);
  }
  return out;
}

function readThinking(r: Reader, path: KeyPath): ThinkingSupport {
  r.keys(path);
  const t: { -readonly [K in keyof ThinkingSupport]: ThinkingSupport[K] } = {};
  if (r.has([...path, "min"])) t.min = r.int([...path, "min"]);
  if (r.has([...path, "max"])) t.max = r.int([...path, "max"]);
  if (r.has([...path, "zero-allowed"])) t.zeroAllowed = r.bool([...path, "zero-allowed"]);
  if (r.has([...path, "dynamic-allowed"])) t.dynamicAllowed = r.bool([...path, "dynamic-allowed"]);
  if (r.has([...path, "levels"])) t.levels = r.strings([...path, "levels"], true).map((l) => l.toLowerCase());
  return t;
}

function readCompatList(r: Reader): OpenAICompat[] {
  const out: OpenAICompat[] = [];
  const n = r.list(["openai-compatibility"]);
  for (let i = 0; i < n; i++) {
    const path = ["openai-compatibility", i];
    const at = (k: string): KeyPath => [...path, k];
    if (!isObject(r.raw(path))) {
      r.problem(path, "expected a mapping with name and base-url");
      continue;
    }
    const apiKeyEntries: Array<{ apiKey: string; proxyUrl: string }> = [];
    const m = r.list(at("api-key-entries"));
    for (let j = 0; j < m; j++) {
      const p = [...path, "api-key-entries", j];
      if (!isObject(r.raw(p))) r.problem(p, "expected a mapping with api-key");
      else apiKeyEntries.push({ apiKey: r.str([...p, "api-key"]), proxyUrl: readProxyUrl(r, [...p, "proxy-url"]) });
    }
    const legacy = r.strings(at("api-keys"));
    if (legacy.length) {
      r.warnOnce(at("api-keys"), "legacy", "deprecated: write these keys as api-key-entries (- api-key: …)");
      for (const k of legacy) apiKeyEntries.push({ apiKey: k, proxyUrl: "" });
    }
    for (const k of ["weight", "request-scoped-errors"]) r.ignored(at(k));
    const compat: OpenAICompat = {
      name: r.str(at("name")),
      baseUrl: readBaseUrl(r, at("base-url")),
      apiKeyEntries,
      models: readModels(r, at("models"), false, true),
      prefix: readPrefix(r, at("prefix")),
      priority: r.int(at("priority")),
      headers: r.stringMap(at("headers")),
      disableCooling: r.bool(at("disable-cooling")),
      disabled: r.bool(at("disabled")),
      supportPromptCacheKey: r.bool(at("support-prompt-cache-key")),
    };
    if (!compat.baseUrl) r.warn(path, "entry without base-url dropped");
    else out.push(compat);
  }
  return out;
}

function readModelAlias(r: Reader): Config["oauthModelAlias"] {
  const out: Record<string, Array<{ name: string; alias: string; fork: boolean }>> = {};
  for (const channel of r.keys(["oauth-model-alias"])) {
    const list = (out[channel.trim().toLowerCase()] ??= []);
    const n = r.list(["oauth-model-alias", channel]);
    for (let i = 0; i < n; i++) {
      const p = ["oauth-model-alias", channel, i];
      if (!isObject(r.raw(p))) {
        r.problem(p, "expected a mapping with name and alias");
        continue;
      }
      const name = r.str([...p, "name"]);
      // No alias (or the name itself): the entry adds `name` as it is, when the catalogue lacks it (providers/oauth-pool.ts aliasedModels).
      const e = { name, alias: r.str([...p, "alias"]) || name, fork: r.bool([...p, "fork"]) };
      if (!e.name) r.warn(p, "entry with an empty name dropped");
      else if (list.some((x) => x.alias.toLowerCase() === e.alias.toLowerCase()))
        r.warn(p, `alias ${JSON.stringify(e.alias)} already used: entry dropped`);
      else list.push(e);
    }
  }
  return out;
}

function readExcludedMap(r: Reader): Config["oauthExcludedModels"] {
  const out: Record<string, string[]> = {};
  for (const provider of r.keys(["oauth-excluded-models"])) {
    const list = readExcluded(r, ["oauth-excluded-models", provider]);
    const key = provider.trim().toLowerCase();
    if (list.length) out[key] = [...new Set([...(out[key] ?? []), ...list])];
  }
  return out;
}

const PAYLOAD_LISTS = ["default", "default-raw", "override", "override-raw", "filter"] as const;

/** Payload rules, kept as written; raw rules whose values are not JSON text are dropped (config.md §5). */
function readPayload(r: Reader): unknown {
  if (!r.has(["payload"])) return undefined;
  const out: Record<string, unknown[]> = {};
  r.keys(["payload"]);
  for (const list of PAYLOAD_LISTS) {
    const rules: unknown[] = [];
    const n = r.list(["payload", list]);
    for (let i = 0; i < n; i++) {
      const p = ["payload", list, i];
      const rule = r.raw(p);
      if (!isObject(rule)) {
        r.problem(p, "expected a mapping with models and params");
        continue;
      }
      r.list([...p, "models"]);
      r.known([...p, "models"]);
      const params = [...p, "params"];
      if (list === "filter") r.strings(params);
      else r.keys(params);
      r.known(params);
      if (list.endsWith("-raw") && isObject(rule.params) && !Object.values(rule.params).every(isJsonText)) {
        r.warn(p, "a raw rule's values must be JSON text: rule dropped");
        continue;
      }
      rules.push(rule);
    }
    out[list] = rules;
  }
  return out;
}

function isJsonText(v: unknown): boolean {
  if (typeof v !== "string") return false;
  try {
    JSON.parse(v);
    return true;
  } catch {
    return false;
  }
}
