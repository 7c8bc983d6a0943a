/**
 * Usage statistics (management.md §4.5): `GET /api-key-usage` (per credential, 20 ten-minute buckets),
 * `GET /usage-queue` (pops per-attempt records) and the older aggregate `GET /usage` some panels read.
 * Client keys appear only as short hashes; failure bodies as the runtime's 1 KiB excerpt. With
 * `workers: N` each view covers every worker: the others are asked for their part (server/siblings.ts).
 */
import { BUCKET_MS, usageQueueEntry, type UsageRecord, type UsageSnapshot } from "../providers/usage.js";
import { mergeSnapshots } from "../providers/usage-merge.js";
import type { App, Handler } from "../server/handler.js";
import { badRequest, reply } from "./http.js";
import { redact } from "../log/redact.js";

/** The usage of this process and, with `workers: N`, of every other worker, summed. */
export async function usageSnapshot(app: App): Promise<UsageSnapshot> {
  const own = app.providers.usage.snapshot();
  if (!app.siblings) return own;
  return mergeSnapshots([own, ...((await app.siblings.ask("usage")) as UsageSnapshot[])]);
}

/** Pops up to `count` queued records: this process's first, then the other workers' in turn; oldest first. */
async function drainUsage(app: App, count: number): Promise<UsageRecord[]> {
  const own = app.providers.usage.drain(count);
  if (!app.siblings || own.length >= count) return own;
  const more = (await app.siblings.drain("usage-queue", count - own.length)) as UsageRecord[];
  return [...own, ...more].sort((a, b) => a.timestamp - b.timestamp);
}

function hhmm(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** `GET /api-key-usage`: provider → `<base_url>|<api_key>` → success, failed and recent buckets (local time). */
export const getApiKeyUsage: Handler = async (_req, ctx) => {
  const keys = new Map(ctx.app.providers.credentials().map((c) => [c.id, c.apiKey]));
  const out: Record<string, Record<string, unknown>> = {};
  for (const c of (await usageSnapshot(ctx.app)).credentials) {
    const name = `${c.baseUrl}|${keys.get(c.id) || c.id}`;
    (out[c.provider] ??= {})[name] = {
      success: c.requests - c.failures,
      failed: c.failures,
      recent_requests: c.recent.map((b) => ({
        time: `${hhmm(b.start)}-${hhmm(b.start + BUCKET_MS)}`,
        success: b.success,
        failed: b.failed,
      })),
    };
  }
  reply(ctx, 200, out);
};

/** `GET /usage-queue?count=N`: removes and returns up to N queued records, oldest first. */
export const getUsageQueue: Handler = async (_req, ctx) => {
  const raw = ctx.url.searchParams.get("count");
  const count = raw === null || raw.trim() === "" ? 1 : Number(raw);
  if (!Number.isInteger(count) || count <= 0) throw badRequest("count must be a positive integer");
  // Failure bodies are upstream text (a token endpoint may quote the refresh token it was sent): redacted on the way out.
  const entries = (await drainUsage(ctx.app, count)).map((r) =>
    usageQueueEntry({ ...r, body: redact(r.body, ctx.app.log.secrets) }),
  );
  reply(ctx, 200, entries);
};

/** The pre-2026-05 aggregate shape of `GET /usage`, built from the in-memory totals. */
export function usageAggregate(snap: UsageSnapshot): Record<string, unknown> {
  const apis: Record<string, unknown> = {};
  for (const c of snap.credentials) {
    const models: Record<string, unknown> = {};
    for (const [m, t] of Object.entries(c.models))
      models[m] = { total_requests: t.requests, total_tokens: t.tokens.totalTokens };
    apis[c.label] = { total_requests: c.requests, total_tokens: c.tokens.totalTokens, models };
  }
  return {
    usage: {
      total_requests: snap.totals.requests,
      success_count: snap.totals.requests - snap.totals.failures,
      failure_count: snap.totals.failures,
      total_tokens: snap.totals.tokens.totalTokens,
      apis,
      requests_by_day: {},
      requests_by_hour: {},
      tokens_by_day: {},
      tokens_by_hour: {},
    },
    failed_requests: snap.totals.failures,
  };
}

/** `GET /usage`: the aggregate totals. */
export const getUsage: Handler = async (_req, ctx) => reply(ctx, 200, usageAggregate(await usageSnapshot(ctx.app)));
