/**
 * Starting cliproxy: pick the config (file or embedded default), check it is safe to listen,
 * build the app, listen, and say in the first log lines what was found and what to do next.
 */
import { isLoopback } from "../server/loopback.js";
import { existsSync } from "node:fs";
import { embeddedConfig, findConfig, loadConfigFile, type LoadResult } from "../config/load.js";
import { createLogRouting, readTlsFiles, startConfigRuntime, type ConfigRuntime } from "../config/runtime.js";
import { exampleKeys, exampleKeysRefusal } from "../config/safe-mode.js";
import { safeModeRoutes } from "./safe-mode.js";
import type { Config } from "../config/schema.js";
import { kindCounts } from "../config/kinds.js";
import { PROVIDER_KINDS, type Kinds } from "../providers/kinds.js";
import { createLogger, type Logger } from "../log/log.js";
import { ALL_POOL_KINDS, startOAuth } from "../providers/oauth-pool.js";
import { GEMINI_CLI_NOTICE } from "../oauth/gemini.js";
import { loadAuthDir } from "../oauth/store.js";
import { hashPlaintextSecret } from "../management/auth.js";
import type { ReloadEvent } from "../config/watch.js";
import { createApp } from "./app.js";
import { allRoutes } from "./routes.js";
import { onUpgrade } from "./upgrade.js";
import type { App, Clock } from "../server/handler.js";
import { listen, type Running } from "../server/listen.js";
import { openReplicaStore, type ReplicaStore } from "../store/replicas.js";
import { metricsOf } from "../metrics/metrics.js";
import type { RefreshCoordinator } from "../oauth/refresh.js";

/** Options for start(); main.ts fills them from flags, tests from fixtures. */
export interface StartOptions {
  configPath?: string;
  host?: string;
  port?: number;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  log?: Logger;
  clock?: Clock;
  /** Serialises token refreshes with other workers (app/worker.ts); the PostgreSQL store's wins when set. */
  coordinator?: (app: App) => RefreshCoordinator;
  /** The provider kinds served (default PROVIDER_KINDS; createApp() says how to add one). */
  kinds?: Kinds;
}

/** A started cliproxy: the app and its server. */
export interface Started extends Running {
  readonly app: App;
  /** The config file and auth-dir watchers (absent in example-key safe mode). */
  readonly watchers?: ConfigRuntime;
  /** The PostgreSQL store link, when PGSTORE_DSN is set. */
  readonly store?: ReplicaStore;
  /** Stops watchers and the server, draining in-flight requests. */
  stop(timeoutMs?: number): Promise<void>;
}

export { isLoopback };

export { findConfig };

/** Loads config, refuses unsafe listening, starts the server. Throws with a fix-naming message. */
export async function start(options: StartOptions): Promise<Started> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? createLogger();
  // PGSTORE_DSN: config and token files come from PostgreSQL through a local spool (store/replicas.ts).
  const store = await openReplicaStore(env, cwd, log);
  if (store && options.configPath)
    log.warn(
      `config: --config "${options.configPath}" is ignored: PGSTORE_DSN is set, so the config comes from PostgreSQL (${store.configPath})`,
    );
  const configPath = store?.configPath ?? findConfig(options.configPath, cwd);
  const kinds = options.kinds ?? PROVIDER_KINDS;
  const loaded: LoadResult = configPath
    ? await loadConfigFile(configPath, { path: configPath, homeDir: options.homeDir, env, kinds })
    : embeddedConfig({ homeDir: options.homeDir, env });
  // --host/--port win over the file, at start and on every reload.
  const adjust = (c: Config): Config => ({
    ...(store ? store.adjust(c) : c),
    host: options.host ?? c.host,
    port: options.port ?? c.port,
  });
  const config: Config = adjust(loaded.config);
  if (!options.log) log.setLevel(config.debug ? "debug" : "info"); // `debug: true` counts from the first line, not the first reload
  const unsafe = (c: Config) =>
    !isLoopback(c.host) && c.apiKeys.length === 0
      ? `Refusing to listen on "${c.host || "all interfaces"}" with no api-keys: anyone who can reach the port could spend your provider credits. ` +
        `Add api-keys to ${configPath ?? "a config.yaml"} or bind host: 127.0.0.1`
      : undefined;
  const refusal = unsafe(config);
  if (refusal) {
    await store?.close();
    throw new Error(refusal);
  }
  const tls = await readTlsFiles(config.tls);
  const app = createApp({ config, log, clock: options.clock, env, homeDir: options.homeDir, configPath, kinds });
  metricsOf(app); // /metrics counts from the first request
  const logging = createLogRouting(app, { cwd });
  logging.apply(config);
  const examples = exampleKeys(config);
  if (examples.length > 0) {
    // config.md §1: the example keys are public, so the API stays off until they are replaced.
    log.error(
      `config: api-keys in ${configPath ?? "config.yaml"} still holds the example keys of config.example.yaml; serving only a page that says so. Replace them and restart`,
    );
    const safe = await listen(
      app,
      config.host,
      config.port,
      safeModeRoutes(examples, configPath ?? "config.yaml"),
      tls,
      onUpgrade(app),
    );
    log.info(`cliproxy ${app.version} in safe mode on ${safe.url}`);
    return {
      ...safe,
      app,
      async stop(timeoutMs) {
        await safe.close(timeoutMs);
        await logging.close();
        await store?.close();
      },
    };
  }
  if (configPath) log.info(`config: loaded ${configPath}`);
  else log.info("config: no config file found (looked for ./config.yaml); using the embedded default");
  for (const w of loaded.warnings) log.warn(`config: ${w}`);
  await describeFindings(app, config, env);
  const running = await listen(app, config.host, config.port, allRoutes(app.kinds), tls, onUpgrade(app));
  log.info(`cliproxy ${app.version} listening on ${running.url}`);
  if (config.apiKeys.length === 0)
    log.warn("no api-keys configured: every request is accepted without a key (allowed only on loopback)");
  // A reload is refused for what start() would refuse, and for example keys (start() would serve only safe mode).
  const refuse = (c: Config) => unsafe(c) ?? exampleKeysRefusal(c);
  const watchers = await startConfigRuntime(app, { configPath, cwd, adjust, refuse }, logging);
  // config.md §2.1: a plaintext management secret is replaced by its bcrypt hash, at start and on each reload.
  await hashPlaintextSecret(app);
  watchers.config?.on("reload", (e: ReloadEvent) => void (e.kind === "reloaded" && hashPlaintextSecret(app)));
  // Subscription token files join the provider pool and follow the auth-dir watcher from here on.
  store?.follow(app, watchers);
  const oauth = await startOAuth(app, {
    watcher: store?.authWatcher(watchers.authDir) ?? watchers.authDir,
    kinds: ALL_POOL_KINDS,
    coordinator: store?.coordinator ?? options.coordinator?.(app),
  });
  return {
    ...running,
    app,
    watchers,
    store,
    async stop(timeoutMs) {
      await running.close(timeoutMs);
      oauth.stop();
      await oauth.sessions.close();
      await watchers.stop();
      await store?.close();
    },
  };
}

/** Token files per type in auth-dir, as `claude=1 codex=2` ("" when there are none). */
async function tokenFileCounts(dir: string): Promise<string> {
  const { credentials } = await loadAuthDir(dir).catch(() => ({ credentials: [] }));
  const files = new Map<string, string>(credentials.map((c) => [c.file, c.type]));
  const counts = new Map<string, number>();
  for (const type of files.values()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([t, n]) => `${t}=${n}`)
    .join(" ");
}

async function describeFindings(
  app: App,
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const log = app.log;
  const fromEnv = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "AMP_API_KEY"].filter((k) => env[k]);
  if (!app.configPath)
    log.info(
      `environment keys: ${fromEnv.length ? fromEnv.join(", ") : "none (set ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY or AMP_API_KEY)"}`,
    );
  const summary = kindCounts(config, app.kinds)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ");
  const present = existsSync(config.authDir);
  const tokens = present ? await tokenFileCounts(config.authDir) : "";
  log.info(
    `providers: ${summary || "none configured"}; token files: ${tokens || "none"} in ${config.authDir}${present ? "" : " (folder absent)"}`,
  );
  if (/\bgemini=/.test(tokens)) log.warn(GEMINI_CLI_NOTICE);
  if (!summary && !tokens) {
    log.info(
      "next step: add a provider key (claude-api-key, gemini-api-key, codex-api-key, openai-compatibility) to config.yaml — see config.example.yaml — or point Amp at this server with AMP_URL to use ampcode.com",
    );
  }
}
