/**
 * What a running cliproxy keeps doing with its configuration after start: the config file and
 * auth-dir watchers, re-armed when auth-dir changes, and the log destination (`logging-to-file`),
 * switched when a reload toggles it. start() owns one of these and stops it on shutdown.
 */
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileSink, LOG_ROTATE_BYTES, type Sink } from "../log/log.js";
import type { Config } from "./schema.js";
import { watchConfig, type ConfigHost, type ConfigWatcher, type ReloadEvent } from "./watch.js";
import { watchAuthDir, type AuthDirWatcher } from "./watch-auth.js";
import { LOG_PRUNE_INTERVAL_MS, pruneLogs } from "./log-retention.js";

/** The config file and auth-dir watchers of a running server, and the log sink they manage. */
export interface ConfigRuntime {
  /** Absent when cliproxy runs without a config file. */
  readonly config?: ConfigWatcher;
  readonly authDir: AuthDirWatcher;
  /** Stops watching and flushes the log file. */
  stop(): Promise<void>;
}

/** Options for startConfigRuntime(). */
export interface ConfigRuntimeOptions {
  readonly configPath?: string;
  readonly cwd: string;
  /** Re-applies command-line overrides to each reloaded config. */
  readonly adjust?: (config: Config) => Config;
  /** Says why a reloaded config must not be served (it is then rejected like a broken file). */
  readonly refuse?: (config: Config) => string | undefined;
  /** Where lines go when logging-to-file is off (stdout by default). */
  readonly consoleSink?: Sink;
  readonly rotateBytes?: number;
  readonly pruneIntervalMs?: number;
}

/** Reads the PEM files of an enabled `tls` block; a missing or unreadable one stops the start (config.md §2.1). */
export async function readTlsFiles(tls: Config["tls"]): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!tls.enable) return undefined;
  const read = async (key: "cert" | "key") => {
    if (!tls[key]) throw new Error("Cannot serve HTTPS: tls.cert or tls.key is empty");
    try {
      return await readFile(tls[key]);
    } catch (err) {
      throw new Error(
        `Cannot serve HTTPS: tls.${key} "${tls[key]}" is unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  };
  return { cert: await read("cert"), key: await read("key") };
}

/** `<logdir>` of config.md §2.2: $WRITABLE_PATH/logs, else ./logs, else <auth-dir>/logs when ./logs is not writable. */
export function logDirectory(env: Readonly<Record<string, string | undefined>>, cwd: string, authDir: string): string {
  if (env.WRITABLE_PATH) return join(env.WRITABLE_PATH, "logs");
  const local = resolve(cwd, "logs");
  try {
    mkdirSync(local, { recursive: true });
    return local;
  } catch {
    return join(authDir, "logs");
  }
}

/** Routes the app's log to <logdir>/main.log or the console, following `config.logging-to-file`. */
export function createLogRouting(
  app: ConfigHost,
  options: ConfigRuntimeOptions,
): { apply(config: Config): void; close(): Promise<void> } {
  let file: (Sink & { close(): Promise<void> }) | undefined;
  let fileDir = "";
  let pruning: NodeJS.Timeout | undefined;
  const consoleSink = options.consoleSink ?? ((line: string) => void process.stdout.write(line + "\n"));
  let closed: Promise<void> = Promise.resolve();
  const close = () => {
    clearInterval(pruning);
    const f = file;
    file = undefined;
    if (f) closed = closed.then(() => f.close());
    return closed;
  };
  const switchSink = (config: Config) => {
    if (config.loggingToFile === (file !== undefined)) return;
    if (!config.loggingToFile) {
      app.log.setSink(consoleSink);
      void close();
      app.log.info("log: writing to the console");
      return;
    }
    const dir = logDirectory(app.env, options.cwd, config.authDir);
    try {
      file = fileSink(dir, options.rotateBytes ?? LOG_ROTATE_BYTES);
      fileDir = dir;
    } catch (err) {
      app.log.error(`log: cannot write ${join(dir, "main.log")}, staying on the console: ${(err as Error).message}`);
      return;
    }
    app.log.info(`log: writing to ${join(dir, "main.log")}`);
    app.log.setSink(file);
  };
  // logs-max-total-size-mb covers the whole log directory (request logs too), checked now and every minute.
  const schedulePruning = (config: Config) => {
    clearInterval(pruning);
    pruning = undefined;
    const limit = config.logsMaxTotalSizeMb * 1024 * 1024;
    if (limit <= 0) return;
    const dir = file
      ? fileDir
      : app.env.WRITABLE_PATH
        ? join(app.env.WRITABLE_PATH, "logs")
        : resolve(options.cwd, "logs");
    const run = () =>
      void pruneLogs(dir, limit).then((deleted) => {
        if (deleted.length)
          app.log.info(`log: deleted ${deleted.length} old log file(s) in ${dir} to stay under logs-max-total-size-mb`);
      });
    run();
    pruning = setInterval(run, options.pruneIntervalMs ?? LOG_PRUNE_INTERVAL_MS);
    pruning.unref();
  };
  return {
    apply(config) {
      switchSink(config);
      schedulePruning(config);
    },
    close,
  };
}

/** Starts the watchers; each successful reload is applied to logging and auth-dir too. */
export async function startConfigRuntime(
  app: ConfigHost,
  options: ConfigRuntimeOptions,
  logging = createLogRouting(app, options),
): Promise<ConfigRuntime> {
  const authDir = await watchAuthDir(app.config().authDir, app.log);
  const onReload = (event: ReloadEvent, config: Config) => {
    // A management save is applied in memory before it is written; logging and auth-dir still follow it.
    if (event.kind !== "reloaded" && !(event.kind === "skipped" && event.reason === "own-write")) return;
    logging.apply(config);
    if (config.authDir !== authDir.dir) void authDir.setDir(config.authDir);
  };
  const config = options.configPath
    ? await watchConfig(app, options.configPath, { adjust: options.adjust, refuse: options.refuse, onReload })
    : undefined;
  return {
    config,
    authDir,
    async stop() {
      config?.close();
      authDir.close();
      await logging.close();
    },
  };
}
