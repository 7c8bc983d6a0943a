/**
 * The PostgreSQL store (issue #18): config and token files live in the database and are mirrored to a
 * local spool that the file-based code reads as config.yaml and auth-dir. Every change is written to
 * the database and announced with NOTIFY (payload: origin replica, kind, id), so the other replicas
 * pull it into their spool within a second; a periodic reconcile, and one after every reconnect,
 * catches what a lost notification missed. Local changes that cannot reach the database (it is down)
 * are kept dirty and pushed by the next reconcile; meanwhile requests are served from the spool.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log/log.js";
import { serialiseTokenFile } from "../oauth/store.js";
import { parseDsn } from "./pg/dsn.js";
import type { PgNotification } from "./pg/conn.js";
import { Listener, PgPool, type PgQueryable } from "./pg/pool.js";
import { canonicalHash, CONFIG_ID, ensureTables, refreshLockKey, storeSql, type StoreSql } from "./pg-tables.js";
import type { PgStoreSettings } from "./settings.js";
import { isSpoolAuthName, removeSpoolFile, writeSpoolFile } from "./spool.js";
import { sha256 } from "../config/watch.js";

/** Fallback reconcile period (notifications are the fast path). */
export const RECONCILE_MS = 30_000;

/** Longest wait for another replica's refresh of the same credential; past it the refresh runs unlocked. */
export const REFRESH_LOCK_TIMEOUT = "30s";

/** What a new, empty database is seeded with when the spool has no config either. */
export const SEED_CONFIG =
  "# cliproxy configuration, stored in PostgreSQL (PGSTORE_DSN) and mirrored to every replica.\n# Edit it through the management API; see config.example.yaml for the keys.\n";

/** One notification's payload. */
interface Change {
  readonly r: string;
  readonly k: "config" | "auth" | "cooldown";
  readonly id?: string;
  readonly m?: string;
}

/** A cooldown row as another replica wrote it: undefined content means cleared. */
export interface CooldownRow {
  readonly authId: string;
  readonly model: string;
  readonly content?: Record<string, unknown>;
}

/** Options of PgStore.open(). */
export interface PgStoreOptions extends PgStoreSettings {
  readonly log: Logger;
  readonly reconcileMs?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * A connected store. Emits "config" after the spool config changed from the database, "cooldown"
 * (CooldownRow) for another replica's cooldown change, and "reconciled" after each reconcile.
 */
export class PgStore extends EventEmitter {
  /** This process's id in NOTIFY payloads (its own notifications are ignored). */
  readonly replica = randomUUID();
  readonly configPath: string;
  readonly authDir: string;
  readonly #sql: StoreSql;
  readonly #known = new Map<string, string>();
  readonly #dirty = new Set<string>();
  readonly #locked = new Set<string>();
  #configHash = "";
  #configDirty = false;
  #chain: Promise<unknown> = Promise.resolve();
  #timer?: NodeJS.Timeout;
  #offline = false;

  private constructor(
    readonly pool: PgPool,
    readonly listener: Listener,
    private readonly options: PgStoreOptions,
  ) {
    super();
    this.#sql = storeSql(options.schema);
    this.configPath = join(options.spool, "config", "config.yaml");
    this.authDir = join(options.spool, "auths");
  }

  /** Connects, creates the tables, fills the spool from the database (seeding it when empty) and starts listening. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const settings = parseDsn(options.dsn, options.env);
    options.log.secrets.add(settings.password);
    const pool = new PgPool(settings);
    const sql = storeSql(options.schema);
    const listener = new Listener(settings, [sql.channel]);
    const store = new PgStore(pool, listener, options);
    try {
      await ensureTables(pool, sql);
      await store.pullConfig(true);
      await store.pullAllAuth(true);
      await listener.start();
    } catch (err) {
      pool.end();
      listener.stop();
      throw err;
    }
    listener.on("notification", (n: PgNotification) => store.onNotification(n));
    listener.on("connected", () => {
      options.log.info("store: PostgreSQL connection back; reconciling");
      store.#offline = false;
      void store.reconcile();
    });
    listener.on("disconnected", (err: Error) => {
      store.#offline = true;
      options.log.warn(`store: lost PostgreSQL (${err.message}); serving from the local spool, reconnecting`);
    });
    listener.on("retrying", () => undefined);
    store.#timer = setInterval(() => void store.reconcile(), options.reconcileMs ?? RECONCILE_MS);
    store.#timer.unref();
    return store;
  }

  private get log(): Logger {
    return this.options.log;
  }

  /** Runs store work one piece at a time, so a pull and a push of one file cannot interleave. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  private notify(db: PgQueryable, change: Omit<Change, "r">): Promise<unknown> {
    return db.query("SELECT pg_notify($1, $2)", [this.#sql.channel, JSON.stringify({ r: this.replica, ...change })]);
  }

  private onNotification(n: PgNotification): void {
    let change: Change;
    try {
      change = JSON.parse(n.payload) as Change;
    } catch {
      return;
    }
    if (change.r === this.replica) return;
    const done = (p: Promise<unknown>) =>
      void p.catch((err: Error) => this.log.warn(`store: cannot pull a change: ${err.message}`));
    if (change.k === "config") done(this.serial(() => this.pullConfig(false)));
    else if (change.k === "auth" && change.id) {
      const id = change.id;
      done(this.serial(() => this.pullAuth(id)));
    } else if (change.k === "cooldown" && change.id !== undefined) done(this.pullCooldown(change.id, change.m ?? ""));
  }

  // ---- config ----

  private async pullConfig(bootstrap: boolean): Promise<void> {
    const { rows } = await this.pool.query(this.#sql.getConfig, [CONFIG_ID]);
    const content = rows[0]?.content;
    if (content === undefined || content === null) {
      // An empty database takes this replica's spool config, or a minimal one.
      const local = await readFile(this.configPath, "utf8").catch(() => SEED_CONFIG);
      await writeSpoolFile(this.configPath, local);
      await this.pushConfigNow(local);
      return;
    }
    const text = content.replace(/\r\n/g, "\n");
    const hash = sha256(text);
    if (hash === this.#configHash) return;
    this.#configHash = hash;
    await writeSpoolFile(this.configPath, text);
    if (!bootstrap) this.emit("config");
  }

  private async pushConfigNow(text: string): Promise<void> {
    const normalised = text.replace(/\r\n/g, "\n");
    const hash = sha256(normalised);
    if (hash === this.#configHash && !this.#configDirty) return;
    try {
      await this.pool.transaction(async (tx) => {
        await tx.query(this.#sql.putConfig, [CONFIG_ID, normalised]);
        await this.notify(tx, { k: "config" });
      });
      this.#configHash = hash;
      this.#configDirty = false;
    } catch (err) {
      this.#configDirty = true;
      this.log.warn(
        `store: config saved locally only, PostgreSQL is unreachable (${(err as Error).message}); it is sent on reconnect`,
      );
    }
  }

  /** Sends the spool config (or `text` written to it) to the database when it changed here (a management save, a hand edit). */
  pushConfig(text?: string): Promise<void> {
    return this.serial(async () => {
      const current = text ?? (await readFile(this.configPath, "utf8").catch(() => undefined));
      if (current !== undefined && current.trim() !== "") await this.pushConfigNow(current);
    });
  }

  // ---- token files ----

  private async pullAllAuth(bootstrap: boolean): Promise<void> {
    const { rows } = await this.pool.query(this.#sql.listAuth);
    const seen = new Set<string>();
    for (const row of rows) {
      const id = row.id ?? "";
      if (!isSpoolAuthName(id)) {
        this.log.warn(`store: skipping auth record "${id}": not a plain *.json file name`);
        continue;
      }
      seen.add(id);
      if (!this.#dirty.has(id)) await this.adoptAuth(id, row.content ?? "{}");
    }
    const local = await readdir(this.authDir).catch(() => [] as string[]);
    for (const file of local.filter(isSpoolAuthName)) {
      if (seen.has(file) || this.#dirty.has(file) || this.#locked.has(file)) continue;
      // At start the database is the truth (as CLIProxyAPI); later only files known to have been deleted there go.
      if (bootstrap || this.#known.has(file)) {
        this.#known.delete(file);
        await removeSpoolFile(join(this.authDir, file));
      }
    }
  }

  private async adoptAuth(id: string, content: string): Promise<void> {
    let data: unknown;
    try {
      data = JSON.parse(content);
    } catch {
      return;
    }
    const hash = canonicalHash(data);
    if (this.#known.get(id) === hash) return;
    this.#known.set(id, hash);
    await writeSpoolFile(join(this.authDir, id), serialiseTokenFile(data as Record<string, unknown>));
  }

  private async pullAuth(id: string): Promise<void> {
    if (!isSpoolAuthName(id) || this.#dirty.has(id) || this.#locked.has(id)) return;
    const { rows } = await this.pool.query(this.#sql.getAuth, [id]);
    if (rows[0]?.content) return this.adoptAuth(id, rows[0].content);
    if (this.#known.delete(id)) await removeSpoolFile(join(this.authDir, id));
  }

  /** Sends one token file to the database (written, added or removed here): `data` undefined = removed. */
  pushAuth(id: string, data: Record<string, unknown> | undefined): Promise<void> {
    if (this.#locked.has(id)) return Promise.resolve(); // a refresh under the lock saves it in its own transaction
    return this.serial(async () => {
      const hash = data ? canonicalHash(data) : undefined;
      if (this.#known.get(id) === hash && !this.#dirty.has(id)) return;
      try {
        await this.pool.transaction(async (tx) => {
          if (data) await tx.query(this.#sql.putAuth, [id, JSON.stringify(data)]);
          else await tx.query(this.#sql.deleteAuth, [id]);
          await this.notify(tx, { k: "auth", id });
        });
        if (hash) this.#known.set(id, hash);
        else this.#known.delete(id);
        this.#dirty.delete(id);
      } catch (err) {
        this.#dirty.add(id);
        this.log.warn(
          `store: ${id} saved locally only, PostgreSQL is unreachable (${(err as Error).message}); it is sent on reconnect`,
        );
      }
    });
  }

  /**
   * Runs `refresh` for one credential under a transaction-scoped advisory lock shared by every replica:
   * it gets the newest stored copy of the file and returns what to store (undefined: nothing). The lock
   * goes with the transaction, so a replica that dies mid-refresh releases it. Without the database the
   * refresh runs unlocked, and its result is sent on reconnect.
   */
  async exclusive(
    id: string,
    refresh: (latest: Record<string, unknown> | undefined) => Promise<Record<string, unknown> | undefined>,
  ): Promise<void> {
    let ran = false;
    let finished = false;
    let result: Record<string, unknown> | undefined;
    this.#locked.add(id);
    try {
      await this.pool.transaction(async (tx) => {
        await tx.query("SELECT set_config('lock_timeout', $1, true)", [REFRESH_LOCK_TIMEOUT]);
        await tx.query("SELECT pg_advisory_xact_lock($1::bigint)", [refreshLockKey(this.options.schema, id)]);
        const { rows } = await tx.query(this.#sql.getAuth, [id]);
        const latest = rows[0]?.content ? (JSON.parse(rows[0].content) as Record<string, unknown>) : undefined;
        ran = true;
        result = await refresh(latest);
        finished = true;
        const stored = result ?? latest;
        if (result) {
          await tx.query(this.#sql.putAuth, [id, JSON.stringify(result)]);
          await this.notify(tx, { k: "auth", id });
        }
        if (stored) this.#known.set(id, canonicalHash(stored));
      });
    } catch (err) {
      if (ran && !finished) throw err; // the refresh itself failed
      if (!ran) {
        this.log.warn(`store: refreshing ${id} without the cross-replica lock: ${(err as Error).message}`);
        result = await refresh(undefined);
      }
      if (result) this.#dirty.add(id);
    } finally {
      this.#locked.delete(id);
    }
  }

  // ---- cooldowns ----

  /** Stores one credential/model cooldown (undefined: cleared) and tells the other replicas. Failures are logged: cooldowns are transient. */
  saveCooldown(authId: string, model: string, content: Record<string, unknown> | undefined, updatedAt: number): void {
    void this.pool
      .transaction(async (tx) => {
        const at = new Date(updatedAt);
        if (content) await tx.query(this.#sql.putCooldown, [authId, model, JSON.stringify(content), at]);
        else await tx.query(this.#sql.deleteCooldown, [authId, model, at]);
        await this.notify(tx, { k: "cooldown", id: authId, m: model });
      })
      .catch((err: Error) => this.log.debug(`store: cooldown not shared: ${err.message}`));
  }

  private async pullCooldown(authId: string, model: string): Promise<void> {
    const { rows } = await this.pool.query(this.#sql.getCooldown, [authId, model]);
    this.emitCooldown(rows[0]);
  }

  private emitCooldown(row: Record<string, string | null> | undefined): void {
    if (!row) return;
    const content =
      row.deleted === "t" || !row.content ? undefined : (JSON.parse(row.content) as Record<string, unknown>);
    this.emit("cooldown", { authId: row.auth_id ?? "", model: row.model ?? "", content } satisfies CooldownRow);
  }

  // ---- reconcile ----

  /** Sends what is dirty, then pulls config, token files and cooldowns; logs instead of throwing. */
  reconcile(): Promise<void> {
    return this.serial(async () => {
      try {
        if (this.#configDirty) await this.pushConfigNow(await readFile(this.configPath, "utf8"));
        for (const id of [...this.#dirty]) {
          const data = await readFile(join(this.authDir, id), "utf8").then(
            (t) => JSON.parse(t) as Record<string, unknown>,
            () => undefined,
          );
          await this.pushAuthNowUnserialised(id, data);
          this.#dirty.delete(id);
        }
        await this.pullConfig(false);
        await this.pullAllAuth(false);
        const { rows } = await this.pool.query(this.#sql.listCooldowns);
        for (const row of rows) this.emitCooldown(row);
        this.emit("reconciled");
      } catch (err) {
        if (!this.#offline) this.log.warn(`store: reconcile with PostgreSQL failed: ${(err as Error).message}`);
      }
    });
  }

  private async pushAuthNowUnserialised(id: string, data: Record<string, unknown> | undefined): Promise<void> {
    await this.pool.transaction(async (tx) => {
      if (data) await tx.query(this.#sql.putAuth, [id, JSON.stringify(data)]);
      else await tx.query(this.#sql.deleteAuth, [id]);
      await this.notify(tx, { k: "auth", id });
    });
    if (data) this.#known.set(id, canonicalHash(data));
    else this.#known.delete(id);
  }

  /** True while the notification connection is up. */
  get connected(): boolean {
    return this.listener.connected;
  }

  /** Stops listening and closes the pool. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.listener.stop();
    await this.#chain;
    this.pool.end();
    this.emit("closed");
  }
}
