/**
 * The error vocabulary every layer may throw: a leaf, so a translator or a config check can refuse a request
 * without knowing the HTTP kernel. server/errors.ts writes it in the client's dialect; server/dispatch.ts is the
 * one catch. The status tables below are the only place a status becomes a dialect's error type: cliproxy's own
 * errors (server/errors.ts) and upstream errors rendered for another dialect (translate/errors.ts) both read them,
 * so one status never means two things to one client.
 */

/** An error whose message is safe to show to the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    options?: ErrorOptions & {
      /** OpenAI `error.code`; defaults from the status (providers.md §1.5). */
      code?: string;
      /** Extra response headers, e.g. Retry-After. */
      headers?: Record<string, string>;
      /** A complete JSON body to send instead of the dialect shape (upstream errors, Amp's bare bodies). */
      body?: unknown;
    },
  ) {
    super(message, options);
    this.name = "HttpError";
    this.code = options?.code;
    this.headers = options?.headers;
    this.body = options?.body;
  }
  readonly code: string | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly body: unknown;
}

/** Anthropic's `error.type` values (docs.anthropic.com "Errors"); an error already typed with one keeps it. */
export const ANTHROPIC_ERROR_TYPES: ReadonlySet<string> = new Set([
  "invalid_request_error",
  "authentication_error",
  "billing_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "api_error",
  "timeout_error",
  "overloaded_error",
]);

/** Anthropic: status → `error.type`. 503 is overloaded as 529 is (both mean "retry later"); 422 is a bad request. */
const ANTHROPIC_BY_STATUS: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  422: "invalid_request_error",
  429: "rate_limit_error",
  500: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/** Anthropic `error.type` for a status, keeping `given` when it is already an Anthropic type. */
export function anthropicErrorType(status: number, given?: string): string {
  if (given !== undefined && ANTHROPIC_ERROR_TYPES.has(given)) return given;
  return ANTHROPIC_BY_STATUS[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** OpenAI's `error.type` values an OpenAI client knows; an upstream error typed with one keeps it. */
export const OPENAI_ERROR_TYPES: ReadonlySet<string> = new Set([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "rate_limit_error",
  "server_error",
  "insufficient_quota",
]);

/** OpenAI: status → `[error.type, error.code]`, as CLIProxyAPI HEAD's BuildErrorResponseBody writes them. */
const OPENAI_BY_STATUS: Readonly<Record<number, readonly [string, string | null]>> = {
  401: ["authentication_error", "invalid_api_key"],
  403: ["permission_error", "insufficient_quota"],
  404: ["invalid_request_error", "model_not_found"],
  429: ["rate_limit_error", "rate_limit_exceeded"],
  500: ["server_error", "internal_server_error"],
};

/** OpenAI `[type, code]` for a status; other 4xx (422 too) are invalid_request_error, other 5xx server_error. */
export function openaiErrorType(status: number): [string, string | null] {
  const hit = OPENAI_BY_STATUS[status];
  return hit ? [hit[0], hit[1]] : [status >= 500 ? "server_error" : "invalid_request_error", null];
}

/** Gemini: status → google.rpc status name (google/rpc/code.proto's HTTP mapping). */
const GOOGLE_BY_STATUS: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  402: "FAILED_PRECONDITION",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  413: "INVALID_ARGUMENT",
  422: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
  529: "UNAVAILABLE",
};

/** Google RPC status name for an HTTP status; other 4xx are INVALID_ARGUMENT (Gemini's answer to a refused request). */
export function googleStatus(status: number): string {
  return GOOGLE_BY_STATUS[status] ?? (status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
}

/**
 * Amp: the stable `error` codes of the Amp proxy's own failures and their statuses (amp.md PX-11, N19, N20,
 * RT-9). Amp routes answer `{"error": …}` (the management API's shape) rather than a model API's.
 */
export const AMP_ERRORS = {
  /** No Amp upstream configured (RT-9). */
  unavailable: { status: 503, code: "amp_upstream_unavailable" },
  /** No upstream key found anywhere (N19). */
  keyMissing: { status: 503, code: "amp_upstream_key_missing" },
  /** The upstream could not be reached or failed before its head (PX-11). */
  unreachable: { status: 502, code: "amp_upstream_proxy_error" },
  /** No response head within ampcode.upstream-timeout (N20). */
  timeout: { status: 504, code: "amp_upstream_timeout" },
} as const;
