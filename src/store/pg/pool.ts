/**
 * A small pool of PostgreSQL connections: up to `max` open, reused in turn, a broken one dropped and
 * replaced on the next use. transaction() pins one connection for BEGIN … COMMIT (ROLLBACK on a
 * throw). A Listener keeps one more connection for LISTEN, reconnecting with backoff when it drops.
 */
import { EventEmitter } from "node:events";
import type { PgSettings } from "./dsn.js";
import { quoteIdent } from "./dsn.js";
import { PgConnection, type PgNotification, type PgParam, type PgResult } from "./conn.js";
import { PgConnectionError } from "./errors.js";

/** What a transaction body may do. */
export interface PgQueryable {
  query(sql: string, params?: readonly PgParam[]): Promise<PgResult>;
}

/** Default pool size: the store needs one connection per concurrent refresh lock plus one for everything else. */
export const POOL_MAX = 4;

/** A bounded set of connections to one server. */
export class PgPool implements PgQueryable {
  readonly #idle: PgConnection[] = [];
  readonly #waiting: Array<(c: PgConnection | Error) => void> = [];
  #open = 0;
  #ended = false;

  constructor(
    readonly settings: PgSettings,
    readonly max = POOL_MAX,
    private readonly connect = PgConnection.open,
  ) {}

  private async acquire(): Promise<PgConnection> {
    if (this.#ended) throw new PgConnectionError("PostgreSQL pool is closed");
    for (let c = this.#idle.pop(); c; c = this.#idle.pop()) if (!c.closed) return c;
    if (this.#open < this.max) {
      this.#open++;
      try {
        const c = await this.connect(this.settings);
        c.once("close", () => this.#open--);
        return c;
      } catch (err) {
        this.#open--;
        this.wakeOne();
        throw err;
      }
    }
    const got = await new Promise<PgConnection | Error>((r) => this.#waiting.push(r));
    if (got instanceof Error) throw got;
    return got.closed ? this.acquire() : got;
  }

  private release(c: PgConnection): void {
    if (this.#ended) return c.close();
    const next = this.#waiting.shift();
    if (c.closed) {
      if (next) void this.acquire().then(next, next);
      return;
    }
    if (next) next(c);
    else this.#idle.push(c);
  }

  private wakeOne(): void {
    const next = this.#waiting.shift();
    if (next) void this.acquire().then(next, next);
  }

  /** Runs one statement on any connection. */
  async query(sql: string, params: readonly PgParam[] = []): Promise<PgResult> {
    const c = await this.acquire();
    try {
      return await c.query(sql, params);
    } finally {
      this.release(c);
    }
  }

  /** Runs `body` inside BEGIN … COMMIT on one connection; ROLLBACK and rethrow when it throws. */
  async transaction<T>(body: (tx: PgQueryable) => Promise<T>): Promise<T> {
    const c = await this.acquire();
    try {
      await c.query("BEGIN");
      const out = await body(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      if (!c.closed) await c.query("ROLLBACK").catch(() => c.close());
      throw err;
    } finally {
      this.release(c);
    }
  }

  /** Closes every connection; later calls reject. */
  end(): void {
    this.#ended = true;
    for (const c of this.#idle.splice(0)) c.close();
    for (const w of this.#waiting.splice(0)) w(new PgConnectionError("PostgreSQL pool is closed"));
  }
}

/** First and longest waits between reconnect attempts of the listener. */
export const RECONNECT_MIN_MS = 100;
export const RECONNECT_MAX_MS = 5_000;

/**
 * A LISTEN connection that comes back: emits "notification" (PgNotification), "connected" after each
 * (re)connect once LISTEN is in place (a reconnect means notifications may have been missed), and
 * "disconnected" (Error) when it drops.
 */
export class Listener extends EventEmitter {
  #conn?: PgConnection;
  #timer?: NodeJS.Timeout;
  #stopped = false;
  #wait = RECONNECT_MIN_MS;

  constructor(
    private readonly settings: PgSettings,
    private readonly channels: readonly string[],
    private readonly connect = PgConnection.open,
  ) {
    super();
  }

  /** Connects for the first time; rejects when that fails (later drops reconnect by themselves). */
  async start(): Promise<void> {
    await this.attempt();
  }

  private async attempt(): Promise<void> {
    const c = await this.connect(this.settings);
    if (this.#stopped) return c.close();
    c.on("notification", (n: PgNotification) => this.emit("notification", n));
    c.once("close", (err: Error) => {
      this.#conn = undefined;
      if (this.#stopped) return;
      this.emit("disconnected", err);
      this.schedule();
    });
    // Channel names are identifiers (LISTEN takes no parameters), quoted.
    for (const ch of this.channels) await c.query(`LISTEN ${quoteIdent(ch)}`);
    this.#conn = c;
    this.#wait = RECONNECT_MIN_MS;
    this.emit("connected");
  }

  private schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.attempt().catch((err: Error) => {
        this.#wait = Math.min(RECONNECT_MAX_MS, this.#wait * 2);
        this.emit("retrying", err, this.#wait);
        if (!this.#stopped) this.schedule();
      });
    }, this.#wait);
    this.#timer.unref();
  }

  /** True while LISTEN is in place. */
  get connected(): boolean {
    return this.#conn !== undefined && !this.#conn.closed;
  }

  /** Stops listening and reconnecting. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#conn?.close();
  }
}
