/**
 * The small HTTP client of the OAuth calls (token, userinfo, onboarding): JSON or form bodies over
 * proxy/forward.ts (keep-alive agents, proxy-url, connect timeout), a whole-call timeout, and errors
 * that name the host and status but never a token.
 */
import { readResponseBody, sendUpstream } from "../proxy/forward.js";
import { isObject } from "../plain-object.js";

/** Options shared by every OAuth call. */
export interface HttpOptions {
  /** Effective proxy URL; "" sends directly. */
  readonly proxyUrl?: string;
  readonly connectTimeoutMs?: number;
  /** Whole-call limit. */
  readonly timeoutMs?: number;
}

/** One answered call. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The body as a JSON object, or {} when it is not one. */
  readonly json: Record<string, unknown>;
}

/** A call that got no HTTP answer (DNS, refused, reset, timeout). */
export class NetworkError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NetworkError";
  }
}

/** What to send. */
export interface HttpCall {
  readonly method?: "GET" | "POST";
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as application/json. */
  readonly json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  readonly form?: Readonly<Record<string, string>>;
}

/** Sends one call and reads the whole answer (any status); throws NetworkError when there is none. */
export async function httpCall(call: HttpCall, options: HttpOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: "application/json", ...lower(call.headers ?? {}) };
  let body: Buffer | undefined;
  if (call.json !== undefined) {
    body = Buffer.from(JSON.stringify(call.json));
    headers["content-type"] ??= "application/json";
  } else if (call.form) {
    body = Buffer.from(new URLSearchParams(call.form as Record<string, string>).toString());
    headers["content-type"] ??= "application/x-www-form-urlencoded";
  }
  const host = safeHost(call.url);
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  try {
    const res = await sendUpstream(
      { url: call.url, method: call.method ?? (body ? "POST" : "GET"), headers, body },
      { signal, connectTimeoutMs: options.connectTimeoutMs ?? 30_000, proxyUrl: options.proxyUrl ?? "" },
    );
    const text = (await readResponseBody(res, 4 * 1024 * 1024)).toString("utf8");
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
    return { status: res.statusCode ?? 0, headers: out, text, json: parseObject(text) };
  } catch (err) {
    const why = signal.aborted ? "timed out" : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    throw new NetworkError(`Cannot reach "${host}": ${why}`, { cause: err });
  }
}

/** The host of a URL, for messages. */
export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "invalid URL";
  }
}

function lower(h: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** Parses a JSON object, or {} for anything else. */
export function parseObject(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

/** A short, token-free description of an error answer: the OAuth `error` code and description when present. */
export function describeAnswer(a: HttpAnswer): string {
  const err = a.json.error;
  const code =
    typeof err === "string"
      ? err
      : typeof (err as Record<string, unknown>)?.message === "string"
        ? String((err as Record<string, unknown>).message)
        : "";
  const desc = typeof a.json.error_description === "string" ? a.json.error_description : "";
  const text = [code, desc].filter(Boolean).join(": ");
  return `HTTP ${a.status}${text ? ` (${text.slice(0, 200)})` : ""}`;
}
