/**
 * Failure classification and cooldown blocks, per credential per model (providers.md §5.1, §5.3).
 * A 429 on model-a leaves model-b usable; blocks live in memory, so a restart is a clean slate.
 */

import { decodeError } from "../translate/errors.js";

/** How a failed attempt is treated: the client's fault, a model the credential cannot serve, or the credential's fault. */
export type FailureClass = "request" | "model-support" | "credential";

/** 429 backoff: 1 s doubling per consecutive 429, capped at 30 min. */
export const BACKOFF_BASE_MS = 1000;
/** Cap of the 429 backoff. */
export const BACKOFF_MAX_MS = 30 * 60_000;
/** Minimum block after a Cloudflare challenge page. */
export const CLOUDFLARE_MIN_MS = 10_000;

const MODEL_SUPPORT = [
  "model_not_supported",
  "requested model is not supported",
  "requested model is unsupported",
  "requested model is unavailable",
  "model is not supported",
  "model not supported",
  "unsupported model",
  "model unavailable",
  "not available for your plan",
  "not available for your account",
];

/** Classifies an upstream failure (providers.md §5.1). */
export function classifyFailure(status: number, body: string): FailureClass {
  if (status === 400 || status === 422) {
    const lower = body.toLowerCase();
    if (MODEL_SUPPORT.some((p) => lower.includes(p))) return "model-support";
    if (status === 422) return "request";
    if (/invalid_request_error|INVALID_ARGUMENT|FAILED_PRECONDITION/.test(body)) return "request";
  }
  if (status === 404 && /item with id[\s\S]*not found[\s\S]*`?store`? is set to false/i.test(body)) return "request";
  if (status === 500 && /"status"\s*:\s*"UNKNOWN"/.test(body)) return "request";
  return "credential";
}

/** True for a Cloudflare challenge page instead of an API answer. */
export function isCloudflareChallenge(status: number, body: string): boolean {
  return (
    (status === 403 || status === 503 || status === 429) &&
    /cf-chl|challenge-platform|<title>Just a moment\.\.\.<\/title>|cf_chl_opt/i.test(body)
  );
}

/** An active block on one credential for one model. */
export interface Block {
  /** Epoch ms when the credential may be used again for the model. */
  readonly until: number;
  /** Quota blocks (429, Cloudflare) keep the model listed and make the final answer a cooldown 429. */
  readonly quota: boolean;
  /** Upstream status that caused it (502 for transport errors). */
  readonly status: number;
  /** Short, non-secret reason for the status page. */
  readonly reason: string;
  /** The upstream's own error message (bodies are redacted before they get here), cut short. */
  readonly message: string;
  /** Epoch ms of the failure. */
  readonly at: number;
}

/** True for a block that suspends the credential for the model (401, 402/403, 404, model-support), not a quota or transient one. */
export function isSuspension(block: Block): boolean {
  return !block.quota && block.reason !== "upstream error";
}

/** The block a failure earns, given the current 429 backoff level; undefined = not blocked (providers.md §5.3). */
export function blockFor(
  status: number,
  body: string,
  retryAfterMs: number | undefined,
  level: number,
): { ms: number; quota: boolean; reason: string; nextLevel: number } | undefined {
  const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(level, 31));
  if (isCloudflareChallenge(status, body)) {
    return {
      ms: Math.max(CLOUDFLARE_MIN_MS, backoff),
      quota: true,
      reason: "cloudflare challenge",
      nextLevel: level + 1,
    };
  }
  if (status === 429) {
    if (retryAfterMs !== undefined) return { ms: retryAfterMs, quota: true, reason: "rate limited", nextLevel: level };
    return { ms: backoff, quota: true, reason: "rate limited", nextLevel: level + 1 };
  }
  if (status === 401) return { ms: 30 * 60_000, quota: false, reason: "unauthorized", nextLevel: level };
  if (status === 402 || status === 403)
    return {
      ms: 30 * 60_000,
      quota: false,
      reason: status === 402 ? "payment required" : "forbidden",
      nextLevel: level,
    };
  if (status === 404) return { ms: 12 * 3_600_000, quota: false, reason: "model not found", nextLevel: level };
  if ((status === 400 || status === 422) && classifyFailure(status, body) === "model-support") {
    return { ms: 12 * 3_600_000, quota: false, reason: "model not supported", nextLevel: level };
  }
  // cliproxy honours Retry-After on 503 too (providers.md §5.2 Note): the upstream said when to come back.
  if (status === 503 && retryAfterMs !== undefined)
    return { ms: retryAfterMs, quota: false, reason: "upstream error", nextLevel: level };
  if ([408, 500, 502, 503, 504].includes(status))
    return { ms: 60_000, quota: false, reason: "upstream error", nextLevel: level };
  return undefined;
}

interface Entry {
  block?: Block;
  level: number;
}

/** A block and its 429 backoff level, as shared between replicas. */
export interface CooldownState {
  readonly block: Block;
  readonly level: number;
}

/** The model key of a whole-credential block, shown as "*" on the status page. */
const WHOLE = "*";

/** Blocks and backoff levels keyed by credential state key and model. */
export class CooldownBook {
  readonly #entries = new Map<string, Map<string, Entry>>();
  /** Told about every block set or cleared here (not restore()), so a shared store can pass it on. */
  observer?: (key: string, model: string, state: CooldownState | undefined) => void;

  /** The active block for a credential and model at `now` (a whole-credential block counts for every model), if any. */
  get(key: string, model: string, now: number): Block | undefined {
    const models = this.#entries.get(key);
    const own = models?.get(model)?.block;
    const all = models?.get(WHOLE)?.block;
    const active = [own, all].filter((b): b is Block => b !== undefined && b.until > now);
    return active.sort((a, b) => b.until - a.until)[0];
  }

  /** Rests the whole credential until `until` (a plan limit: every model of the account is out). */
  blockCredential(key: string, until: number, status: number, reason: string, now = Date.now()): Block {
    let models = this.#entries.get(key);
    if (!models) this.#entries.set(key, (models = new Map()));
    const block = Object.freeze({ until, quota: true, status, reason, message: reason, at: now });
    models.set(WHOLE, { level: 0, block });
    this.observer?.(key, WHOLE, { block, level: 0 }); // replicas share plan limits like any block
    return block;
  }

  /** Records a failure; returns the new block, or undefined when the failure does not block. */
  fail(
    key: string,
    model: string,
    status: number,
    body: string,
    retryAfterMs: number | undefined,
    now: number,
  ): Block | undefined {
    let models = this.#entries.get(key);
    if (!models) this.#entries.set(key, (models = new Map()));
    const entry = models.get(model) ?? { level: 0 };
    models.set(model, entry);
    const b = blockFor(status, body, retryAfterMs, entry.level);
    if (!b) return undefined;
    entry.level = b.nextLevel;
    const message = decodeError(status, body).message.replace(/\s+/g, " ").slice(0, 200);
    entry.block = Object.freeze({ until: now + b.ms, quota: b.quota, status, reason: b.reason, message, at: now });
    this.observer?.(key, model, { block: entry.block, level: entry.level });
    return entry.block;
  }

  /** A success clears the block and resets the backoff level. */
  succeed(key: string, model: string): void {
    if (this.#entries.get(key)?.delete(model)) this.observer?.(key, model, undefined);
  }

  /** Sets or clears a block another replica decided; the observer is not told. */
  restore(key: string, model: string, state: CooldownState | undefined): void {
    if (!state) return void this.#entries.get(key)?.delete(model);
    let models = this.#entries.get(key);
    if (!models) this.#entries.set(key, (models = new Map()));
    models.set(model, { block: Object.freeze({ ...state.block }), level: state.level });
  }

  /** Active blocks of one credential, by model. */
  blocks(key: string, now: number): Array<[string, Block]> {
    const out: Array<[string, Block]> = [];
    for (const [model, e] of this.#entries.get(key) ?? [])
      if (e.block && e.block.until > now) out.push([model, e.block]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  /** Clears every block and backoff level of one credential (re-enabled, or a fresh token). */
  clear(key: string): void {
    const models = this.#entries.get(key);
    this.#entries.delete(key);
    for (const model of models?.keys() ?? []) this.observer?.(key, model, undefined);
  }

  /** Forgets credentials that no longer exist (after a reload). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#entries.keys()) if (!keys.has(key)) this.#entries.delete(key);
  }
}
