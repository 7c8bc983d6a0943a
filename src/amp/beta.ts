/**
 * Anthropic-Beta filtering for locally served Amp requests (amp.md PR-15: drop `context-1m-2025-08-07`): local
 * subscriptions usually lack the 1M-context beta, and Anthropic rejects a request naming a beta the account does not
 * have.
 */
import type { IncomingHttpHeaders } from "node:http";

/** Betas dropped before a local provider sees the request. */
export const DROPPED_BETAS: ReadonlySet<string> = new Set(["context-1m-2025-08-07"]);

/** The Anthropic-Beta value without dropped and empty items (joined by ","), or undefined when none is left. */
export function filterBetaValue(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value.join(",") : (value as string))
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "" && !DROPPED_BETAS.has(s));
  return items.length === 0 ? undefined : items.join(",");
}

/** A copy of `headers` with Anthropic-Beta filtered (removed when nothing is left); the input is not changed. */
export function filterAnthropicBeta(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  if (!("anthropic-beta" in headers)) return headers;
  const out: IncomingHttpHeaders = { ...headers };
  const v = filterBetaValue(headers["anthropic-beta"]);
  if (v === undefined) delete out["anthropic-beta"];
  else out["anthropic-beta"] = v;
  return out;
}
