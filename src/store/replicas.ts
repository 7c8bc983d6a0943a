/**
 * Joins a running cliproxy to the PostgreSQL store (issue #18) through the seams the file-based code
 * already has: config reloads and management saves push the spool config; the auth-dir watcher's
 * events and cliproxy's own token writes push token files; the TokenManager refreshes under the
 * store's cross-replica lock; the cooldown book's changes are shared and other replicas' applied.
 * Pulled changes land in the spool, where the existing watchers pick them up.
 */
import type { AuthDirWatcher, AuthFileEvent } from "../config/watch-auth.js";
import type { ConfigRuntime } from "../config/runtime.js";
import { configWrites, type ReloadEvent } from "../config/watch.js";
import { pinConfig } from "../config/pinned.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../log/log.js";
import { metricsOf } from "../metrics/metrics.js";
import type { AuthWatcherLike } from "../providers/oauth-pool.js";
import type { RefreshCoordinator } from "../oauth/refresh.js";
import type { CooldownState } from "../routing/cooldown.js";
import type { App } from "../server/handler.js";
import { PgStore, type CooldownRow } from "./pg-store.js";
import { pgStoreSettings } from "./settings.js";
import { resolve } from "node:path";

/** A replica's link to the shared store. */
export interface ReplicaStore {
  readonly store: PgStore;
  /** The spool config file, used instead of --config. */
  readonly configPath: string;
  /** Points auth-dir at the spool, whatever the stored config says. */
  adjust(config: Config): Config;
  /** The refresh lock for startOAuth(). */
  readonly coordinator: RefreshCoordinator;
  /** Wraps the auth-dir watcher for startOAuth() so cliproxy's own token writes reach the database too. */
  authWatcher(watcher: AuthDirWatcher): AuthWatcherLike;
  /** Follows the app's config watcher and cooldowns. */
  follow(app: App, watchers: ConfigRuntime): void;
  close(): Promise<void>;
}

/** Opens the store when PGSTORE_DSN is set; undefined for the file store. Throws naming what failed. */
export async function openReplicaStore(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  log: Logger,
): Promise<ReplicaStore | undefined> {
  const settings = pgStoreSettings(env, cwd);
  if (!settings) return undefined;
  const reconcile = Number(env.PGSTORE_RECONCILE_MS);
  const store = await PgStore.open({
    ...settings,
    log,
    env,
    reconcileMs: Number.isFinite(reconcile) && reconcile > 0 ? reconcile : undefined,
  }).catch((err: Error) => {
    throw new Error(`Cannot use the PostgreSQL store (PGSTORE_DSN): ${err.message}`, { cause: err });
  });
  log.info(
    `store: PostgreSQL store on, spool ${settings.spool}${settings.schema ? `, schema ${settings.schema}` : ""}`,
  );
  const toData = (ev: AuthFileEvent) => (ev.kind === "removed" ? undefined : ev.data);
  return {
    store,
    configPath: store.configPath,
    adjust: (config) => ({ ...config, authDir: store.authDir }),
    coordinator: { exclusive: (file, refresh) => store.exclusive(file, refresh) },
    authWatcher(watcher) {
      watcher.on("file", (ev: AuthFileEvent) => void store.pushAuth(ev.file, toData(ev)));
      return {
        on: watcher.on.bind(watcher) as AuthWatcherLike["on"],
        noteWritten(file, content) {
          watcher.noteWritten(file, content);
          void store.pushAuth(file, JSON.parse(content) as Record<string, unknown>);
        },
      };
    },
    follow(app, watchers) {
      pinConfig(app, (config) => ({ ...config, authDir: store.authDir }));
      // A management save is sent at once; other edits of the spool copy once the watcher applied them.
      const onWrite = (path: string, bytes: string | Buffer) =>
        void (path === resolve(store.configPath) && store.pushConfig(bytes.toString()));
      configWrites.on("write", onWrite);
      store.once("closed", () => configWrites.off("write", onWrite));
      watchers.config?.on("reload", (e: ReloadEvent) => {
        const applied =
          e.kind === "reloaded" || (e.kind === "skipped" && (e.reason === "own-write" || e.reason === "no-change"));
        if (applied) void store.pushConfig();
      });
      // A pulled config is applied now rather than after the file watcher's debounce.
      store.on("config", () => void watchers.config?.reload());
      const book = app.providers.cooldowns;
      book.observer = (key, model, state) =>
        store.saveCooldown(key, model, state ? encodeCooldown(key, model, state) : undefined, app.clock.now());
      store.on("cooldown", (row: CooldownRow) =>
        book.restore(row.authId, row.model, decodeCooldown(row, app.clock.now())),
      );
      metricsOf(app).registerGauge({
        name: "cliproxy_store_connected",
        help: "1 while the PostgreSQL store's notification connection is up.",
        read: () => (store.connected ? 1 : 0),
      });
    },
    close: () => store.close(),
  };
}

/** A cooldown as stored: CLIProxyAPI's record fields, plus cliproxy's own block under `cliproxy`. */
export function encodeCooldown(key: string, model: string, s: CooldownState): Record<string, unknown> {
  return {
    auth_id: key,
    model,
    status: "error",
    reason: s.block.reason,
    next_retry_after: new Date(s.block.until).toISOString(),
    updated_at: new Date().toISOString(),
    cliproxy: {
      until: s.block.until,
      quota: s.block.quota,
      status: s.block.status,
      reason: s.block.reason,
      message: s.block.message,
      at: s.block.at,
      level: s.level,
    },
  };
}

/** The block of a stored cooldown; undefined when cleared, expired, or not written by cliproxy. */
export function decodeCooldown(row: CooldownRow, now: number): CooldownState | undefined {
  const c = row.content?.cliproxy as
    | {
        until?: unknown;
        quota?: unknown;
        status?: unknown;
        reason?: unknown;
        message?: unknown;
        at?: unknown;
        level?: unknown;
      }
    | undefined;
  if (!c || typeof c.until !== "number" || c.until <= now) return undefined;
  return {
    block: {
      until: c.until,
      quota: c.quota === true,
      status: Number(c.status) || 0,
      reason: String(c.reason ?? ""),
      message: String(c.message ?? c.reason ?? ""),
      at: Number(c.at) || 0,
    },
    level: Number(c.level) || 0,
  };
}
