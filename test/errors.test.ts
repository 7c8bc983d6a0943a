import { test } from "node:test";
import assert from "node:assert/strict";
import { AMP_ERRORS, anthropicErrorType, googleStatus, HttpError, openaiErrorType } from "../src/errors.js";
import { errorBody } from "../src/server/errors.js";
import { renderError } from "../src/translate/errors.js";

const STATUSES = [400, 401, 402, 403, 404, 409, 413, 422, 429, 499, 500, 501, 502, 503, 504, 529] as const;

test("Anthropic table: each status's error.type as Anthropic's API names it (503 and 529 overloaded, 422 a bad request)", () => {
  const want = [
    "invalid_request_error",
    "authentication_error",
    "billing_error",
    "permission_error",
    "not_found_error",
    "invalid_request_error",
    "request_too_large",
    "invalid_request_error",
    "rate_limit_error",
    "invalid_request_error",
    "api_error",
    "api_error",
    "api_error",
    "overloaded_error",
    "timeout_error",
    "overloaded_error",
  ];
  assert.deepEqual(
    STATUSES.map((s) => anthropicErrorType(s)),
    want,
  );
  assert.equal(anthropicErrorType(500, "overloaded_error"), "overloaded_error");
  assert.equal(anthropicErrorType(503, "amp_upstream_unavailable"), "overloaded_error");
});

test("OpenAI table: each status's [type, code] as CLIProxyAPI HEAD writes them (422 invalid_request_error)", () => {
  assert.deepEqual(
    STATUSES.map((s) => openaiErrorType(s)),
    [
      ["invalid_request_error", null],
      ["authentication_error", "invalid_api_key"],
      ["invalid_request_error", null],
      ["permission_error", "insufficient_quota"],
      ["invalid_request_error", "model_not_found"],
      ["invalid_request_error", null],
      ["invalid_request_error", null],
      ["invalid_request_error", null],
      ["rate_limit_error", "rate_limit_exceeded"],
      ["invalid_request_error", null],
      ["server_error", "internal_server_error"],
      ["server_error", null],
      ["server_error", null],
      ["server_error", null],
      ["server_error", null],
      ["server_error", null],
    ],
  );
});

test("Gemini table: each status's google.rpc status (422 INVALID_ARGUMENT, 503 and 529 UNAVAILABLE)", () => {
  assert.deepEqual(
    STATUSES.map((s) => googleStatus(s)),
    [
      "INVALID_ARGUMENT",
      "UNAUTHENTICATED",
      "FAILED_PRECONDITION",
      "PERMISSION_DENIED",
      "NOT_FOUND",
      "ABORTED",
      "INVALID_ARGUMENT",
      "INVALID_ARGUMENT",
      "RESOURCE_EXHAUSTED",
      "CANCELLED",
      "INTERNAL",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DEADLINE_EXCEEDED",
      "UNAVAILABLE",
    ],
  );
});

test("Amp table: the stable codes of the Amp proxy's own failures and their statuses", () => {
  assert.deepEqual(Object.fromEntries(Object.values(AMP_ERRORS).map((e) => [e.code, e.status])), {
    amp_upstream_unavailable: 503,
    amp_upstream_key_missing: 503,
    amp_upstream_proxy_error: 502,
    amp_upstream_timeout: 504,
  });
});

test("cliproxy's own errors (server/errors.ts) and rendered upstream errors (translate/errors.ts) agree for every status", () => {
  for (const status of STATUSES) {
    const own = (dialect: "openai" | "anthropic" | "gemini") =>
      errorBody(dialect, new HttpError(status, "", "m")) as { error: Record<string, unknown> };
    const upstream = (to: "openai-chat" | "anthropic" | "gemini") => renderError(to, { status, message: "m" }).error;
    assert.equal(own("anthropic").error.type, (upstream("anthropic") as Record<string, unknown>).type, `${status}`);
    assert.equal(own("gemini").error.status, (upstream("gemini") as Record<string, unknown>).status, `${status}`);
    assert.deepEqual(
      [own("openai").error.type, own("openai").error.code],
      [
        (upstream("openai-chat") as Record<string, unknown>).type,
        (upstream("openai-chat") as Record<string, unknown>).code,
      ],
      `${status}`,
    );
  }
});
