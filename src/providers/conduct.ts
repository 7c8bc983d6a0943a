/**
 * One model request across credentials (providers.md §4.4, §5): passes over the candidates, cooldown
 * bookkeeping, waits between passes, and the final answer as data (the HTTP layer picks the dialect).
 */
import assert from "node:assert/strict";
import type { Config } from "../config/schema.js";
import type { Logger } from "../log/log.js";
import type { AttemptOutcome, Credential } from "./types.js";
import { upstreamModels, type Resolved } from "./resolve.js";
import type { UsageStats } from "./usage.js";
import { requestRetryOf, stateKey } from "./credentials.js";
import { classifyFailure, isSuspension, type Block, type CooldownBook } from "../routing/cooldown.js";
import { normaliseStrategy, type Picker } from "../routing/pick.js";
import type { AffinityTable } from "../routing/session.js";
import { formatGoDuration, retryAfterFromBody, retryAfterFromHeader } from "../routing/retry-after.js";
import { planLimitUntil } from "../routing/plan-limit.js";

/** Waits `ms`, rejecting with the signal's reason when it aborts. Tests inject one that moves a fake clock. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Runs one upstream attempt and says how it went as a typed outcome (providers/outcome.ts turns what it
 * throws into one). Whatever still throws is not the credential's fault: conduct() rethrows it untouched.
 */
export type Attempt = (cred: Credential, upstreamModel: string) => Promise<AttemptOutcome>;

/** What conduct() needs from the runtime. */
export interface ConductDeps {
  readonly config: Config;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly book: CooldownBook;
  readonly picker: Picker;
  readonly log: Logger;
  readonly usage?: UsageStats;
  /** Session bindings, used when `routing.session-affinity` is on and the request names a session. */
  readonly affinity?: AffinityTable;
}

/** The request-level facts conduct() needs. */
export interface ConductRequest {
  /** The requested model: maybe `prefix/`, maybe a thinking suffix `(…)`. */
  readonly model: string;
  /** The model already resolved by the caller (serveLocal, Amp's decision), null when nothing serves it; conduct() resolves `model` only when absent. */
  readonly resolved?: Resolved | null;
  /** Aborts waits and further attempts when the client goes away. */
  readonly signal?: AbortSignal;
  /** Only these providers (e.g. a provider-specific route); default every provider serving the model. */
  readonly providers?: readonly string[];
  /** The config snapshot of the request; default the runtime's current one. */
  readonly config?: Config;
  /** For usage records. */
  readonly endpoint?: string;
  readonly clientKey?: string;
  readonly requestId?: string;
  /** The conversation's session id (routing/session.ts sessionIdOf) for session affinity. */
  readonly sessionId?: string;
  /** True once bytes reached the client (e.g. `() => ctx.res.headersSent`): a later throw is then never retried elsewhere. */
  readonly committed?: () => boolean;
}

/** A final error the HTTP layer turns into a response in the client's dialect; `message` is client-safe. */
export type ConductError =
  /** The last upstream failure: send `status` with `body` (JSON bodies unchanged on OpenAI/Gemini routes). */
  | {
      readonly kind: "upstream";
      readonly status: number;
      readonly message: string;
      readonly body: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly credential: Credential;
    }
  /** The upstream could not be reached or answered garbage: 502 (504 on timeout), naming the host, never the key. */
  | {
      readonly kind: "transport";
      readonly status: number;
      readonly message: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly credential: Credential;
    }
  /** Every candidate is in quota cooldown: 429 with `Retry-After` and the `model_cooldown` body (providers.md §5.4). */
  | {
      readonly kind: "cooldown";
      readonly status: 429;
      readonly message: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: { error: Record<string, unknown> };
      readonly resetMs: number;
    }
  /** No usable credential (blocked for non-quota reasons or disabled): 503. */
  | {
      readonly kind: "unavailable";
      readonly status: 503;
      readonly message: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  /** No configured credential serves the model: 404 with up to 5 close served names. */
  | {
      readonly kind: "unknown-model";
      readonly status: 404;
      readonly message: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly suggestions: readonly string[];
    };

/** The outcome of conduct(): done (the response was written) or a final error. */
export type ConductResult =
  { readonly kind: "done"; readonly credential: Credential; readonly upstreamModel: string } | ConductError;

interface Failure {
  status: number;
  body: string;
  headers: Readonly<Record<string, string>>;
  retryAfterMs?: number;
  retryable?: boolean;
  transport?: string;
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
}

function retryAfterOf(outcome: Failure, now: number): number | undefined {
  if (outcome.status !== 429 && outcome.status !== 503) return undefined;
  return (
    retryAfterFromBody(outcome.body, now) ??
    outcome.retryAfterMs ??
    retryAfterFromHeader(headerValue(outcome.headers, "retry-after"), now)
  );
}

function finalFailure(f: Failure, cred: Credential): ConductError {
  if (f.transport !== undefined)
    return { kind: "transport", status: f.status, message: f.transport, headers: {}, credential: cred };
  return {
    kind: "upstream",
    status: f.status,
    message: `Upstream answered ${f.status}`,
    body: f.body,
    headers: f.headers,
    credential: cred,
  };
}

/** The answer when no candidate is usable: the cooldown 429 if all are quota-blocked, else 503 (providers.md §5.4). */
export function pickError(
  model: string,
  candidates: readonly Credential[],
  blocks: ReadonlyArray<Block | undefined>,
  now: number,
): ConductError {
  const providers = [...new Set(candidates.map((c) => c.provider))];
  const active = blocks.filter((b): b is Block => b !== undefined);
  if (active.length === candidates.length && active.length > 0 && active.every((b) => b.quota)) {
    const resetMs = Math.max(0, Math.min(...active.map((b) => b.until)) - now);
    const seconds = Math.max(1, Math.ceil(resetMs / 1000));
    const via = providers.length === 1 ? ` via provider ${providers[0]}` : "";
    const message = `All credentials for model ${model} are cooling down${via}`;
    const error: Record<string, unknown> = {
      code: "model_cooldown",
      message,
      model,
      reset_time: formatGoDuration(resetMs),
      reset_seconds: seconds,
    };
    if (providers.length === 1) error.provider = providers[0];
    return {
      kind: "cooldown",
      status: 429,
      message,
      headers: { "retry-after": String(seconds) },
      body: { error },
      resetMs,
    };
  }
  const disabled = active.filter(isSuspension).length;
  const cooling = active.length - disabled;
  const earliest = active.filter((b) => !isSuspension(b)).map((b) => b.until);
  const until = earliest.length ? ` until ${new Date(Math.min(...earliest)).toISOString()}` : "";
  const headers: Record<string, string> = {};
  let cause = "";
  if (active.length > 0) {
    // The most recent failure is the one the user can act on: name it, when it ends, and what fixes it.
    const last = active.reduce((a, b) => (b.at >= a.at ? b : a));
    const cred = candidates[blocks.indexOf(last)];
    const back = Math.min(...active.map((b) => b.until));
    headers["retry-after"] = String(Math.max(1, Math.ceil((back - now) / 1000)));
    cause =
      `. Last upstream error: ${cred.label} got ${last.status} (${last.reason})${last.message ? ` "${last.message}"` : ""} at ${new Date(last.at).toISOString()};` +
      ` it is tried again from ${new Date(last.until).toISOString()}. ${FIXES[last.reason] ?? FIXES["upstream error"]}`;
  }
  return {
    kind: "unavailable",
    status: 503,
    headers,
    message: `no credential can serve model "${model}" (providers: ${providers.join(", ")}); ${disabled} disabled, ${cooling} cooling down${until}${cause}`,
  };
}

/** What to do about a block, by its reason. */
const FIXES: Readonly<Record<string, string>> = {
  unauthorized:
    "Fix: the provider refused the key or token; replace it in config.yaml (saving reloads it) or log in again",
  forbidden: "Fix: the provider refused access; check the account's plan and permissions for this model",
  "payment required": "Fix: the provider wants payment; check the account's billing",
  "model not found":
    "Fix: the credential does not serve this model; check the model name or the credential's models list",
  "model not supported":
    "Fix: the credential does not serve this model; check the model name or the credential's models list",
  "rate limited": "Fix: none needed; the provider's quota resets by then, or add another credential",
  "upstream error": "Fix: none needed if the provider recovers; check the provider's status or base-url if it persists",
};

/** A failed or unavailable outcome as the failure conduct() keeps. */
function failureOf(outcome: Exclude<AttemptOutcome, { kind: "done" }>): Failure {
  if (outcome.kind === "unavailable")
    return { status: outcome.status, body: outcome.message, headers: {}, retryAfterMs: outcome.retryAfterMs };
  return {
    status: outcome.status,
    body: outcome.body,
    headers: outcome.headers,
    retryAfterMs: outcome.retryAfterMs,
    retryable: outcome.retryable,
    transport: outcome.transport,
  };
}

/** Runs the attempt on one credential, over its pool of upstream names until one succeeds or fails for the request's sake. */
async function tryCredential(
  deps: ConductDeps,
  resolved: Pick<Resolved, "model">,
  cred: Credential,
  request: ConductRequest,
  attempt: Attempt,
): Promise<{ kind: "done"; upstream: string } | { kind: "request" | "failed"; failure: Failure }> {
  let failure: Failure | undefined;
  for (const upstream of upstreamModels(resolved, cred)) {
    request.signal?.throwIfAborted();
    const started = deps.now();
    const outcome = await attempt(cred, upstream);
    if (outcome.kind === "done") return { kind: "done", upstream };
    const f = (failure = failureOf(outcome));
    f.retryAfterMs = retryAfterOf(f, deps.now());
    deps.usage?.record({
      credential: cred,
      model: upstream,
      alias: request.model,
      endpoint: request.endpoint,
      clientKey: request.clientKey,
      requestId: request.requestId,
      latencyMs: deps.now() - started,
      failed: true,
      status: f.status,
      body: f.body || f.transport,
    });
    if (!(f.retryable ?? classifyFailure(f.status, f.body) !== "request")) return { kind: "request", failure: f };
  }
  assert.ok(failure, "the credential had no upstream model name to try");
  return { kind: "failed", failure };
}

/**
 * Serves one request from the resolved candidates (credentials serving `model`, an exact served id): passes over
 * distinct credentials, a request error stops at once, extra passes wait for a cooldown within max-retry-interval
 * (providers.md §4.4).
 */
export async function conduct(
  deps: ConductDeps,
  resolved: Pick<Resolved, "model" | "candidates">,
  request: ConductRequest,
  attempt: Attempt,
): Promise<ConductResult> {
  const { config, book, log } = deps;
  const { model, candidates } = resolved;
  const strategy = normaliseStrategy(config.routing.strategy);
  const cursorKey = `${[...new Set(candidates.map((c) => c.provider))].join(",")}:${model}`;
  const cap = Math.max(0, config.maxRetryCredentials);
  const maxWaitMs = Math.max(0, config.maxRetryInterval) * 1000;
  const blockOf = (c: Credential) =>
    config.disableCooling || c.disableCooling ? undefined : book.get(stateKey(c), model, deps.now());
  const session = config.routing.sessionAffinity && deps.affinity ? request.sessionId : undefined;
  const ttlMs = config.routing.sessionAffinityTtlMs > 0 ? config.routing.sessionAffinityTtlMs : 3_600_000;

  for (let pass = 0; ; pass++) {
    const tried = new Set<Credential>();
    let last: { failure: Failure; cred: Credential } | undefined;
    while (cap === 0 || tried.size < cap) {
      const available = candidates.filter((c) => !tried.has(c) && !blockOf(c));
      const bound = session === undefined ? undefined : deps.affinity?.get(session, model, deps.now());
      const cred =
        (bound && available.find((c) => stateKey(c) === bound)) || deps.picker.pick(strategy, cursorKey, available);
      if (!cred) break;
      tried.add(cred);
      const outcome = await tryCredential(deps, resolved, cred, request, attempt);
      if (outcome.kind === "done") {
        book.succeed(stateKey(cred), model);
        if (session !== undefined) deps.affinity?.bind(session, model, stateKey(cred), deps.now(), ttlMs);
        return { kind: "done", credential: cred, upstreamModel: outcome.upstream };
      }
      if (outcome.kind === "request") return finalFailure(outcome.failure, cred);
      const f = outcome.failure;
      last = { failure: f, cred };
      if (!(config.disableCooling || cred.disableCooling)) {
        const planUntil = f.status === 429 ? planLimitUntil(f.headers, deps.now()) : undefined;
        const block =
          planUntil !== undefined
            ? book.blockCredential(stateKey(cred), planUntil, 429, "plan limit", deps.now())
            : book.fail(stateKey(cred), model, f.status, f.body || f.transport || "", f.retryAfterMs, deps.now());
        if (planUntil !== undefined)
          log.warn("Subscription plan limit reached; resting the whole credential until its reset", {
            credential: cred.label,
            until: new Date(planUntil).toISOString(),
          });
        if (block && (f.status === 401 || f.status === 403)) {
          log.warn("Credential rejected by upstream; skipping it for this model", {
            credential: cred.label,
            provider: cred.provider,
            model,
            status: f.status,
            until: new Date(block.until).toISOString(),
          });
        } else if (block) {
          log.debug("Credential cooling down for model", {
            credential: cred.label,
            model,
            status: f.status,
            ms: block.until - deps.now(),
          });
        }
      }
    }
    const now = deps.now();
    const final = last
      ? finalFailure(last.failure, last.cred)
      : pickError(model, candidates, candidates.map(blockOf), now);
    // Another pass only for credentials whose request-retry (own or global) allows one more.
    const retrying = candidates.filter((c) => pass < requestRetryOf(c, config.requestRetry));
    if (maxWaitMs <= 0 || retrying.length === 0) return final;
    const cooling = retrying
      .map(blockOf)
      .filter((b): b is Block => b !== undefined)
      .map((b) => b.until - now);
    let wait: number;
    if (cooling.length) wait = Math.min(...cooling);
    else if (last?.failure.status === 429 && last.failure.retryAfterMs !== undefined) wait = last.failure.retryAfterMs;
    else return final;
    if (wait > maxWaitMs) return final;
    log.debug("Waiting before another pass over the credentials", { model, ms: wait, pass: pass + 1 });
    await deps.sleep(wait, request.signal);
  }
}
