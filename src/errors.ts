/**
 * The error vocabulary every layer may throw: a leaf, so a translator or a config check can refuse a request
 * without knowing the HTTP kernel. server/errors.ts writes it in the client's dialect; server/dispatch.ts is the
 * one catch.
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
