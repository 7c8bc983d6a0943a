/**
 * The refresh engine (oauth.md §7). One TokenManager owns the token files of one auth-dir:
 * - single flight per file: concurrent callers share one refresh, which is not cancelled when the
 *   request that started it goes away, and the new file is on disk before any waiter resumes (refresh
 *   tokens are single-use, so a second refresh would race the first);
 * - background refresh at expiry − lead (lead capped at half the token's lifetime, so a long lead
 *   never turns into a refresh loop), at request time when little is left, and once after an upstream 401;
 * - 5xx and network errors retried 3 times (1 s, 2 s), a 429 blocks until Retry-After, other failures
 *   retry in 5 min; invalid_grant and friends disable the credential with one log line naming the fix.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { effectiveProxy } from "../proxy/forward.js";
import { endpointsFor, type OAuthProvider } from "./endpoints.js";
import { NetworkError } from "./http.js";
import { loadAuthDir, parseTokenFile, writeTokenFile, type TokenFileCredential } from "./store.js";
import { RefreshError, type VendorContext } from "./vendor.js";
import { vendorOfType } from "./vendors.js";
import { lifetimeMs, TokenUnavailableError, type TokenManagerOptions } from "./refresh-options.js";

export { TokenUnavailableError, type RefreshCoordinator, type TokenManagerOptions } from "./refresh-options.js";

/** Retry delay after a failed refresh that is not a 429 (oauth.md §7). */
export const FAILURE_BACKOFF_MS = 5 * 60_000;
/** Waits between the attempts of one refresh (oauth.md §2, §3.3). */
export const ATTEMPT_WAITS_MS: readonly number[] = [1000, 2000];
/** Longest the background loop sleeps between checks. */
const MAX_TIMER_MS = 60_000;

interface Entry {
  readonly file: string;
  raw: Record<string, unknown>;
  creds: TokenFileCredential[];
  inflight?: Promise<void>;
  /** No refresh attempt before this time (429 block, failure backoff). */
  blockedUntil?: number;
  /** Set when a refresh said the grant is gone: the credential stays disabled until its file changes. */
  revoked?: string;
}

/** Owns the token files of one auth-dir; emits "change" when credentials are added, removed, refreshed or disabled. */
export class TokenManager extends EventEmitter {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: TokenManagerOptions) {
    super();
  }

  /** Replaces everything with the token files of `dir`; returns one line per file that was skipped. */
  async load(dir: string): Promise<string[]> {
    const { credentials, problems, notices } = await loadAuthDir(dir);
    for (const n of notices) this.options.log.warn(`auth: ${n}`);
    this.entries.clear();
    for (const c of credentials) if (!this.entries.has(c.file)) this.put(c.file, c.raw, false);
    for (const p of problems) this.options.log.warn(`auth: ignoring ${p}`);
    this.emit("change");
    this.reschedule();
    return problems;
  }

  /** Adds or replaces one file's credentials (a watcher event); a changed file clears a revoked state. */
  set(file: string, raw: Record<string, unknown>): void {
    if (typeof parseTokenFile(file, raw) === "string") {
      this.options.log.warn(`auth: ignoring ${file}: no "type" field`);
      return;
    }
    this.put(file, raw, true);
  }

  /** Forgets a file that was removed. */
  remove(file: string): void {
    if (this.entries.delete(file)) {
      this.emit("change");
      this.reschedule();
    }
  }

  private put(file: string, raw: Record<string, unknown>, announce: boolean): void {
    const parsed = parseTokenFile(file, raw);
    if (typeof parsed === "string") return;
    this.entries.set(file, { file, raw, creds: parsed });
    this.learnSecrets(parsed[0]);
    if (announce) {
      this.emit("change");
      this.reschedule();
    }
  }

  private learnSecrets(c: TokenFileCredential | undefined): void {
    if (!c) return;
    const idToken = typeof c.raw.id_token === "string" ? c.raw.id_token : "";
    this.options.log.secrets.add(...[c.accessToken, c.refreshToken ?? "", idToken].filter((s) => s.length >= 8));
  }

  /** Every credential, with `disabled` set for revoked ones and multi-project parents. */
  credentials(): TokenFileCredential[] {
    const out: TokenFileCredential[] = [];
    for (const e of this.entries.values()) for (const c of e.creds) out.push(this.view(e, c));
    return out;
  }

  /** One credential by id (file name, or `<file>::<project>`). */
  get(id: string): TokenFileCredential | undefined {
    const file = id.includes("::") ? id.slice(0, id.indexOf("::")) : id;
    const e = this.entries.get(file);
    const c = e?.creds.find((x) => x.id === id);
    return e && c ? this.view(e, c) : undefined;
  }

  /** Every token the manager knows, so the app can keep them in the log redaction set across config swaps. */
  secrets(): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) {
      const c = e.creds[0];
      if (c.accessToken) out.push(c.accessToken);
      if (c.refreshToken) out.push(c.refreshToken);
      if (typeof c.raw.id_token === "string" && c.raw.id_token) out.push(c.raw.id_token);
    }
    return out;
  }

  private view(e: Entry, c: TokenFileCredential): TokenFileCredential {
    return e.revoked ? { ...c, disabled: true, disabledReason: e.revoked } : c;
  }

  /** The entry of a file usable() or entries.keys() just named: every known file has one. */
  private entryOf(file: string) {
    const e = this.entries.get(file);
    assert.ok(e, `no refresh entry for "${file}"`);
    return e;
  }

  /** The credential with a token good for a request now: refreshed first (shared) when it is missing or about to expire. */
  async ensureFresh(id: string): Promise<TokenFileCredential> {
    const c = this.usable(id);
    const e = this.entryOf(c.file);
    const vendor = vendorOfType(c.type);
    const now = this.options.clock.now();
    const valid = c.accessToken !== "" && (c.expiresAt === undefined || c.expiresAt > now);
    const due =
      c.accessToken === "" || (c.expiresAt !== undefined && c.expiresAt - now <= (vendor?.requestLeadMs ?? 0));
    if (!due || !vendor || !c.refreshToken) return c;
    if (!e.inflight && e.blockedUntil !== undefined && now < e.blockedUntil) {
      if (valid) return c;
      throw new TokenUnavailableError(
        503,
        `Token of "${c.file}" expired and its refresh is backing off`,
        e.blockedUntil - now,
      );
    }
    try {
      await this.refresh(c.file);
    } catch (err) {
      const after = this.get(id);
      if (valid && after && !after.disabled) return after;
      throw this.unavailable(c.file, err);
    }
    return this.usable(id);
  }

  /**
   * After an upstream 401 with `usedToken`: one shared refresh, unless another caller already replaced
   * the token. Returns the credential to retry with once; throws when there is none.
   */
  async onUnauthorized(id: string, usedToken: string): Promise<TokenFileCredential> {
    const c = this.usable(id);
    if (c.accessToken !== usedToken && c.accessToken !== "") return c;
    if (!vendorOfType(c.type) || !c.refreshToken)
      throw new TokenUnavailableError(401, `Token of "${c.file}" was refused and cannot be refreshed`);
    const e = this.entryOf(c.file);
    const now = this.options.clock.now();
    if (!e.inflight && e.blockedUntil !== undefined && now < e.blockedUntil) {
      throw new TokenUnavailableError(
        503,
        `Token of "${c.file}" was refused and its refresh is backing off`,
        e.blockedUntil - now,
      );
    }
    try {
      await this.refresh(c.file);
    } catch (err) {
      throw this.unavailable(c.file, err);
    }
    return this.usable(id);
  }

  private usable(id: string): TokenFileCredential {
    const c = this.get(id);
    if (!c) throw new TokenUnavailableError(401, `No token file "${id}"`);
    if (c.disabled)
      throw new TokenUnavailableError(
        401,
        `Token file "${c.file}" is disabled${c.disabledReason ? ` (${c.disabledReason})` : ""}`,
      );
    return c;
  }

  private unavailable(file: string, err: unknown): TokenUnavailableError {
    if (err instanceof TokenUnavailableError) return err;
    const e = this.entries.get(file);
    if (!e || e.revoked) return new TokenUnavailableError(401, `Token of "${file}" was revoked; log in again`);
    const wait = e.blockedUntil !== undefined ? Math.max(0, e.blockedUntil - this.options.clock.now()) : undefined;
    return new TokenUnavailableError(503, `Token of "${file}" could not be refreshed: ${(err as Error).message}`, wait);
  }

  /** Refreshes one file now; concurrent calls share one refresh. Rejects with the refresh's error. */
  refresh(file: string): Promise<void> {
    const e = this.entries.get(file);
    if (!e) return Promise.reject(new TokenUnavailableError(401, `No token file "${file}"`));
    e.inflight ??= this.refreshEntry(e).finally(() => {
      e.inflight = undefined;
      this.reschedule();
    });
    return e.inflight;
  }

  private context(type: string, c: TokenFileCredential): VendorContext {
    const config = this.options.config();
    const clock = this.options.clock;
    return {
      endpoints: endpointsFor(type as OAuthProvider, config),
      http: {
        proxyUrl: effectiveProxy(c.proxyUrl ?? "", config.proxyUrl),
        connectTimeoutMs: config.upstreamConnectTimeoutMs,
      },
      now: () => clock.now(),
      sleep: (ms) => this.sleep(ms),
      say: (line) => this.options.log.info(`auth: ${line}`),
    };
  }

  private sleep(ms: number): Promise<void> {
    if (this.options.sleep) return this.options.sleep(ms);
    return new Promise((r) => setTimeout(r, ms).unref());
  }

  private async refreshEntry(e: Entry): Promise<void> {
    const coordinator = this.options.coordinator;
    if (!coordinator) return void (await this.refreshWith(e, e.raw));
    await coordinator.exclusive(e.file, async (latest) => {
      if (this.entries.get(e.file) !== e) return undefined; // replaced meanwhile (a pulled or edited file): it wins
      if (latest && this.adopt(e, latest)) return undefined;
      return this.refreshWith(e, latest ?? e.raw);
    });
  }

  /** Takes another replica's newer token for `e`; true when it is good enough that no refresh is needed. */
  private adopt(e: Entry, latest: Record<string, unknown>): boolean {
    const parsed = parseTokenFile(e.file, latest);
    if (typeof parsed === "string" || !parsed[0].accessToken || parsed[0].accessToken === e.creds[0].accessToken)
      return false;
    const vendor = vendorOfType(parsed[0].type);
    const exp = parsed[0].expiresAt;
    if (exp !== undefined && exp - this.options.clock.now() <= (vendor?.requestLeadMs ?? 0)) return false;
    e.raw = latest;
    e.creds = parsed;
    e.blockedUntil = undefined;
    this.learnSecrets(parsed[0]);
    void writeTokenFile(this.options.config().authDir, e.file, latest).then(
      (content) => this.options.onWritten?.(e.file, content),
      () => undefined,
    );
    this.emit("change");
    return true;
  }

  private async refreshWith(e: Entry, raw: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const c = e.creds[0];
    const vendor = vendorOfType(c.type);
    if (!vendor) throw new TokenUnavailableError(401, `Token files of type "${c.type}" cannot be refreshed`);
    const log = this.options.log;
    let next: Record<string, unknown> | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          next = await vendor.refresh(raw, this.context(c.type, c));
          break;
        } catch (err) {
          const transient = err instanceof NetworkError || (err instanceof RefreshError && err.kind === "transient");
          if (!transient || attempt >= ATTEMPT_WAITS_MS.length) throw err;
          await this.sleep(ATTEMPT_WAITS_MS[attempt]);
        }
      }
    } catch (err) {
      this.recordFailure(e, c, err);
      throw err;
    }
    if (this.entries.get(e.file) !== e) return undefined; // removed or replaced while we refreshed: the newer file wins
    const content = await writeTokenFile(this.options.config().authDir, e.file, next);
    this.options.onWritten?.(e.file, content);
    const parsed = parseTokenFile(e.file, next);
    if (typeof parsed === "string") return next;
    e.raw = next;
    e.creds = parsed;
    e.blockedUntil = undefined;
    this.learnSecrets(parsed[0]);
    log.info(`auth: refreshed ${e.file}`, {
      expires: parsed[0].expiresAt ? new Date(parsed[0].expiresAt).toISOString() : undefined,
    });
    this.emit("change");
    return next;
  }

  private recordFailure(e: Entry, c: TokenFileCredential, err: unknown): void {
    const log = this.options.log;
    const now = this.options.clock.now();
    const msg = (err as Error).message;
    if (err instanceof RefreshError && err.kind === "revoked") {
      e.revoked = msg;
      log.warn(`auth: ${e.file} disabled: ${msg}; run "cliproxy login ${c.type}" to log in again`);
      this.emit("change");
      return;
    }
    const wait =
      err instanceof RefreshError && err.kind === "blocked"
        ? (err.retryAfterMs ?? FAILURE_BACKOFF_MS)
        : FAILURE_BACKOFF_MS;
    e.blockedUntil = now + wait;
    log.warn(`auth: refresh of ${e.file} failed: ${msg}; next attempt in ${Math.round(wait / 1000)} s`);
  }

  /** When a file's background refresh is due (epoch ms), or undefined when it never is (oauth.md §7). */
  dueAt(file: string): number | undefined {
    const e = this.entries.get(file);
    if (!e || e.revoked) return undefined;
    const c = e.creds[0];
    const vendor = vendorOfType(c.type);
    if (!vendor || e.creds.every((x) => x.disabled) || !c.refreshToken) return undefined;
    const now = this.options.clock.now();
    const exp = c.expiresAt;
    const last = c.lastRefresh;
    let due: number;
    if (c.refreshIntervalSeconds) {
      const p = c.refreshIntervalSeconds * 1000;
      const times = [exp !== undefined ? exp - p : undefined, last !== undefined ? last + p : undefined].filter(
        (t): t is number => t !== undefined,
      );
      due = times.length ? Math.min(...times) : now;
    } else {
      let lead = vendor.leadMs;
      const life = lifetimeMs(e.raw, exp, last);
      if (life !== undefined && life > 0) lead = Math.min(lead, life / 2);
      due = exp !== undefined ? exp - lead : last !== undefined ? last + lead : now;
    }
    return Math.max(due, e.blockedUntil ?? 0);
  }

  /** Refreshes every file whose background refresh is due now, at most `auth-auto-refresh-workers` at a time. */
  async runDue(): Promise<void> {
    const now = this.options.clock.now();
    const due = [...this.entries.keys()].filter((f) => {
      const t = this.dueAt(f);
      return t !== undefined && t <= now && !this.entryOf(f).inflight;
    });
    const workers = Math.max(1, this.options.config().authAutoRefreshWorkers || 16);
    let next = 0;
    const work = async () => {
      while (next < due.length) await this.refresh(due[next++]).catch(() => undefined);
    };
    await Promise.all(Array.from({ length: Math.min(workers, due.length) }, work));
  }

  /** Starts the background loop (real timers, checked against the app clock). */
  start(): void {
    this.running = true;
    this.reschedule();
  }

  /** Stops the background loop; in-flight refreshes finish. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private reschedule(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    const now = this.options.clock.now();
    const times = [...this.entries.keys()].map((f) => this.dueAt(f)).filter((t): t is number => t !== undefined);
    const wait = times.length ? Math.min(MAX_TIMER_MS, Math.max(1000, Math.min(...times) - now)) : MAX_TIMER_MS;
    this.timer = setTimeout(() => void this.runDue().finally(() => this.reschedule()), wait);
    this.timer.unref();
  }
}
