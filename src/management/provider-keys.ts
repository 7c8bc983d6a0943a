/**
 * Provider key lists (management.md §4.4): one endpoint per kind with a config list (`/gemini-api-key`,
 * `/claude-api-key`, `/codex-api-key`, `/vertex-api-key`, `/openai-compatibility`, and any kind added).
 * Bodies are normalised by the config loader itself (they are fed to it as a one-key document), so an entry accepted here reads back identically from
 * config.yaml, and one the loader would drop (a Codex key without base-url) is dropped here too.
 */
import { ConfigError, parseConfig } from "../config/load.js";
import type { Config, OpenAICompat, ProviderKey } from "../config/schema.js";
import { listField, type ApiKeyList, type KindTable } from "../config/kinds.js";
import { authIndex } from "../providers/credentials.js";
import type { App, Ctx, Handler } from "../server/handler.js";
import { originsByIdentity } from "./api-keys.js";
import { compatYaml, keyYaml } from "./config-json.js";
import { badRequest, indexOf, INVALID_BODY, notFound, ok, readList, readObject, reply } from "./http.js";
import { listEdits } from "./list-edit.js";
import { saveChange } from "./save.js";
import { isObject } from "../plain-object.js";

type Item = ProviderKey | OpenAICompat;
type Json = Record<string, unknown>;

/** One provider list: its YAML key, Config field, renderer and PATCH fields, from its kind's entry in the kinds table. */
export interface ProviderList {
  readonly key: string;
  readonly field: `${string}ApiKey` | "openaiCompatibility";
  yaml(item: Item): Json;
  /** Keys a PATCH `value` may set. */
  readonly patchable: readonly string[];
  /** The API-key list's rules (absent for openai-compatibility). */
  readonly rules?: ApiKeyList;
}

const KEY_FIELDS = [
  "api-key",
  "prefix",
  "base-url",
  "proxy-url",
  "headers",
  "excluded-models",
  "models",
  "priority",
  "disable-cooling",
];

const COMPAT_LIST: ProviderList = {
  key: "openai-compatibility",
  field: "openaiCompatibility",
  yaml: (i) => compatYaml(i as OpenAICompat),
  patchable: [
    "name",
    "prefix",
    "priority",
    "disabled",
    "base-url",
    "api-key-entries",
    "models",
    "headers",
    "disable-cooling",
    "support-prompt-cache-key",
  ],
};

/** The lists management edits: one per kind with a config list, in kinds-table order. */
export function providerLists(kinds: KindTable): ProviderList[] {
  return Object.values(kinds).flatMap((kind): ProviderList[] => {
    const rules = kind.list;
    if (rules?.shape === "openai-compatibility") return [COMPAT_LIST];
    if (rules?.shape !== "api-keys") return [];
    const patchable = KEY_FIELDS.filter((f) => !(f === "models" && rules.fixedModels));
    if (rules.websockets) patchable.push("websockets");
    return [{ key: rules.key, field: listField(rules.key), yaml: (i) => keyYaml(i as ProviderKey), patchable, rules }];
  });
}

const isCompat = (l: ProviderList) => l.field === "openaiCompatibility";

/** Items normalised exactly as config.yaml would load them; 400 naming the problem otherwise. */
export function normalise(list: ProviderList, items: readonly unknown[], app: App): Item[] {
  try {
    const { config } = parseConfig(JSON.stringify({ [list.key]: items }), {
      homeDir: app.homeDir,
      env: app.env,
      kinds: app.kinds,
    });
    return [...(config[list.field] ?? [])];
  } catch (err) {
    if (err instanceof ConfigError)
      throw badRequest(err.problems.map((p) => p.replace(/ at line \d+, column \d+/, "")).join("; "));
    throw err;
  }
}

function current(list: ProviderList, c: Config): readonly Item[] {
  return c[list.field] ?? [];
}

function save(
  ctx: Ctx,
  list: ProviderList,
  update: (items: readonly Item[]) => { items: Item[]; origin: Array<number | undefined> },
): Promise<void> {
  return saveChange(ctx.app, (config, fileText) => {
    const before = current(list, config);
    const { items, origin } = update(before);
    const edits = listEdits(fileText, list.key, before.map(list.yaml), items.map(list.yaml), origin);
    return { config: { ...config, [list.field]: items }, edits };
  });
}

/** GET: the list as YAML writes it, each API-key entry with its credential's `auth-index`. */
function getHandler(list: ProviderList): Handler {
  return async (_req, ctx) => {
    const creds = new Map(ctx.app.providers.credentials().map((c) => [c.id, c]));
    const out = current(list, ctx.app.config()).map((item, i) => {
      const y = list.yaml(item);
      const cred = creds.get(`${list.key}[${i}]`);
      return cred && !isCompat(list) ? { ...y, "auth-index": authIndex(cred) } : y;
    });
    reply(ctx, 200, { [list.key]: out });
  };
}

/** PUT: replaces the list. */
function putHandler(list: ProviderList): Handler {
  return async (req, ctx) => {
    const raw = await readList(req);
    raw.forEach((e, i) => {
      if (!isObject(e)) throw badRequest(INVALID_BODY);
      if (list.rules?.putNeedsKey && (typeof e["api-key"] !== "string" || e["api-key"].trim() === ""))
        throw badRequest(`${list.key}[${i}].api-key is required`);
    });
    const items = normalise(list, raw, ctx.app);
    await save(ctx, list, (before) => ({
      items,
      origin: originsByIdentity(before.map(list.yaml), items.map(list.yaml)),
    }));
    ok(ctx);
  };
}

function findIndex(list: ProviderList, items: readonly Item[], body: Json): number {
  const index = indexOf(body.index);
  if (index !== undefined) return index < items.length ? index : -1;
  const sel = isCompat(list) ? body.name : body.match;
  if (typeof sel !== "string" || sel.trim() === "") throw badRequest(INVALID_BODY);
  const want = sel.trim();
  return items.findIndex((e) =>
    isCompat(list)
      ? (e as OpenAICompat).name.trim().toLowerCase() === want.toLowerCase()
      : (e as ProviderKey).apiKey.trim() === want,
  );
}

/** PATCH: `{"index"|"match" (name for openai-compatibility), "value": {partial}}`. */
function patchHandler(list: ProviderList): Handler {
  return async (req, ctx) => {
    const body = await readObject(req);
    if (!isObject(body.value)) throw badRequest(INVALID_BODY);
    const partial = body.value;
    const i = findIndex(list, current(list, ctx.app.config()), body);
    if (i < 0) throw notFound("item not found");
    const target = current(list, ctx.app.config())[i];
    const merged: Json = list.yaml(target);
    for (const f of list.patchable) {
      if (!(f in partial)) continue;
      if (partial[f] === null) delete merged[f];
      else merged[f] = typeof partial[f] === "string" ? (partial[f] as string).trim() : partial[f];
    }
    // Gemini: an empty api-key deletes the entry; openai-compatibility: an empty base-url does.
    const deletes = isCompat(list)
      ? merged["base-url"] === ""
      : list.rules?.emptyKeyDeletes === true && merged["api-key"] === "";
    const [replacement] = deletes ? [] : normalise(list, [merged], ctx.app);
    await save(ctx, list, (items) => {
      const at = items.indexOf(target);
      if (at < 0) throw notFound("item not found"); // replaced by a concurrent change
      const next = items.flatMap((e, n) => (n !== at ? [e] : replacement ? [replacement] : []));
      return { items: next, origin: items.map((_, n) => n).filter((n) => n !== at || replacement !== undefined) };
    });
    ok(ctx);
  };
}

/** DELETE: `?api-key=k[&base-url=u]` or `?index=i` (`?name=n` or `?index=i` for openai-compatibility). */
function deleteHandler(list: ProviderList): Handler {
  return async (_req, ctx) => {
    const q = ctx.url.searchParams;
    const items = current(list, ctx.app.config());
    let at: number;
    if (q.has("index")) {
      at = indexOf(q.get("index")) ?? -1;
      if (at >= items.length) at = -1;
    } else if (isCompat(list) && q.has("name")) {
      at = findIndex(list, items, { name: q.get("name") });
    } else if (!isCompat(list) && q.has("api-key")) {
      const key = (q.get("api-key") ?? "").trim(); // q.has("api-key") above
      const base = q.get("base-url")?.trim();
      const hits = items
        .map((e, n) => n)
        .filter((n) => {
          const e = items[n] as ProviderKey;
          return e.apiKey.trim() === key && (base === undefined || e.baseUrl.trim() === base);
        });
      if (hits.length > 1 && base === undefined) throw badRequest("multiple items match api-key; base-url is required");
      at = hits[0] ?? -1;
    } else throw badRequest(isCompat(list) ? "missing name or index" : "missing api-key or index");
    if (at < 0) throw notFound("item not found");
    const target = items[at];
    await save(ctx, list, (now) => {
      const n = now.indexOf(target);
      if (n < 0) throw notFound("item not found");
      const keep = now.map((_, k) => k).filter((k) => k !== n);
      return { items: keep.map((k) => now[k]), origin: keep };
    });
    ok(ctx);
  };
}

/** GET/PUT/PATCH/DELETE handlers of one provider list. */
export function providerListHandlers(list: ProviderList): { get: Handler; put: Handler; patch: Handler; del: Handler } {
  return { get: getHandler(list), put: putHandler(list), patch: patchHandler(list), del: deleteHandler(list) };
}
