/** Errors shown to clients, and the one function that writes them in each API dialect (tables in ../errors.ts). */
import type { ServerResponse } from "node:http";
import type { Dialect } from "./handler.js";
import { anthropicErrorType, googleStatus, HttpError, openaiErrorType } from "../errors.js";
import { redact, type SecretSet } from "../log/redact.js";

export { HttpError };

/** The JSON error body for `e` in `dialect`. */
export function errorBody(dialect: Dialect, e: HttpError): unknown {
  if (e.body !== undefined) return e.body;
  if (dialect === "anthropic") {
    return { type: "error", error: { type: anthropicErrorType(e.status, e.type), message: e.message } };
  }
  if (dialect === "gemini") return { error: { code: e.status, message: e.message, status: googleStatus(e.status) } };
  if (dialect === "plain") return { error: e.message };
  const [type, code] = openaiErrorType(e.status);
  return { error: { message: e.message, type: e.type || type, param: null, code: e.code ?? code } };
}

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
  // No type: each dialect's table names an internal error its own way (api_error, server_error, INTERNAL).
  const e = err instanceof HttpError ? err : new HttpError(500, "", "Internal error", { cause: err });
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
