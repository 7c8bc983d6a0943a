/**
 * Log tail (management.md §4.6): `GET /logs?after=<unix s>&limit=N` and `DELETE /logs`. cliproxy serves
 * the last lines from memory (log/ring.ts), so the tail works whether lines go to the console or to
 * main.log; every line was redacted when it was written and is redacted again against today's secrets
 * (upstream returns lines verbatim, tokens included).
 */
import { redact } from "../log/redact.js";
import type { Handler } from "../server/handler.js";
import { badRequest, reply } from "./http.js";

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\s/;

/** Unix seconds of a line's leading timestamp; undefined for undated lines. */
export function lineTime(line: string): number | undefined {
  const m = STAMP.exec(line);
  return m ? Math.floor(Date.parse(m[1]) / 1000) : undefined;
}

function positive(raw: string | null, name: string): number | undefined {
  if (raw === null || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw badRequest(`${name} must be a positive integer`);
  return n;
}

/** The lines newer than `after` (undated lines follow the dated line before them), the last `limit` of them. */
export function tail(
  lines: readonly string[],
  after: number | undefined,
  limit: number | undefined,
): { lines: string[]; latest: number } {
  const out: string[] = [];
  let latest = 0;
  let current = 0;
  for (const line of lines) {
    current = lineTime(line) ?? current;
    latest = Math.max(latest, current);
    if (after === undefined || current > after) out.push(line);
  }
  return { lines: limit === undefined ? out : out.slice(-limit), latest };
}

/** `GET /logs`: `{"lines","line-count","latest-timestamp"}`. */
export const getLogs: Handler = async (_req, ctx) => {
  const q = ctx.url.searchParams;
  const afterRaw = q.get("after");
  const after = afterRaw === null || afterRaw.trim() === "" ? undefined : Number(afterRaw);
  if (after !== undefined && !Number.isFinite(after)) throw badRequest("after must be a unix timestamp");
  const limit = positive(q.get("limit"), "limit");
  const all = ctx.app.logRing?.lines() ?? [];
  const { lines, latest } = tail(all, after, limit);
  const secrets = ctx.app.log.secrets;
  reply(ctx, 200, {
    lines: lines.map((l) => redact(l, secrets)),
    "line-count": all.length,
    "latest-timestamp": latest,
  });
};

/** `DELETE /logs`: forgets the kept lines. */
export const deleteLogs: Handler = async (_req, ctx) => {
  ctx.app.logRing?.clear();
  reply(ctx, 200, { success: true, message: "Logs cleared successfully", removed: 0 });
};
