/**
 * How long an upstream asked us to wait (providers.md §5.2). Body-derived values (Google RetryInfo,
 * ErrorInfo quotaResetDelay, "after Ns", Codex resets_in_seconds/resets_at) win over the HTTP Retry-After
 * header, which cliproxy honours on 429 and 503 for every provider (CLIProxyAPI ignores it).
 */
import { isObject } from "../plain-object.js";

/** Parses a Go-style duration ("0.847655010s", "1h2m3s", "373.8ms", "5s"); undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(s)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  for (const [, num, u] of s.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)) total += Number(num) * unit[u];
  return Math.ceil(total);
}

/** Formats milliseconds as a Go duration rounded up to the second ("2m30s", "1h0m0s", "0s"). */
export function formatGoDuration(ms: number): string {
  let sec = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(sec / 3600);
  sec -= h * 3600;
  const min = Math.floor(sec / 60);
  sec -= min * 60;
  if (h) return `${h}h${min}m${sec}s`;
  if (min) return `${min}m${sec}s`;
  return `${sec}s`;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return isObject(v) ? v : undefined;
}

function fromGoogleError(err: Record<string, unknown>): number | undefined {
  const details = Array.isArray(err.details) ? err.details.map(asObject) : [];
  for (const d of details) {
    if (d && String(d["@type"] ?? "").endsWith("google.rpc.RetryInfo") && typeof d.retryDelay === "string") {
      const ms = parseGoDuration(d.retryDelay);
      if (ms !== undefined) return ms;
    }
  }
  for (const d of details) {
    const meta = asObject(d?.metadata);
    if (d && String(d["@type"] ?? "").endsWith("google.rpc.ErrorInfo") && typeof meta?.quotaResetDelay === "string") {
      const ms = parseGoDuration(meta.quotaResetDelay);
      if (ms !== undefined) return ms;
    }
  }
  if (typeof err.message === "string") {
    const m = /after\s+(\d+(?:\.\d+)?s|(?:\d+h)?(?:\d+m)?(?:\d+(?:\.\d+)?s))\.?/i.exec(err.message);
    if (m) return parseGoDuration(m[1]);
  }
  return undefined;
}

function fromCodexError(err: Record<string, unknown>, now: number): number | undefined {
  if (err.type !== "usage_limit_reached" && err.code !== "usage_limit_reached") return undefined;
  if (typeof err.resets_in_seconds === "number" && err.resets_in_seconds > 0) return err.resets_in_seconds * 1000;
  if (typeof err.resets_at === "number" && err.resets_at * 1000 > now) return err.resets_at * 1000 - now;
  return undefined;
}

/** The wait an upstream error body asks for, in ms (Google RetryInfo/ErrorInfo/message, Codex usage limits). */
export function retryAfterFromBody(body: string, now: number): number | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const root = Array.isArray(json) ? asObject(json[0]) : asObject(json);
  const err = asObject(root?.error);
  if (!err) return undefined;
  return fromCodexError(err, now) ?? fromGoogleError(err);
}

/** The HTTP Retry-After header in ms: integer seconds or an HTTP date. */
export function retryAfterFromHeader(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The retry-after of an upstream failure: body first, then the header (429 and 503 only). */
export function retryAfterMs(
  status: number,
  body: string,
  headers: Readonly<Record<string, string>>,
  now: number,
): number | undefined {
  const fromBody = status === 429 || status === 503 ? retryAfterFromBody(body, now) : undefined;
  if (fromBody !== undefined) return fromBody;
  if (status !== 429 && status !== 503) return undefined;
  const header =
    headers["retry-after"] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
  return retryAfterFromHeader(header, now);
}
