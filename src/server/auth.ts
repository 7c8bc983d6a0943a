/**
 * Client API-key authentication (providers.md §1.2), compared in constant time, with a lockout per
 * source address for wrong keys. The lockout never refuses a key that verifies: behind a reverse proxy
 * or Amp's router every caller shares a few addresses, and an attacker there must not lock out the
 * owner. So it cannot slow guessing (keys must be long and random for that); it answers a prober's
 * wrong keys with 429 and Retry-After, and says once in the log which address it is.
 */
import * as crypto from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";
import { isLoopback, isRelayed } from "./loopback.js";
import { goDuration, peerKey } from "./lockout.js";
import type { Ctx, Wrap } from "./handler.js";

// crypto.hash() (Node 20.12+) digests in one call, without a Hash object per request (#17); older Node 20s fall back.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "buffer") => Buffer }).hash;

function sha256(s: string): Buffer {
  return oneShot ? oneShot("sha256", s, "buffer") : crypto.createHash("sha256").update(s).digest();
}

/** Candidate keys in CLIProxyAPI's order: Authorization, X-Goog-Api-Key, X-Api-Key, ?key=, ?auth_token=. */
export function presentedKeys(req: IncomingMessage, url: URL): string[] {
  const out: string[] = [];
  const auth = req.headers.authorization;
  if (typeof auth === "string" && auth.trim() !== "") {
    const space = auth.indexOf(" ");
    out.push(space > 0 && auth.slice(0, space).toLowerCase() === "bearer" ? auth.slice(space + 1).trim() : auth.trim());
  }
  for (const h of ["x-goog-api-key", "x-api-key"]) {
    const v = req.headers[h];
    if (typeof v === "string" && v.trim() !== "") out.push(v.trim());
  }
  // Reading searchParams builds a URLSearchParams; most requests have no query to read (#17).
  if (url.search !== "")
    for (const q of ["key", "auth_token"]) {
      const v = url.searchParams.get(q);
      if (v) out.push(v);
    }
  return out;
}

/** Key digests per config snapshot: the api-keys array is immutable, so its digests are computed once. */
const DIGESTS = new WeakMap<readonly string[], Buffer[]>();

function digestsOf(keys: readonly string[]): Buffer[] {
  let d = DIGESTS.get(keys);
  if (!d) DIGESTS.set(keys, (d = keys.map(sha256)));
  return d;
}

/** The configured key matching one of the presented ones, visiting every pair so timing reveals nothing. */
export function matchKey(presented: readonly string[], keys: readonly string[]): string | undefined {
  let found: string | undefined;
  const digests = digestsOf(keys);
  for (const p of presented) {
    const d = sha256(p);
    for (let i = 0; i < keys.length; i++) {
      if (crypto.timingSafeEqual(d, digests[i]) && found === undefined) found = keys[i];
    }
  }
  return found;
}

/** The 401 for a key that matches none of `api-keys`: says which side refused, so it is not taken for the provider's key. */
export const INVALID_KEY =
  "Invalid API key: the key sent is not one of cliproxy's api-keys (config.yaml); this is the key your client sends to cliproxy, not a provider key";

/** Outcome of checking a request's key: ok with the matched key, or why not. */
export type KeyCheck = { ok: true; key?: string } | { ok: false; message: "Missing API key" | typeof INVALID_KEY };

/** Checks a request against `api-keys`; with no keys configured only loopback peers pass. */
export function checkApiKey(req: IncomingMessage, ctx: Pick<Ctx, "config" | "url"> & { peer?: string }): KeyCheck {
  const keys = ctx.config.apiKeys;
  // No keys is allowed only for the user at the machine: a management save that empties api-keys on a
  // server bound to a public address must not open it to everyone.
  // A loopback peer relaying for someone else (a reverse proxy or tunnel on this machine) is not the user here.
  if (keys.length === 0)
    return (ctx.peer === undefined || isLoopback(ctx.peer)) && !isRelayed(req)
      ? { ok: true }
      : { ok: false, message: "Missing API key" };
  const presented = presentedKeys(req, ctx.url);
  if (presented.length === 0) return { ok: false, message: "Missing API key" };
  const key = matchKey(presented, keys);
  return key === undefined ? { ok: false, message: INVALID_KEY } : { ok: true, key };
}

/** What the lockout counts a peer as: every loopback address is one source (a local reverse proxy, a tunnel). */
function sourceOf(peer: string): string {
  return isLoopback(peer) ? "loopback" : peer;
}

/**
 * Refuses a request whose key did not verify: counts the failure for its source, and answers 429 with
 * Retry-After while the source is locked out (`api-key-lockout-failures`, `api-key-lockout-duration`), else 401.
 */
export function refuseKey(ctx: Pick<Ctx, "app" | "config" | "peer"> & { url?: URL }, message: string): never {
  // Every refusal at warn with its source (never the key), so a user can see which client sends a wrong key.
  ctx.app.log.warn(`client key refused: ${message.split(":")[0]}`, { peer: ctx.peer, path: ctx.url?.pathname });
  const max = ctx.config.apiKeyLockoutFailures;
  if (max <= 0) throw new HttpError(401, "authentication_error", message);
  const lockout = ctx.app.clientLockout;
  const source = sourceOf(ctx.peer);
  const wait = lockout.bannedFor(source);
  if (wait > 0) {
    throw new HttpError(
      429,
      "rate_limit_error",
      `Too many failed API keys from this address; try again in ${goDuration(wait)}`,
      {
        headers: { "retry-after": String(Math.ceil(wait / 1000)) },
      },
    );
  }
  if (lockout.fail(source, max, ctx.config.apiKeyLockoutMs)) {
    ctx.app.log.warn(
      `auth: ${max} failed client API keys from ${peerKey(source)}; its wrong keys get 429 for ${goDuration(ctx.config.apiKeyLockoutMs)} (valid keys are still served)`,
    );
  }
  throw new HttpError(401, "authentication_error", message);
}

/** Requires a valid client key; attaches it to the context for the handler. */
export const requireApiKey: Wrap = (next) => async (req, ctx) => {
  const check = checkApiKey(req, ctx);
  if (!check.ok) refuseKey(ctx, check.message);
  return next(req, check.key === undefined ? ctx : { ...ctx, clientKey: check.key });
};
