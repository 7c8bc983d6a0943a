/** What the token manager (refresh.ts) is given and throws, and how a token's lifetime is read. */
import type { Config } from "../config/schema.js";
import type { Logger } from "../log/log.js";
import type { Clock } from "../server/handler.js";

/** A credential whose token cannot be used now; `status` is what the attempt counts as (401 disabled, 503 backing off). */
export class TokenUnavailableError extends Error {
  constructor(
    readonly status: 401 | 503,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "TokenUnavailableError";
  }
}

/** What a TokenManager needs from the app. */
export interface TokenManagerOptions {
  readonly log: Logger;
  readonly clock: Clock;
  /** The current config (auth-dir, oauth-endpoints, proxy-url, timeouts). */
  config(): Config;
  /** Waits between attempts; tests pass one that moves a fake clock. */
  sleep?(ms: number): Promise<void>;
  /** Told about every file cliproxy writes, so the auth-dir watcher skips its own writes. */
  onWritten?(file: string, content: string): void;
  /** Serialises refreshes across replicas (store/pg-store.ts); absent = this process alone. */
  readonly coordinator?: RefreshCoordinator;
}

/**
 * Runs one file's refresh under a lock shared with other replicas: `refresh` gets the newest stored copy
 * of the file (another replica may have refreshed it meanwhile) and returns what to store, if anything.
 */
export interface RefreshCoordinator {
  exclusive(
    file: string,
    refresh: (latest: Record<string, unknown> | undefined) => Promise<Record<string, unknown> | undefined>,
  ): Promise<void>;
}

/** A token's lifetime as issued: `expires_in` (top level or in `token`), else expiry − last refresh. */
export function lifetimeMs(
  raw: Record<string, unknown>,
  exp: number | undefined,
  last: number | undefined,
): number | undefined {
  const token = raw.token !== null && typeof raw.token === "object" ? (raw.token as Record<string, unknown>) : {};
  const seconds = Number(raw.expires_in ?? token.expires_in);
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  return exp !== undefined && last !== undefined && exp > last ? exp - last : undefined;
}
