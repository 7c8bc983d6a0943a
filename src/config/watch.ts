/**
 * Hot reload of config.yaml (config.md §7, amp.md HR-6: watch the directory, debounce, skip unchanged). The file's
 * directory is watched, not the file: editors save by writing a temp file and renaming it over the original, which
 * replaces the inode a file watch would be bound to. Events for the file's base name restart a 150 ms timer; when it
 * fires the file is read (async), skipped when empty or byte-identical to the last load, read again CONFIG_SETTLE_MS
 * later and applied only when both reads agree, parsed, and swapped in whole. A file that fails to parse leaves the
 * running config serving.
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { watch, type FSWatcher } from "node:fs";
import { lstat } from "node:fs/promises";
import { readConfigBytes } from "./token-read.js";
import { basename, dirname, resolve } from "node:path";
import { ConfigError, parseConfig } from "./load.js";
import { changedKeys, keepRestartOnly } from "./diff.js";
import type { Config } from "./schema.js";
import type { KindTable } from "./kinds.js";
import type { Logger } from "../log/log.js";

/**
 * What the config runtime needs of the running App (server/handler.ts's App has all of it): named here so
 * config/ stays below the server kernel.
 */
export interface ConfigHost {
  readonly log: Logger;
  readonly clock: { now(): number };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  /** The provider kinds whose lists config.yaml may hold. */
  readonly kinds: KindTable;
  config(): Config;
  setConfig(next: Config): void;
  /** The last reload attempt that was not skipped for an unchanged or own file, for the status page. */
  lastReload?: LastReload;
}

/** A reload attempt and when it happened. */
export interface LastReload {
  readonly at: number;
  readonly event: ReloadEvent;
}

/** Debounce of config file events (config.md §7). */
export const CONFIG_DEBOUNCE_MS = 150;

/**
 * After the debounce the file is read twice, this far apart, and applied only when both reads have the
 * same size and SHA-256: a writer that truncates, writes part, and pauses past the debounce would
 * otherwise get its prefix applied (an api-keys list cut to `["sk"]`). A writer still changing the file
 * re-arms the debounce instead. This narrows the window; only an atomic save (temp file + rename) closes it.
 */
export const CONFIG_SETTLE_MS = 100;

/** What one reload attempt did. */
export type ReloadEvent =
  | { readonly kind: "reloaded"; readonly changed: readonly string[]; readonly needsRestart: readonly string[] }
  | { readonly kind: "failed"; readonly error: string }
  | {
      readonly kind: "skipped";
      readonly reason: "empty" | "unchanged" | "missing" | "no-change" | "own-write" | "unsettled";
    };

/** Options for watchConfig(). */
export interface ConfigWatchOptions {
  readonly debounceMs?: number;
  /** Gap between the two reads that must agree before a file is applied (CONFIG_SETTLE_MS). */
  readonly settleMs?: number;
  /** Applied to every reloaded config (start() re-applies --host/--port here). */
  readonly adjust?: (config: Config) => Config;
  /** Says why a new config must not be served; it is then rejected like a broken file. */
  readonly refuse?: (config: Config) => string | undefined;
  /** Called after each attempt, for tests and the auth-dir watcher. */
  readonly onReload?: (event: ReloadEvent, config: Config) => void;
}

/** A running config watcher; emits "reload" with a ReloadEvent after every attempt, and "settling" ({size, hash}) between its two reads. */
export interface ConfigWatcher extends EventEmitter {
  /** Reloads now, as a file event would after its debounce. */
  reload(): Promise<ReloadEvent>;
  close(): void;
}

/** SHA-256 of file content, hex. */
export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

// Hashes of bytes cliproxy itself wrote (management saves, already applied in memory), by resolved
// path; a few are kept because a debounced read may see an earlier of several quick saves.
const ownWrites = new Map<string, string[]>();
const OWN_WRITES_KEPT = 8;

/** Emits "write" (resolved path, bytes) for every config file cliproxy writes itself: the PostgreSQL store sends it on at once. */
export const configWrites = new EventEmitter();

/** Records that cliproxy wrote `bytes` to `path` and already applied them, so the watcher does not apply them twice. */
export function noteConfigWrite(path: string, bytes: string | Buffer): void {
  configWrites.emit("write", resolve(path), bytes);
  const list = ownWrites.get(resolve(path)) ?? [];
  list.push(sha256(bytes));
  ownWrites.set(resolve(path), list.slice(-OWN_WRITES_KEPT));
}

/** Watches `path` and swaps each valid new version into `app`. */
export async function watchConfig(
  app: ConfigHost,
  path: string,
  options: ConfigWatchOptions = {},
): Promise<ConfigWatcher> {
  const emitter = new EventEmitter() as ConfigWatcher;
  const name = basename(path);
  let lastHash = await readConfigBytes(path).then(sha256, () => "");
  // A symlinked config (a Kubernetes ConfigMap: config.yaml -> ..data/config.yaml) changes when a
  // link elsewhere in the directory is swapped, so every event there counts; the hash skips the rest.
  const anyName = await lstat(path).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;

  const attempt = async (): Promise<ReloadEvent> => {
    let bytes: Buffer;
    try {
      bytes = await readConfigBytes(path);
    } catch (err) {
      // A FIFO or device swapped in for the config is refused without blocking; the running config stays.
      if (!(err as NodeJS.ErrnoException).code) {
        const error = `Cannot read config "${path}": it ${(err as Error).message}`;
        app.log.error(`config: failed to reload config, keeping the running one: ${error}`);
        return { kind: "failed", error };
      }
      return { kind: "skipped", reason: "missing" }; // mid-rename or deleted: the next event brings it back
    }
    const text = bytes.toString("utf8");
    if (text.trim() === "") return { kind: "skipped", reason: "empty" };
    const hash = sha256(bytes);
    if (hash === lastHash) return { kind: "skipped", reason: "unchanged" };
    emitter.emit("settling", { size: bytes.length, hash });
    await new Promise((r) => setTimeout(r, options.settleMs ?? CONFIG_SETTLE_MS));
    const again = await readConfigBytes(path).catch(() => undefined);
    if (!again || again.length !== bytes.length || sha256(again) !== hash) {
      if (!closed) arm(); // still being written: look again once it has been quiet for a debounce
      return { kind: "skipped", reason: "unsettled" };
    }
    lastHash = hash;
    const own = ownWrites.get(resolve(path)) ?? [];
    if (own.includes(hash)) {
      ownWrites.set(resolve(path), own.slice(own.indexOf(hash) + 1));
      return { kind: "skipped", reason: "own-write" };
    }
    try {
      const loaded = parseConfig(text, { path, homeDir: app.homeDir, env: app.env, kinds: app.kinds });
      const running = app.config();
      const adjusted = options.adjust ? options.adjust(loaded.config) : loaded.config;
      const { config, needsRestart } = keepRestartOnly(running, adjusted);
      const refusal = options.refuse?.(config);
      if (refusal) throw new Error(refusal);
      const changed = changedKeys(running, config);
      for (const w of loaded.warnings) app.log.warn(`config: ${w}`);
      for (const key of needsRestart) app.log.warn(`config: ${key} changed in ${path}; needs restart to take effect`);
      if (changed.length === 0) return { kind: "skipped", reason: "no-change" };
      app.setConfig(config);
      app.log.info(`config: reloaded ${path}`, { changed: changed.join(",") });
      return { kind: "reloaded", changed, needsRestart };
    } catch (err) {
      const error =
        err instanceof ConfigError ? err.message : `Cannot read config "${path}": ${(err as Error).message}`;
      app.log.error(`config: failed to reload config, keeping the running one: ${error}`);
      return { kind: "failed", error };
    }
  };

  emitter.reload = () => {
    const run = chain.then(attempt).then((event) => {
      if (event.kind !== "skipped" || event.reason === "no-change") app.lastReload = { at: app.clock.now(), event };
      options.onReload?.(event, app.config());
      emitter.emit("reload", event);
      return event;
    });
    chain = run.catch(() => undefined);
    return run;
  };

  function arm(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void emitter.reload(), options.debounceMs ?? CONFIG_DEBOUNCE_MS);
  }

  const watcher: FSWatcher = watch(dirname(path), (_event, filename) => {
    if (closed || (!anyName && filename !== null && filename.toString() !== name)) return;
    arm();
  });
  watcher.on("error", (err) => app.log.warn(`config: stopped watching ${path}: ${err.message}`));
  emitter.close = () => {
    closed = true;
    clearTimeout(timer);
    watcher.close();
  };
  return emitter;
}
