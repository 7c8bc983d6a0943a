/**
 * Scalar settings (management.md §4.2): `GET` answers `{"<name>": value}`, `PUT` and `PATCH` take
 * `{"value": <typed>}` (anything else → 400 invalid body), `DELETE` clears the string ones. Each write
 * changes the running config and that one line of config.yaml.
 */
import { DEFAULT_CONFIG, type Config } from "../config/schema.js";
import { urlProblem } from "../config/reader.js";
import type { YamlPath } from "../config/yaml.js";
import type { Handler } from "../server/handler.js";
import { badRequest, INVALID_BODY, ok, readValue, reply } from "./http.js";
import { scalarEdits } from "./list-edit.js";
import { saveChange } from "./save.js";

/** One scalar setting: its endpoint, GET key, YAML path, accessors and value check. */
export interface Setting<T> {
  readonly path: string;
  readonly name: string;
  readonly yaml: YamlPath;
  get(c: Config): T;
  with(c: Config, v: T): Config;
  /** The accepted value, `undefined` when mistyped; may throw a specific 400. */
  parse(v: unknown): T | undefined;
  /** Present for settings DELETE resets to this value. */
  readonly cleared?: T;
}

const bool = (v: unknown) => (typeof v === "boolean" ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v.trim() : undefined);
const int = (min: number, below: number) => (v: unknown) =>
  typeof v === "number" && Number.isInteger(v) ? (v < min ? below : v) : undefined;

/** A string setting holding a URL: one that cannot work is refused with a 400 naming the key, never saved. */
export function urlSetting(key: string, kind: "http" | "proxy"): (v: unknown) => string | undefined {
  return (v) => {
    const s = str(v);
    const problem = s === undefined ? undefined : urlProblem(s, kind);
    if (problem !== undefined) throw badRequest(`${key}: ${problem}`);
    return s;
  };
}

/** `routing/strategy` values and their aliases (management.md §4.2). */
export function parseStrategy(v: unknown): "round-robin" | "fill-first" | undefined {
  if (typeof v !== "string") return undefined;
  const s = v.trim().toLowerCase();
  if (["", "round-robin", "roundrobin", "rr"].includes(s)) return "round-robin";
  if (["fill-first", "fillfirst", "ff"].includes(s)) return "fill-first";
  throw badRequest("invalid strategy");
}

function top<K extends keyof Config>(
  path: string,
  field: K,
  parse: (v: unknown) => Config[K] | undefined,
  cleared?: Config[K],
): Setting<Config[K]> {
  return {
    path,
    name: path.slice(1),
    yaml: [path.slice(1)],
    get: (c) => c[field],
    with: (c, v) => ({ ...c, [field]: v }),
    parse,
    cleared,
  };
}

/** Every scalar endpoint. */
export const SETTINGS: ReadonlyArray<Setting<unknown>> = [
  top("/debug", "debug", bool),
  top("/proxy-url", "proxyUrl", urlSetting("proxy-url", "proxy"), ""),
  top("/request-retry", "requestRetry", int(0, 0)),
  top("/max-retry-interval", "maxRetryInterval", int(0, 0)),
  top("/usage-statistics-enabled", "usageStatisticsEnabled", bool),
  top("/logging-to-file", "loggingToFile", bool),
  top("/request-log", "requestLog", bool),
  top("/force-model-prefix", "forceModelPrefix", bool),
  top("/ws-auth", "wsAuth", bool),
  top("/logs-max-total-size-mb", "logsMaxTotalSizeMb", int(0, 0)),
  top("/error-logs-max-files", "errorLogsMaxFiles", int(0, DEFAULT_CONFIG.errorLogsMaxFiles)),
  {
    path: "/quota-exceeded/switch-project",
    name: "switch-project",
    yaml: ["quota-exceeded", "switch-project"],
    get: (c) => c.quotaExceeded.switchProject,
    with: (c, v) => ({ ...c, quotaExceeded: { ...c.quotaExceeded, switchProject: v } }),
    parse: bool,
  } satisfies Setting<boolean>,
  {
    path: "/quota-exceeded/switch-preview-model",
    name: "switch-preview-model",
    yaml: ["quota-exceeded", "switch-preview-model"],
    get: (c) => c.quotaExceeded.switchPreviewModel,
    with: (c, v) => ({ ...c, quotaExceeded: { ...c.quotaExceeded, switchPreviewModel: v } }),
    parse: bool,
  } satisfies Setting<boolean>,
  {
    path: "/routing/strategy",
    name: "strategy",
    yaml: ["routing", "strategy"],
    get: (c) => c.routing.strategy,
    with: (c, v) => ({ ...c, routing: { ...c.routing, strategy: v } }),
    parse: parseStrategy,
  } satisfies Setting<"round-robin" | "fill-first">,
] as ReadonlyArray<Setting<unknown>>;

function defaultOf(s: Setting<unknown>): unknown {
  return s.get(DEFAULT_CONFIG);
}

/** Saves `v` for setting `s`. */
function save(s: Setting<unknown>, v: unknown): Parameters<typeof saveChange>[1] {
  return (current, fileText) => ({ config: s.with(current, v), edits: scalarEdits(fileText, s.yaml, v, defaultOf(s)) });
}

/** GET, PUT/PATCH and (for clearable settings) DELETE handlers of one setting. */
export function settingHandlers(s: Setting<unknown>): { get: Handler; put: Handler; del?: Handler } {
  const get: Handler = async (_req, ctx) => reply(ctx, 200, { [s.name]: s.get(ctx.app.config()) });
  const put: Handler = async (req, ctx) => {
    const v = s.parse(await readValue(req));
    if (v === undefined) throw badRequest(INVALID_BODY);
    await saveChange(ctx.app, save(s, v));
    ok(ctx);
  };
  if (s.cleared === undefined) return { get, put };
  const cleared = s.cleared;
  const del: Handler = async (_req, ctx) => {
    await saveChange(ctx.app, save(s, cleared));
    ok(ctx);
  };
  return { get, put, del };
}
