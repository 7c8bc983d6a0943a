/**
 * Usage statistics (providers.md §6): one record per upstream attempt, per-credential/model totals and
 * a short-lived queue for management's usage-queue. In memory only; client keys are kept as a short
 * sha256 hash, failure bodies as a 1 KiB excerpt, request bodies never.
 */
import { createHash } from "node:crypto";
import { authIndex } from "./credentials.js";
import type { Credential, TokenUsage } from "./types.js";
import { isObject } from "../plain-object.js";

/** Token counts with the Claude cache split kept apart (usage-queue reports both). */
export interface ParsedUsage extends TokenUsage {
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

/** The usage shapes cliproxy parses: OpenAI Chat/compat, Claude Messages, Gemini, OpenAI Responses (Codex). */
export type UsageKind = "openai" | "claude" | "gemini" | "responses";

/** Cap of a stored failure body excerpt. */
export const FAILURE_EXCERPT_BYTES = 1024;
/** How long a record waits in the queue for management's usage-queue. */
export const QUEUE_RETENTION_MS = 60_000;
/** Cap of queued records, so an unread queue cannot grow without bound. */
export const QUEUE_MAX = 10_000;
/** Width of one recent-activity bucket (management api-key-usage: 20 × 10 min). */
export const BUCKET_MS = 10 * 60_000;
/** Number of recent-activity buckets. */
export const BUCKETS = 20;

function obj(v: unknown): Record<string, unknown> | undefined {
  return isObject(v) ? v : undefined;
}

function num(...values: unknown[]): number {
  for (const v of values) if (typeof v === "number" && Number.isFinite(v)) return v;
  return 0;
}

/** A zeroed usage. */
export function emptyUsage(): ParsedUsage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    totalTokens: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
  };
}

/** Token usage from an upstream answer or stream chunk (the final chunk for streams); undefined when it has none. */
export function parseUsage(kind: UsageKind, json: unknown): ParsedUsage | undefined {
  const root = obj(json);
  if (!root) return undefined;
  if (kind === "gemini") {
    const meta = obj(root.usageMetadata) ?? obj(root.usage_metadata) ?? obj(obj(root.response)?.usageMetadata);
    if (!meta) return undefined;
    const input = num(meta.promptTokenCount),
      output = num(meta.candidatesTokenCount),
      reasoning = num(meta.thoughtsTokenCount);
    const cached = num(meta.cachedContentTokenCount);
    return {
      ...emptyUsage(),
      inputTokens: input,
      outputTokens: output,
      reasoningTokens: reasoning,
      cachedTokens: cached,
      cacheReadTokens: cached,
      totalTokens: num(meta.totalTokenCount) || input + output + reasoning,
    };
  }
  const usage = obj(root.usage) ?? obj(obj(root.response)?.usage) ?? obj(obj(root.message)?.usage);
  if (!usage) return undefined;
  if (kind === "claude") {
    const input = num(usage.input_tokens),
      output = num(usage.output_tokens);
    const read = num(usage.cache_read_input_tokens),
      creation = num(usage.cache_creation_input_tokens);
    return {
      ...emptyUsage(),
      inputTokens: input,
      outputTokens: output,
      cachedTokens: read,
      cacheReadTokens: read,
      cacheCreationTokens: creation,
      totalTokens: input + output,
    };
  }
  const input = num(usage.prompt_tokens, usage.input_tokens),
    output = num(usage.completion_tokens, usage.output_tokens);
  const cached = num(obj(usage.prompt_tokens_details)?.cached_tokens, obj(usage.input_tokens_details)?.cached_tokens);
  return {
    ...emptyUsage(),
    inputTokens: input,
    outputTokens: output,
    cachedTokens: cached,
    cacheReadTokens: cached,
    reasoningTokens: num(
      obj(usage.completion_tokens_details)?.reasoning_tokens,
      obj(usage.output_tokens_details)?.reasoning_tokens,
    ),
    totalTokens: num(usage.total_tokens) || input + output,
  };
}

/** Merges usage seen across stream chunks: counts are cumulative, so the larger value of each field wins. */
export function mergeUsage(a: ParsedUsage | undefined, b: ParsedUsage | undefined): ParsedUsage | undefined {
  if (!a || !b) return a ?? b;
  const out = emptyUsage();
  for (const k of Object.keys(out) as Array<keyof ParsedUsage>) out[k] = Math.max(a[k], b[k]);
  if (out.totalTokens < out.inputTokens + out.outputTokens) out.totalTokens = out.inputTokens + out.outputTokens;
  return out;
}

/** A short sha256 of a client key: enough to tell keys apart, useless to recover them. */
export function hashClientKey(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}

/** What the caller knows about one attempt. Conduct records failures; executors record successes with tokens. */
export interface UsageInput {
  readonly credential: Credential;
  /** The upstream model name. */
  readonly model: string;
  /** The model the client asked for. */
  readonly alias?: string;
  readonly endpoint?: string;
  /** Raw client key; only its hash is stored. */
  readonly clientKey?: string;
  readonly requestId?: string;
  readonly latencyMs?: number;
  readonly ttftMs?: number;
  readonly failed: boolean;
  readonly status?: number;
  /** Failure body; stored as a 1 KiB excerpt. */
  readonly body?: string;
  readonly tokens?: Partial<ParsedUsage>;
  readonly reasoningEffort?: string;
  readonly serviceTier?: string;
}

/** One stored attempt. */
export interface UsageRecord {
  readonly timestamp: number;
  readonly latencyMs: number;
  readonly ttftMs: number;
  readonly provider: string;
  readonly executorType: string;
  readonly credentialId: string;
  /** The credential's label (masked key or account email), as `source` in management. */
  readonly source: string;
  /** `apikey` for config entries, `oauth` for token files. */
  readonly authType: "apikey" | "oauth";
  readonly authIndex: string;
  readonly model: string;
  readonly alias: string;
  readonly endpoint: string;
  readonly clientKeyHash: string;
  readonly requestId: string;
  readonly failed: boolean;
  readonly status: number;
  readonly body: string;
  readonly tokens: ParsedUsage;
  readonly reasoningEffort: string;
  readonly serviceTier: string;
}

/** Totals for one credential and model. */
export interface UsageTotals {
  requests: number;
  failures: number;
  tokens: ParsedUsage;
}

/** Per-credential totals, for management. */
export interface CredentialUsage extends UsageTotals {
  readonly id: string;
  readonly provider: string;
  readonly label: string;
  readonly authIndex: string;
  readonly baseUrl: string;
  readonly models: Record<string, UsageTotals>;
  /** Oldest first: `BUCKETS` windows of `BUCKET_MS` ending at the current one. */
  readonly recent: Array<{ start: number; success: number; failed: number }>;
}

/** The whole statistics view. */
export interface UsageSnapshot {
  readonly enabled: boolean;
  readonly totals: UsageTotals;
  readonly credentials: CredentialUsage[];
}

// Config entries have list-style ids ("claude-api-key[0]"); token files are named by their file.
function isConfigCredential(cred: Credential): boolean {
  return /^[a-z0-9-]+\[/.test(cred.id);
}

/** A record in management's usage-queue JSON shape (management.md §4.5); `api_key` is the client key's hash. */
export function usageQueueEntry(rec: UsageRecord): Record<string, unknown> {
  const t = rec.tokens;
  return {
    timestamp: new Date(rec.timestamp).toISOString(),
    latency_ms: rec.latencyMs,
    ttft_ms: rec.ttftMs,
    source: rec.source,
    auth_index: rec.authIndex,
    tokens: {
      input_tokens: t.inputTokens,
      output_tokens: t.outputTokens,
      reasoning_tokens: t.reasoningTokens,
      cached_tokens: t.cachedTokens,
      cache_read_tokens: t.cacheReadTokens,
      cache_creation_tokens: t.cacheCreationTokens,
      total_tokens: t.totalTokens,
    },
    failed: rec.failed,
    fail: rec.failed ? { status_code: rec.status, body: rec.body } : undefined,
    provider: rec.provider,
    executor_type: rec.executorType,
    model: rec.model,
    alias: rec.alias,
    endpoint: rec.endpoint,
    auth_type: rec.authType,
    api_key: rec.clientKeyHash,
    request_id: rec.requestId,
    reasoning_effort: rec.reasoningEffort,
    service_tier: rec.serviceTier,
  };
}

function addTokens(into: ParsedUsage, t: ParsedUsage): void {
  for (const k of Object.keys(into) as Array<keyof ParsedUsage>) into[k] += t[k];
}

function totals(): UsageTotals {
  return { requests: 0, failures: 0, tokens: emptyUsage() };
}

interface CredEntry {
  cred: Credential;
  all: UsageTotals;
  models: Map<string, UsageTotals>;
  buckets: Map<number, { success: number; failed: number }>;
}

/** In-memory usage statistics; a no-op while disabled (`usage-statistics-enabled: false`). */
export class UsageStats {
  readonly #now: () => number;
  #enabled = false;
  readonly #creds = new Map<string, CredEntry>();
  #queue: UsageRecord[] = [];
  readonly #observers: Array<(input: UsageInput) => void> = [];

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Whether records are kept. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Turns collection on or off (config reload); turning it off keeps what was collected. */
  setEnabled(on: boolean): void {
    this.#enabled = on;
  }

  /** Calls `fn` with every attempt, whether or not statistics are kept (the /metrics counters). */
  observe(fn: (input: UsageInput) => void): void {
    this.#observers.push(fn);
  }

  /** Records one attempt. */
  record(input: UsageInput): void {
    for (const fn of this.#observers) fn(input);
    if (!this.#enabled) return;
    const now = this.#now();
    const tokens = { ...emptyUsage(), ...input.tokens };
    if (!tokens.totalTokens) tokens.totalTokens = tokens.inputTokens + tokens.outputTokens;
    const cred = input.credential;
    let entry = this.#creds.get(cred.id);
    if (!entry || entry.cred.apiKey !== cred.apiKey)
      this.#creds.set(cred.id, (entry = { cred, all: totals(), models: new Map(), buckets: new Map() }));
    entry.cred = cred;
    let perModel = entry.models.get(input.model);
    if (!perModel) entry.models.set(input.model, (perModel = totals()));
    for (const t of [entry.all, perModel]) {
      t.requests++;
      if (input.failed) t.failures++;
      addTokens(t.tokens, tokens);
    }
    const slot = Math.floor(now / BUCKET_MS);
    const bucket = entry.buckets.get(slot) ?? { success: 0, failed: 0 };
    if (input.failed) bucket.failed++;
    else bucket.success++;
    entry.buckets.set(slot, bucket);
    for (const s of entry.buckets.keys()) if (s <= slot - BUCKETS) entry.buckets.delete(s);
    this.#trim(now);
    if (this.#queue.length >= QUEUE_MAX) this.#queue.shift();
    this.#queue.push(
      Object.freeze({
        timestamp: now,
        latencyMs: input.latencyMs ?? 0,
        ttftMs: input.ttftMs ?? 0,
        provider: cred.provider,
        executorType: cred.kind,
        credentialId: cred.id,
        source: cred.label,
        authType: isConfigCredential(cred) ? "apikey" : "oauth",
        authIndex: authIndex(cred),
        model: input.model,
        alias: input.alias ?? input.model,
        endpoint: input.endpoint ?? "",
        clientKeyHash: input.clientKey ? hashClientKey(input.clientKey) : "",
        requestId: input.requestId ?? "",
        failed: input.failed,
        status: input.status ?? (input.failed ? 0 : 200),
        body:
          input.failed && input.body
            ? Buffer.from(input.body)
                .subarray(0, FAILURE_EXCERPT_BYTES)
                .toString("utf8")
                .replace(/\uFFFD$/, "")
            : "",
        tokens,
        reasoningEffort: input.reasoningEffort ?? "",
        serviceTier: input.serviceTier ?? "",
      }),
    );
  }

  #trim(now: number): void {
    const keepFrom = this.#queue.findIndex((r) => r.timestamp > now - QUEUE_RETENTION_MS);
    if (keepFrom < 0) this.#queue = [];
    else if (keepFrom > 0) this.#queue.splice(0, keepFrom);
  }

  /** Removes and returns up to `count` queued records, oldest first (management usage-queue). */
  drain(count: number): UsageRecord[] {
    this.#trim(this.#now());
    return this.#queue.splice(0, Math.max(0, count));
  }

  /** Success and failure counts of one credential (auth-files list). */
  counts(credentialId: string): { success: number; failed: number } {
    const all = this.#creds.get(credentialId)?.all;
    return { success: all ? all.requests - all.failures : 0, failed: all?.failures ?? 0 };
  }

  /** Totals and per-credential detail. */
  snapshot(): UsageSnapshot {
    const now = this.#now();
    const slot = Math.floor(now / BUCKET_MS);
    const sum = totals();
    const credentials: CredentialUsage[] = [];
    for (const e of this.#creds.values()) {
      sum.requests += e.all.requests;
      sum.failures += e.all.failures;
      addTokens(sum.tokens, e.all.tokens);
      const recent = [];
      for (let s = slot - BUCKETS + 1; s <= slot; s++)
        recent.push({ start: s * BUCKET_MS, ...(e.buckets.get(s) ?? { success: 0, failed: 0 }) });
      credentials.push({
        id: e.cred.id,
        provider: e.cred.provider,
        label: e.cred.label,
        authIndex: authIndex(e.cred),
        baseUrl: e.cred.baseUrl,
        requests: e.all.requests,
        failures: e.all.failures,
        tokens: { ...e.all.tokens },
        models: Object.fromEntries([...e.models].map(([m, t]) => [m, { ...t, tokens: { ...t.tokens } }])),
        recent,
      });
    }
    credentials.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { enabled: this.#enabled, totals: sum, credentials };
  }
}
