/** Upstream error bodies, decoded from any dialect and rendered in the client's (translation.md §4.3; status tables in ../errors.ts). */
import { num, str, type IrError, type Json } from "./ir.js";
import { isObject } from "../plain-object.js";
import { anthropicErrorType, googleStatus, OPENAI_ERROR_TYPES, openaiErrorType } from "../errors.js";

// Codex stream errors carry a type or code but no HTTP status (the stream itself was a 200).
const STREAM_ERROR_STATUS: Record<string, number> = {
  invalid_request: 400,
  invalid_request_error: 400,
  invalid_prompt: 400,
  bad_request: 400,
  cyber_policy: 400,
  content_policy_violation: 400,
  context_length_exceeded: 400,
  authentication_error: 401,
  invalid_api_key: 401,
  permission_error: 403,
  not_found_error: 404,
  model_not_found: 404,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  usage_limit_reached: 429,
  insufficient_quota: 429,
  server_error: 500,
  internal_error: 500,
  api_error: 500,
  overloaded_error: 529,
  server_is_overloaded: 529,
  slow_down: 503,
  timeout_error: 504,
};

/**
 * The HTTP status an in-stream error stands for, from its type or code; 500 when neither is known.
 * Without it every Codex stream error looked like a server fault, and a policy refusal got retried.
 */
export function streamErrorStatus(type: string | undefined, code: string | undefined): number {
  return (code && STREAM_ERROR_STATUS[code]) || (type && STREAM_ERROR_STATUS[type]) || 500;
}

/** Whether an in-stream error is the client's (a 4xx by its type or code): retrying it elsewhere cannot help. */
export function isClientStreamError(type: string | undefined, code: string | undefined): boolean {
  return streamErrorStatus(type, code) < 500;
}

/** Reads an upstream error body of any dialect (or plain text) into IR. */
export function decodeError(status: number, body: string): IrError {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return { status, message: body.trim() || `Upstream answered ${status}` };
  }
  if (Array.isArray(v)) v = v[0]; // Gemini sometimes wraps the error in a one-element array
  const e =
    isObject(v) && isObject(v.error)
      ? v.error
      : isObject(v) && isObject(v.response) && isObject(v.response.error)
        ? v.response.error
        : undefined;
  if (!e)
    return {
      status,
      message: isObject(v) && typeof v.error === "string" ? v.error : body.trim() || `Upstream answered ${status}`,
    };
  const code = e.code;
  return {
    status,
    type: str(e.type) ?? str(e.status),
    code: typeof code === "string" ? code : undefined,
    message: str(e.message) ?? `Upstream answered ${num(code) ?? status}`,
  };
}

/** Renders an IR error as the client dialect's error JSON. */
export function renderError(to: "openai-chat" | "openai-responses" | "anthropic" | "gemini", e: IrError): Json {
  if (to === "anthropic")
    return { type: "error", error: { type: anthropicErrorType(e.status, e.type), message: e.message } };
  if (to === "gemini") return { error: { code: e.status, message: e.message, status: googleStatus(e.status) } };
  const [type, code] = openaiErrorType(e.status);
  // An upstream type is kept only when OpenAI clients know it; Google statuses and Claude-only types are not.
  const upstreamType = e.type && OPENAI_ERROR_TYPES.has(e.type) ? e.type : undefined;
  return { error: { message: e.message, type: upstreamType ?? type, param: null, code: e.code ?? code } };
}
