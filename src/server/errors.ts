/** Errors shown to clients, and the one function that writes them in each API dialect. */
import type { ServerResponse } from "node:http";
import type { Dialect } from "./handler.js";
import { HttpError } from "../errors.js";
import { redact, type SecretSet } from "../log/redact.js";

export { HttpError };

const OPENAI_TYPES: Record<number, [string, string]> = {
  401: ["authentication_error", "invalid_api_key"],
  403: ["permission_error", "insufficient_quota"],
  404: ["invalid_request_error", "model_not_found"],
  429: ["rate_limit_error", "rate_limit_exceeded"],
};

/** Anthropic's error type for a status (providers.md §1.5). */
export function anthropicType(status: number): string {
  const table: Record<number, string> = {
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
  };
  return table[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** Google RPC status name for an HTTP status. */
export function googleStatus(status: number): string {
  const table: Record<number, string> = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
  };
  return table[status] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION");
}

/** The JSON error body for `e` in `dialect`. */
export function errorBody(dialect: Dialect, e: HttpError): unknown {
  if (e.body !== undefined) return e.body;
  if (dialect === "anthropic") {
    const type = ANTHROPIC_TYPES.has(e.type) ? e.type : anthropicType(e.status);
    return { type: "error", error: { type, message: e.message } };
  }
  if (dialect === "gemini") return { error: { code: e.status, message: e.message, status: googleStatus(e.status) } };
  if (dialect === "plain") return { error: e.message };
  const [type, code] = OPENAI_TYPES[e.status] ?? [
    e.status >= 500 ? "server_error" : "invalid_request_error",
    undefined,
  ];
  return { error: { message: e.message, type: e.type || type, param: null, code: e.code ?? code ?? null } };
}

/** Anthropic's own error types; any other type is mapped from the status for Anthropic clients. */
const ANTHROPIC_TYPES = new Set([
  "authentication_error",
  "billing_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "timeout_error",
  "overloaded_error",
  "api_error",
  "invalid_request_error",
]);

/** Header values with every known secret and credential-shaped text masked (upstream headers passed on). */
export function redactHeaders(
  headers: Readonly<Record<string, string>> | undefined,
  secrets: SecretSet | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = redact(v, secrets);
  return out;
}

/**
 * Writes `err` as the client's dialect error, or destroys the socket when the head is already sent.
 * The body and headers pass redact(): an upstream's error may echo a token (a refresh endpoint that
 * quotes the request), and nothing secret leaves the process in an answer any more than in a log line.
 */
export function sendError(res: ServerResponse, dialect: Dialect, err: unknown, secrets?: SecretSet): HttpError {
  const e = err instanceof HttpError ? err : new HttpError(500, "api_error", "Internal error", { cause: err });
  if (res.headersSent) {
    res.destroy();
    return e;
  }
  const body = redact(JSON.stringify(errorBody(dialect, e)), secrets);
  // An upstream's nonsense status (000, 099, 600) must not reach writeHead, which throws on it.
  const status = e.status >= 100 && e.status <= 599 ? e.status : 502;
  res.writeHead(status, {
    ...redactHeaders(e.headers, secrets),
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
  return e;
}
