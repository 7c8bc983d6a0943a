/**
 * The OAuth side of a running app: one TokenManager over auth-dir, fed by the auth-dir watcher and by
 * finished management logins, publishing its usable credentials into the provider pool (the same
 * selection, cooldown and usage machinery as API keys) every time they change. Pool credentials of
 * token files carry no key: executors get the current token from `tokens.ensureFresh(cred.id)`.
 */
import assert from "node:assert/strict";
import type { Config } from "../config/schema.js";
import { catalogFor } from "./catalog.js";
import { buildCredential } from "./credentials.js";
import { parseModelName } from "../translate/model-suffix.js";
import type { Credential, ModelSource } from "./types.js";
import type { App } from "../server/handler.js";
import { endpointsFor } from "../oauth/endpoints.js";
import type { LoginSessions } from "../oauth/management.js";
import { TokenManager, type RefreshCoordinator } from "../oauth/refresh.js";
import type { TokenFileCredential } from "../oauth/store.js";
import { ServiceAccountTokens, vertexRoot } from "../oauth/vertex-sa.js";

/** The `source` name of token-file credentials in the provider pool. */
export const POOL_SOURCE = "auth-dir";

/** Token-file provider → executor kind. */
const KIND_OF: Readonly<Record<string, string>> = {
  claude: "claude",
  codex: "codex",
  "gemini-cli": "gemini-cli",
  antigravity: "antigravity",
  vertex: "vertex",
};

/** Executor kinds startOAuth() publishes unless told otherwise. */
export const DEFAULT_POOL_KINDS: readonly string[] = ["claude", "codex"];

/** Every executor kind a token file can be served by (start.ts publishes all of them). */
export const ALL_POOL_KINDS: readonly string[] = ["claude", "codex", "gemini-cli", "antigravity", "vertex"];

/** What startOAuth() needs from the auth-dir watcher (config/watch-auth.ts AuthDirWatcher fits). */
export interface AuthWatcherLike {
  on(
    event: "file",
    listener: (ev: { kind: "added" | "changed" | "removed"; file: string; data?: Record<string, unknown> }) => void,
  ): unknown;
  on(event: "rescan", listener: (ev: { dir: string }) => void): unknown;
  noteWritten(file: string, content: string): void;
}

/** The OAuth runtime of an app. */
export interface OAuthRuntime {
  readonly tokens: TokenManager;
  readonly sessions: LoginSessions;
  /** Bearers minted from Vertex service-account files, cached until shortly before they expire. */
  readonly serviceAccounts: ServiceAccountTokens;
  /** Rebuilds the pool's token-file credentials and re-registers the tokens with the log (call after every config swap). */
  publish(): void;
  /** True when a pool credential id is a token file's. */
  owns(id: string): boolean;
  /** When a model is unserved because token files that served it were revoked: which, why and the fix; else undefined. */
  revokedNotice(model: string): string | undefined;
  stop(): void;
}

/** Options of startOAuth. */
export interface OAuthOptions {
  readonly watcher?: AuthWatcherLike;
  /** Executor kinds to publish (default claude and codex). */
  readonly kinds?: readonly string[];
  /** Run the background refresh loop (default true). */
  readonly background?: boolean;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Shares refreshes with other replicas (the PostgreSQL store). */
  readonly coordinator?: RefreshCoordinator;
}

/**
 * The App slot this module owns: the OAuth runtime, once startOAuth() ran (app/start.ts does at start;
 * without an auth-dir pool there is none).
 */
declare module "../server/handler.js" {
  interface App {
    oauth?: OAuthRuntime;
  }
}

/**
 * Served models of a token-file provider: its catalogue with `oauth-model-alias` applied (`fork` keeps the
 * original too; CLIProxyAPI HEAD a7e3596b7 sdk/cliproxy/service_models.go applyOAuthModelAliasEntries). An
 * entry whose `name` is not in the catalogue adds that upstream model under its alias (or its own name when
 * the alias is empty): HEAD would drop it, cliproxy lets OAuth users add models the catalogue lacks.
 */
export function aliasedModels(
  provider: string,
  config: Pick<Config, "oauthModelAlias">,
): Array<{ name: string; alias: string; source: ModelSource }> | undefined {
  const aliases = config.oauthModelAlias[provider] ?? [];
  if (!aliases.length) return undefined;
  const out: Array<{ name: string; alias: string; source: ModelSource }> = [];
  const catalogue = catalogFor(provider);
  for (const m of catalogue) {
    const mine = aliases.filter(
      (a) =>
        a.name.toLowerCase() === m.id.toLowerCase() &&
        a.alias.trim() !== "" &&
        a.alias.toLowerCase() !== m.id.toLowerCase(),
    );
    if (!mine.length || mine.some((a) => a.fork)) out.push({ name: m.id, alias: m.id, source: "catalogue" });
    for (const a of mine) out.push({ name: m.id, alias: a.alias, source: "config" });
  }
  const known = new Set(catalogue.map((m) => m.id.toLowerCase()));
  for (const a of aliases) {
    const name = a.name.trim();
    if (!name || known.has(name.toLowerCase())) continue;
    out.push({ name, alias: a.alias.trim() || name, source: "config" });
  }
  return out;
}

/** Pool credentials for the usable token files: key-less, with the file's routing fields and the configured root. */
export function poolCredentials(
  list: readonly TokenFileCredential[],
  config: Config,
  kinds: readonly string[] = DEFAULT_POOL_KINDS,
): Credential[] {
  const out: Credential[] = [];
  for (const c of list) {
    const kind = KIND_OF[c.provider];
    if (c.disabled || !kind || !kinds.includes(kind)) continue;
    out.push(
      buildCredential(
        {
          id: c.id,
          provider: c.provider,
          kind,
          apiKey: "",
          baseUrl:
            c.baseUrl ??
            defaultRoot(
              c.provider,
              config,
              typeof c.raw.location === "string" && c.raw.location.trim() ? c.raw.location.trim() : undefined,
            ),
          proxyUrl: c.proxyUrl,
          headers: c.headers,
          priority: c.priority,
          prefix: c.prefix,
          disableCooling: c.disableCooling,
          requestRetry: c.requestRetry,
          models: aliasedModels(c.provider, config),
          excludedModels: [...c.excludedModels, ...(config.oauthExcludedModels[c.provider] ?? [])],
          label: c.email ? `${c.id} (${c.email})` : c.id,
          // Key-less pool entries would otherwise share one routing state per provider and root.
          identity: c.id,
        },
        config.forceModelPrefix,
      ),
    );
  }
  return out;
}

function revokedNotice(
  list: readonly TokenFileCredential[],
  config: Config,
  kinds: readonly string[] | undefined,
  model: string,
): string | undefined {
  // Only credentials cliproxy disabled itself (a refused refresh); files marked disabled by hand are the user's choice.
  const revoked = list.filter((c) => c.disabled && c.disabledReason && c.disabledReason !== "multi-project parent");
  const base = parseModelName(model).base;
  const hits = poolCredentials(
    revoked.map((c) => ({ ...c, disabled: false })),
    config,
    kinds,
  ).filter((c) => c.models.has(base));
  if (!hits.length) return undefined;
  const files = hits.map((h) => {
    const file = revoked.find((c) => c.id === h.id);
    assert.ok(file, `pool credential "${h.id}" without the revoked file it was built from`);
    return file;
  });
  const types = [...new Set(files.map((c) => c.type))];
  return (
    `model "${model}" has no usable credential: token file ${files.map((c) => `"${c.file}"`).join(", ")} was disabled (${files[0].disabledReason}); ` +
    `run ${types.map((t) => `"cliproxy login ${t}"`).join(" or ")} to log in again`
  );
}

function defaultRoot(provider: string, config: Config, location?: string): string {
  if (provider === "claude") return endpointsFor("claude", config).apiBaseUrl;
  if (provider === "codex") return endpointsFor("codex", config).apiBaseUrl;
  if (provider === "gemini-cli") return endpointsFor("gemini", config).codeAssistBaseUrl;
  if (provider === "antigravity") return endpointsFor("antigravity", config).apiBaseUrls[0] ?? "";
  if (provider === "vertex") return vertexRoot(location ?? "us-central1");
  return "";
}

/** Loads auth-dir, joins its credentials to the provider pool, follows the watcher and starts background refresh. */
export async function startOAuth(app: App, options: OAuthOptions = {}): Promise<OAuthRuntime> {
  if (app.oauth) return app.oauth;
  const watcher = options.watcher;
  const tokens = new TokenManager({
    log: app.log,
    clock: app.clock,
    config: () => app.config(),
    sleep: options.sleep,
    coordinator: options.coordinator,
    onWritten: (file, content) => watcher?.noteWritten(file, content),
  });
  const sessions = app.loginSessions;
  const publish = () => {
    // A config swap resets the log's secret set; the tokens must stay masked.
    app.log.secrets.add(...tokens.secrets());
    app.providers.setExtraCredentials(POOL_SOURCE, poolCredentials(tokens.credentials(), app.config(), options.kinds));
  };
  const runtime: OAuthRuntime = {
    tokens,
    sessions,
    serviceAccounts: new ServiceAccountTokens(() => app.clock.now()),
    publish,
    owns: (id) => tokens.get(id) !== undefined,
    revokedNotice: (model) => revokedNotice(tokens.credentials(), app.config(), options.kinds, model),
    stop() {
      tokens.stop();
      tokens.off("change", publish);
      if (app.oauth === runtime) delete app.oauth;
    },
  };
  app.oauth = runtime;
  tokens.on("change", publish);
  sessions.onSaved = (done) => {
    watcher?.noteWritten(done.file, done.content);
    tokens.set(done.file, done.data);
  };
  watcher?.on("file", (ev) => {
    if (ev.kind === "removed") tokens.remove(ev.file);
    else if (ev.data) tokens.set(ev.file, ev.data);
  });
  watcher?.on("rescan", (ev) => void tokens.load(ev.dir));
  await tokens.load(app.config().authDir);
  const usable = tokens.credentials().filter((c) => !c.disabled).length;
  app.log.info(`auth: ${usable} subscription credential${usable === 1 ? "" : "s"} from ${app.config().authDir}`);
  if (options.background !== false) tokens.start();
  return runtime;
}
