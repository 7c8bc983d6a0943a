/**
 * The two per-provider maps of token-file routing (management.md §4.4): `/oauth-excluded-models` (provider → model
 * patterns) and `/oauth-model-alias` (channel → `[{name, alias, fork}]`). PUT takes the map bare or as `{"items":
 * map}`; PATCH sets one provider (an empty list deletes it); DELETE takes `?provider=` (or `?channel=`). Values are
 * normalised by the config loader, as a file would be.
 */
import { ConfigError, parseConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { App, Handler } from "../server/handler.js";
import { badRequest, INVALID_BODY, notFound, ok, readJsonBody, reply } from "./http.js";
import { saveChange } from "./save.js";
import { isObject } from "../plain-object.js";

type MapField = "oauthExcludedModels" | "oauthModelAlias";

/** One of the two maps: YAML key, Config field, how GET and the file spell a value, and the PATCH list key. */
interface OAuthMap {
  readonly key: string;
  readonly field: MapField;
  readonly listKey: "models" | "aliases";
  readonly missing: string;
  yaml(v: Config[MapField][string]): unknown;
}

const EXCLUDED: OAuthMap = {
  key: "oauth-excluded-models",
  field: "oauthExcludedModels",
  listKey: "models",
  missing: "provider",
  yaml: (v) => [...(v as readonly string[])],
};

const ALIAS: OAuthMap = {
  key: "oauth-model-alias",
  field: "oauthModelAlias",
  listKey: "aliases",
  missing: "channel",
  yaml: (v) =>
    (v as Config["oauthModelAlias"][string]).map((a) =>
      a.fork ? { name: a.name, alias: a.alias, fork: true } : { name: a.name, alias: a.alias },
    ),
};

function yamlMap(m: OAuthMap, value: Config[MapField]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, m.yaml(v)]));
}

/** The map normalised as config.yaml would load it; 400 naming the problem otherwise. */
function normalise(m: OAuthMap, map: Record<string, unknown>, app: App): Config[MapField] {
  try {
    return parseConfig(JSON.stringify({ [m.key]: map }), { homeDir: app.homeDir, env: app.env, kinds: app.kinds })
      .config[m.field];
  } catch (err) {
    if (err instanceof ConfigError)
      throw badRequest(err.problems.map((p) => p.replace(/ at line \d+, column \d+/, "")).join("; "));
    throw err;
  }
}

function save(app: App, m: OAuthMap, next: Config[MapField], provider?: string): Promise<void> {
  return saveChange(app, (current) => {
    const edits =
      provider === undefined
        ? [{ path: [m.key], value: yamlMap(m, next) }]
        : [{ path: [m.key, provider], value: next[provider] === undefined ? undefined : m.yaml(next[provider]) }];
    return { config: { ...current, [m.field]: next }, edits };
  });
}

function handlers(m: OAuthMap): { get: Handler; put: Handler; patch: Handler; del: Handler } {
  const notThere = () => notFound(`${m.missing} not found`);
  return {
    get: async (_req, ctx) => reply(ctx, 200, { [m.key]: yamlMap(m, ctx.app.config()[m.field]) }),
    put: async (req, ctx) => {
      const body = await readJsonBody(req);
      if (!body || !isObject(body.value)) throw badRequest(INVALID_BODY);
      const map = isObject(body.value.items) ? body.value.items : body.value;
      await save(ctx.app, m, normalise(m, map, ctx.app));
      ok(ctx);
    },
    patch: async (req, ctx) => {
      const body = await readJsonBody(req);
      if (!body || !isObject(body.value)) throw badRequest(INVALID_BODY);
      const b = body.value;
      const raw = m === ALIAS ? (b.channel ?? b.provider) : b.provider;
      if (typeof raw !== "string") throw badRequest(INVALID_BODY);
      const provider = raw.trim().toLowerCase();
      if (provider === "") throw badRequest(`invalid ${m.missing}`);
      const list = b[m.listKey] ?? [];
      if (!Array.isArray(list)) throw badRequest(INVALID_BODY);
      const normalised = normalise(m, { [provider]: list }, ctx.app)[provider] ?? [];
      const current = ctx.app.config()[m.field];
      if (normalised.length === 0 && current[provider] === undefined) throw notThere();
      const next = { ...current };
      if (normalised.length === 0) delete next[provider];
      else next[provider] = normalised as never;
      await save(ctx.app, m, next, provider);
      ok(ctx);
    },
    del: async (_req, ctx) => {
      const q = ctx.url.searchParams;
      const provider = ((m === ALIAS ? q.get("channel")?.trim() || q.get("provider") : q.get("provider")) ?? "")
        .trim()
        .toLowerCase();
      if (provider === "") throw badRequest(`missing ${m.missing}`);
      const current = ctx.app.config()[m.field];
      if (current[provider] === undefined) throw notThere();
      const next = { ...current };
      delete next[provider];
      await save(ctx.app, m, next, provider);
      ok(ctx);
    },
  };
}

/** `/oauth-excluded-models` handlers. */
export const OAUTH_EXCLUDED = handlers(EXCLUDED);
/** `/oauth-model-alias` handlers. */
export const OAUTH_ALIAS = handlers(ALIAS);
