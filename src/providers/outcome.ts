/**
 * Typed attempt outcomes: what an attempt throws becomes data here, so routing (conduct.ts, routing/)
 * decides on `done` / `failed` / `unavailable` values and imports no error class from oauth, proxy or server.
 * Errors that are nobody's upstream fault (a client gone, bytes already sent, a bad request, our own bug)
 * are rethrown untouched for server/dispatch.ts.
 */
import { HttpError } from "../server/errors.js";
import { UpstreamError } from "../proxy/forward.js";
import { TokenUnavailableError } from "../oauth/refresh.js";
import type { AttemptOutcome, Credential } from "./types.js";

/** One try on one credential under one upstream model name. */
export type AttemptFn = (cred: Credential, upstreamModel: string) => Promise<AttemptOutcome>;

/** The host of a credential's root, for messages (the configured text when it does not parse; it never holds the key). */
export function hostOf(cred: Credential): string {
  try {
    return new URL(cred.baseUrl).host;
  } catch {
    return cred.baseUrl;
  }
}

/** The outcome for an error an attempt threw, or undefined when it is not the upstream's or the credential's fault. */
export function thrownOutcome(err: unknown, cred: Credential): AttemptOutcome | undefined {
  if (err instanceof TokenUnavailableError)
    return { kind: "unavailable", status: err.status, message: err.message, retryAfterMs: err.retryAfterMs };
  if (err instanceof HttpError)
    return err.status >= 500
      ? { kind: "failed", status: err.status, body: "", headers: {}, retryable: true, transport: err.message }
      : undefined;
  const e = err as { name?: string; code?: string; cause?: { code?: string } } | null;
  const timedOut = e?.name === "TimeoutError" || e?.code === "ETIMEDOUT";
  if (!(err instanceof UpstreamError) && !timedOut) return undefined;
  // A timeout's own message says which timeout and which config key raises it; it names the host, never the key.
  if (err instanceof UpstreamError && err.kind === "timeout")
    return { kind: "failed", status: 504, body: "", headers: {}, retryable: true, transport: err.message };
  const code = e?.code ?? e?.cause?.code ?? e?.name ?? "error";
  const timeout = timedOut || /TIMEOUT|ETIMEDOUT/i.test(String(code));
  return {
    kind: "failed",
    status: timeout ? 504 : 502,
    body: "",
    headers: {},
    retryable: true,
    transport: `Upstream request to "${hostOf(cred)}" failed: ${timeout ? "timed out" : String(code)}`,
  };
}

/**
 * The attempt with thrown upstream failures turned into outcomes. Once the client went away or bytes
 * reached it, any error is rethrown: another credential cannot help then.
 */
export function settled(
  attempt: AttemptFn,
  request: { readonly signal?: AbortSignal; readonly committed?: () => boolean },
): AttemptFn {
  return async (cred, upstreamModel) => {
    try {
      return await attempt(cred, upstreamModel);
    } catch (err) {
      if (request.signal?.aborted || request.committed?.()) throw err;
      const outcome = thrownOutcome(err, cred);
      if (outcome === undefined) throw err;
      return outcome;
    }
  };
}
