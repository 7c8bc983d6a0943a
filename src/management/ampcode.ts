/**
 * The /v0/management/ampcode endpoints (amp.md §6, rules MG-1..MG-6): read and change the `ampcode` block, persisted to
 * config.yaml, plus cliproxy's `model-fallback` setting and the `explain` dry run.
 */
import type { IncomingMessage } from "node:http";
import { DEFAULT_AMP, type AmpConfig, type AmpModelMapping, type Config } from "../config/schema.js";
import { decide, explainDecision, lookupOf } from "../amp/decide.js";
import { readBody } from "../server/body.js";
import type { Ctx, Handler } from "../server/handler.js";
import { badRequest, INVALID_BODY, MANAGEMENT_BODY_LIMIT, ok, readJsonBody, readValue, reply } from "./http.js";
import { saveChange, type ConfigEdit } from "./save.js";
import { urlSetting } from "./settings.js";
import { isObject } from "../plain-object.js";

type UpstreamKeys = AmpConfig["upstreamApiKeys"];

export { MANAGEMENT_BODY_LIMIT };

/** `10m`, `30s`, `1h`, `250ms`: the way config.yaml writes durations. */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Mapping objects as YAML/JSON show them: `regex` only when true (amp.md MG-3). */
export function mappingsJson(list: readonly AmpModelMapping[]): Array<Record<string, unknown>> {
  return list.map((m) => (m.regex ? { from: m.from, to: m.to, regex: true } : { from: m.from, to: m.to }));
}

function keysJson(list: UpstreamKeys): Array<Record<string, unknown>> {
  return list.map((e) => ({ "upstream-api-key": e.upstreamApiKey, "api-keys": [...e.apiKeys] }));
}

/** The whole `ampcode` section as GET /ampcode shows it (amp.md MG-3): effective values, defaults included. */
export function ampJson(amp: AmpConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { "upstream-url": amp.upstreamUrl, "upstream-api-key": amp.upstreamApiKey };
  if (amp.upstreamApiKeys.length > 0) out["upstream-api-keys"] = keysJson(amp.upstreamApiKeys);
  out["restrict-management-to-localhost"] = amp.restrictManagementToLocalhost;
  out["model-mappings"] = mappingsJson(amp.modelMappings);
  out["force-model-mappings"] = amp.forceModelMappings;
  out["model-fallback"] = amp.modelFallback;
  out["upstream-timeout"] = formatDuration(amp.upstreamTimeoutMs);
  return out;
}

const LEGACY = /^amp-(upstream-url|upstream-api-key|restrict-management-to-localhost|model-mappings)\s*:/m;
const OLD_FORCE = /^[ \t]+prioritize-model-mappings\s*:/m;

/**
 * The file edits for a new `ampcode` block: the changed keys, plus the effective values of fields the file still spells
 * the old way, whose old keys are then removed.
 */
export function ampEdits(amp: AmpConfig, changed: readonly string[], fileText: string): ConfigEdit[] {
  const yaml: Record<string, unknown> = {
    "upstream-url": amp.upstreamUrl,
    "upstream-api-key": amp.upstreamApiKey,
    "upstream-api-keys": keysJson(amp.upstreamApiKeys),
    "restrict-management-to-localhost": amp.restrictManagementToLocalhost,
    "force-model-mappings": amp.forceModelMappings,
    "model-mappings": mappingsJson(amp.modelMappings),
    "model-fallback": amp.modelFallback,
  };
  const keys = new Set(changed);
  const edits: ConfigEdit[] = [];
  if (LEGACY.test(fileText)) {
    for (const k of ["upstream-url", "upstream-api-key", "restrict-management-to-localhost", "model-mappings"]) {
      keys.add(k);
      edits.push({ path: [`amp-${k}`], value: undefined });
    }
  }
  if (OLD_FORCE.test(fileText)) {
    keys.add("force-model-mappings");
    edits.push({ path: ["ampcode", "prioritize-model-mappings"], value: undefined });
  }
  return [...[...keys].map((k) => ({ path: ["ampcode", k], value: yaml[k] })), ...edits];
}

/** Saves a new `ampcode` block computed from the current one. */
function saveAmp(ctx: Ctx, changed: readonly string[], update: (amp: AmpConfig) => AmpConfig): Promise<void> {
  return saveChange(ctx.app, (current: Config, fileText: string) => {
    const ampcode = update(current.ampcode ?? DEFAULT_AMP);
    return { config: { ...current, ampcode }, edits: ampEdits(ampcode, changed, fileText) };
  });
}

/** A scalar setting: its JSON/YAML name, how to read it, and how to validate a new value. */
interface Scalar<T> {
  readonly key: string;
  get(a: AmpConfig): T;
  with(a: AmpConfig, v: T): AmpConfig;
  /** The accepted value, or undefined when mistyped. */
  parse(v: unknown): T | undefined;
}

const str = (v: unknown) => (typeof v === "string" ? v.trim() : undefined);
const bool = (v: unknown) => (typeof v === "boolean" ? v : undefined);

const UPSTREAM_URL: Scalar<string> = {
  key: "upstream-url",
  get: (a) => a.upstreamUrl,
  with: (a, v) => ({ ...a, upstreamUrl: v }),
  parse: urlSetting("ampcode.upstream-url", "http"),
};
const UPSTREAM_KEY: Scalar<string> = {
  key: "upstream-api-key",
  get: (a) => a.upstreamApiKey,
  with: (a, v) => ({ ...a, upstreamApiKey: v }),
  parse: str,
};
const RESTRICT: Scalar<boolean> = {
  key: "restrict-management-to-localhost",
  get: (a) => a.restrictManagementToLocalhost,
  with: (a, v) => ({ ...a, restrictManagementToLocalhost: v }),
  parse: bool,
};
const FORCE: Scalar<boolean> = {
  key: "force-model-mappings",
  get: (a) => a.forceModelMappings,
  with: (a, v) => ({ ...a, forceModelMappings: v }),
  parse: bool,
};
const FALLBACK: Scalar<"upstream" | "deny"> = {
  key: "model-fallback",
  get: (a) => a.modelFallback,
  with: (a, v) => ({ ...a, modelFallback: v }),
  parse: (v) => (v === "upstream" || v === "deny" ? v : undefined),
};

/** Handlers of one scalar endpoint; DELETE exists for the string settings, which it empties. */
export interface ScalarHandlers {
  readonly get: Handler;
  readonly put: Handler;
  readonly del?: Handler;
}

/** GET, PUT/PATCH and, when `empty` is given, DELETE handlers of a scalar; `name` is the JSON key of GET. */
function scalarHandlers<T>(s: Scalar<T>, options: { name?: string; empty?: T } = {}): ScalarHandlers {
  const name = options.name ?? s.key;
  const get: Handler = async (_req, ctx) => reply(ctx, 200, { [name]: s.get(ctx.app.config().ampcode) });
  const put: Handler = async (req, ctx) => {
    const v = s.parse(await readValue(req));
    if (v === undefined) throw badRequest(INVALID_BODY);
    await saveAmp(ctx, [s.key], (a) => s.with(a, v));
    ok(ctx);
  };
  const empty = options.empty;
  if (empty === undefined) return { get, put };
  const del: Handler = async (_req, ctx) => {
    await saveAmp(ctx, [s.key], (a) => s.with(a, empty));
    ok(ctx);
  };
  return { get, put, del };
}

/** Scalar endpoints: PUT and PATCH alike, 400 without a non-null `value` (amp.md MG-1); `prioritize` is the old
 * name kept as an alias of force-model-mappings (MG-6). */
export const SCALARS = {
  upstreamUrl: scalarHandlers(UPSTREAM_URL, { empty: "" }),
  upstreamApiKey: scalarHandlers(UPSTREAM_KEY, { empty: "" }),
  restrict: scalarHandlers(RESTRICT),
  force: scalarHandlers(FORCE),
  prioritize: scalarHandlers(FORCE, { name: "prioritize-model-mappings" }),
  fallback: scalarHandlers(FALLBACK),
};

/** GET /ampcode: the whole section. */
export const getAmpcode: Handler = async (_req, ctx) => reply(ctx, 200, { ampcode: ampJson(ctx.app.config().ampcode) });

function parseMappings(v: unknown): AmpModelMapping[] {
  if (!Array.isArray(v)) throw badRequest(INVALID_BODY);
  return v.map((m) => {
    if (!isObject(m)) throw badRequest(INVALID_BODY);
    const { from = "", to = "", regex = false } = m;
    if (typeof from !== "string" || typeof to !== "string" || typeof regex !== "boolean")
      throw badRequest(INVALID_BODY);
    return { from, to, regex };
  });
}

/** GET, PUT, PATCH and DELETE of one list setting. */
export interface ListHandlers {
  readonly get: Handler;
  readonly put: Handler;
  readonly patch: Handler;
  readonly del: Handler;
}

/** Model-mapping endpoints: PUT replaces as given, PATCH upserts by trimmed `from`, DELETE by `from` (amp.md MG-4). */
export const MODEL_MAPPINGS: ListHandlers = {
  get: async (_req, ctx) => reply(ctx, 200, { "model-mappings": mappingsJson(ctx.app.config().ampcode.modelMappings) }),
  put: async (req, ctx) => {
    const list = parseMappings(await readValue(req));
    await saveAmp(ctx, ["model-mappings"], (a) => ({ ...a, modelMappings: list }));
    ok(ctx);
  },
  patch: async (req, ctx) => {
    const items = parseMappings(await readValue(req));
    await saveAmp(ctx, ["model-mappings"], (a) => {
      const out = [...a.modelMappings];
      for (const m of items) {
        const i = out.findIndex((e) => e.from.trim() === m.from.trim());
        if (i >= 0) out[i] = m;
        else out.push(m);
      }
      return { ...a, modelMappings: out };
    });
    ok(ctx);
  },
  del: async (req, ctx) => {
    const raw = await readBody(req, MANAGEMENT_BODY_LIMIT, { decode: true });
    let names: string[] = [];
    if (raw.toString("utf8").trim() !== "") {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw badRequest(INVALID_BODY);
      }
      if (!isObject(body)) throw badRequest(INVALID_BODY);
      const v = body.value;
      if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((n) => typeof n !== "string")))
        throw badRequest(INVALID_BODY);
      names = ((v ?? []) as string[]).map((n) => n.trim());
    }
    const drop = new Set(names);
    await saveAmp(ctx, ["model-mappings"], (a) => ({
      ...a,
      modelMappings: drop.size === 0 ? [] : a.modelMappings.filter((m) => !drop.has(m.from.trim())),
    }));
    ok(ctx);
  },
};

/**
 * Upstream-key map normalisation (amp.md CFG-3): trimmed keys, entries without an upstream key and blank client keys
 * dropped.
 */
export function normaliseKeys(v: unknown): UpstreamKeys {
  if (!Array.isArray(v)) throw badRequest(INVALID_BODY);
  const out: Array<{ upstreamApiKey: string; apiKeys: string[] }> = [];
  for (const e of v) {
    if (!isObject(e)) throw badRequest(INVALID_BODY);
    const key = e["upstream-api-key"] ?? "";
    const clients = e["api-keys"] ?? [];
    if (typeof key !== "string" || !Array.isArray(clients) || clients.some((c) => typeof c !== "string"))
      throw badRequest(INVALID_BODY);
    if (key.trim() === "") continue;
    out.push({
      upstreamApiKey: key.trim(),
      apiKeys: (clients as string[]).map((c) => c.trim()).filter((c) => c !== ""),
    });
  }
  return out;
}

/**
 * Upstream-key mapping endpoints: PUT replaces and PATCH upserts by trimmed upstream key, both normalised (amp.md
 * MG-5).
 */
export const UPSTREAM_KEYS: ListHandlers = {
  get: async (_req, ctx) =>
    reply(ctx, 200, { "upstream-api-keys": keysJson(ctx.app.config().ampcode.upstreamApiKeys) }),
  put: async (req, ctx) => {
    const list = normaliseKeys(await readValue(req));
    await saveAmp(ctx, ["upstream-api-keys"], (a) => ({ ...a, upstreamApiKeys: list }));
    ok(ctx);
  },
  patch: async (req, ctx) => {
    const items = normaliseKeys(await readValue(req));
    await saveAmp(ctx, ["upstream-api-keys"], (a) => {
      const out = [...a.upstreamApiKeys];
      for (const e of items) {
        const i = out.findIndex((x) => x.upstreamApiKey.trim() === e.upstreamApiKey);
        if (i >= 0) out[i] = e;
        else out.push(e);
      }
      return { ...a, upstreamApiKeys: out };
    });
    ok(ctx);
  },
  del: async (req, ctx) => {
    const body = await readJsonBody(req);
    if (!body || !isObject(body.value)) throw badRequest(INVALID_BODY);
    const v = body.value.value;
    if (v === undefined || v === null) throw badRequest("missing value");
    if (!Array.isArray(v) || v.some((n) => typeof n !== "string")) throw badRequest(INVALID_BODY);
    const names = (v as string[]).map((n) => n.trim());
    if (names.length > 0 && names.every((n) => n === "")) throw badRequest("empty value");
    const drop = new Set(names.filter((n) => n !== ""));
    await saveAmp(ctx, ["upstream-api-keys"], (a) => ({
      ...a,
      upstreamApiKeys: names.length === 0 ? [] : a.upstreamApiKeys.filter((e) => !drop.has(e.upstreamApiKey.trim())),
    }));
    ok(ctx);
  },
};

/** GET /ampcode/explain?model=…: the routing decision for a model, computed without sending anything. */
export const explain: Handler = async (_req, ctx) => {
  const model = ctx.url.searchParams.get("model")?.trim() ?? "";
  if (model === "") throw badRequest("missing model: call /v0/management/ampcode/explain?model=<name>");
  reply(ctx, 200, explainDecision(decide(model, ctx.app.config(), lookupOf(ctx.app))));
};
