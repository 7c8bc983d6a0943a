/**
 * Management authentication (management.md §1). The API exists only when a secret is set (404 with an
 * empty body otherwise); it answers loopback peers unless remote access is allowed; it needs the
 * management key; five failures from one peer ban it for 30 minutes. The peer is the socket address,
 * never X-Forwarded-For (upstream trusts forwarded headers, so a remote caller could claim 127.0.0.1
 * and rotate fake addresses to dodge the ban); an IPv6 peer counts by its /64, since one host holds
 * a whole /64 and could rotate through it. bcrypt in JavaScript blocks the event loop for tens of
 * milliseconds per check, so past a global cap of failures per minute (all peers together) a key that
 * would need bcrypt is refused with 429 unchecked; a banned peer is never checked either. A plaintext
 * `secret-key` is hashed with bcrypt and written back, as CLIProxyAPI does, so the file never keeps
 * the key in clear.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isLoopbackAddress } from "../server/loopback.js";
import { HttpError } from "../server/errors.js";
import type { App, Ctx, Handler, Wrap } from "../server/handler.js";
import { bcryptHash, bcryptVerify, isBcryptHash } from "./bcrypt.js";
import { saveChange } from "./save.js";
import { goDuration, MAX_FAILURES, peerKey, type Lockout } from "../server/lockout.js";

/** bcrypt cost of hashes cliproxy writes (CLIProxyAPI's DefaultCost). */
export const SECRET_COST = 10;

function sha256(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

function equalSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The presented management key: Authorization (Bearer or whole value), else X-Management-Key. */
export function presentedManagementKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === "string" && auth.trim() !== "") {
    const m = /^bearer\s+(.*)$/is.exec(auth.trim());
    return m ? m[1].trim() : auth.trim();
  }
  const k = req.headers["x-management-key"];
  return typeof k === "string" && k.trim() !== "" ? k.trim() : undefined;
}

// bcrypt at cost 10 takes a noticeable fraction of a second in JavaScript; a key that verified once is
// remembered (by digest) for the config snapshot whose remote-management block holds that hash.
const verified = new WeakMap<object, Set<string>>();

function matchesHash(key: string, hash: string, snapshot: object): boolean {
  if (!bcryptVerify(key, hash)) return false;
  const seen = verified.get(snapshot) ?? new Set<string>();
  verified.set(snapshot, seen.add(sha256(key).toString("hex")));
  return true;
}

/**
 * The cheap part of the key check: true or false when known without bcrypt (MANAGEMENT_PASSWORD, a
 * plaintext secret, a key already verified for this snapshot), "bcrypt" when only bcrypt can tell.
 */
export function quickCheckKey(
  key: string,
  secret: string,
  envPassword: string,
  snapshot: object = {},
): boolean | "bcrypt" {
  let ok = false;
  if (envPassword !== "") ok = equalSecret(key, envPassword) || ok;
  if (secret === "" || ok) return ok;
  if (!isBcryptHash(secret)) return equalSecret(key, secret);
  return verified.get(snapshot)?.has(sha256(key).toString("hex")) ? true : "bcrypt";
}

/** The App slots this module owns (app/app.ts fills them). */
declare module "../server/handler.js" {
  interface App {
    /** Failed management keys by peer, on the app's clock. */
    readonly managementLockout: Lockout;
    /** Digest of the last over-long secret-key hashPlaintextSecret() warned about (a reload that fails to write the hash back does not repeat the warning). */
    warnedLongKey?: string;
  }
}

/** Whether the management API is on for this request's config and environment. */
export function managementEnabled(ctx: Ctx): boolean {
  return ctx.config.remoteManagement.secretKey.trim() !== "" || (ctx.app.env.MANAGEMENT_PASSWORD ?? "").trim() !== "";
}

/** Answers 404 with an empty body: the management API does not exist without a secret. */
export function notEnabled(ctx: Ctx): void {
  ctx.res.writeHead(404, { "content-length": "0" }).end();
}

/** Sets the X-CPA-* headers CLIProxyAPI sends on every management response (clients read the version there). */
export function versionHeaders(ctx: Ctx): void {
  ctx.res.setHeader("x-cpa-version", ctx.app.version);
  ctx.res.setHeader("x-cpa-commit", "none");
  ctx.res.setHeader("x-cpa-build-date", "unknown");
  ctx.res.setHeader("x-cpa-support-plugin", "false");
}

/**
 * Checks a request against management.md §1's decision table (ban, remote allowed, key present, key matches); throws
 * the 401/403 it gets, returns when it may pass. `countMissing: false` lets a browser open the status page's key form
 * without using up an attempt.
 */
export function authorise(req: IncomingMessage, ctx: Ctx, countMissing = true): void {
  const secret = ctx.config.remoteManagement.secretKey.trim();
  const envPassword = (ctx.app.env.MANAGEMENT_PASSWORD ?? "").trim();
  const lockout = ctx.app.managementLockout;
  const banned = lockout.bannedFor(ctx.peer);
  // MANAGEMENT_PASSWORD enables remote access, as in CLIProxyAPI.
  const remoteAllowed = ctx.config.remoteManagement.allowRemote || envPassword !== "";
  if (banned > 0) return authoriseBanned(req, ctx, banned, secret, envPassword);
  if (!remoteAllowed && !isLoopbackAddress(ctx.peer))
    throw new HttpError(403, "permission_error", "remote management disabled");
  const key = presentedManagementKey(req);
  if (key === undefined) {
    if (countMissing) lockout.fail(ctx.peer);
    throw new HttpError(401, "authentication_error", "missing management key");
  }
  const snapshot = ctx.config.remoteManagement;
  let ok = quickCheckKey(key, secret, envPassword, snapshot);
  if (ok === "bcrypt") {
    // Past the global cap a key that only bcrypt could judge is refused unchecked: no event-loop stall,
    // no guess counted. Keys known without bcrypt (cached, plaintext, env) still pass.
    globalCap(lockout);
    ok = matchesHash(key, secret, snapshot);
  }
  if (!ok) {
    lockout.fail(ctx.peer);
    const left = lockout.bannedFor(ctx.peer);
    if (left > 0)
      ctx.app.log.warn(
        `management: ${MAX_FAILURES} wrong keys from ${describeSource(ctx.peer)}; it is banned for ${goDuration(left)} (the correct key still passes)`,
      );
    throw new HttpError(401, "authentication_error", "invalid management key");
  }
  lockout.succeed(ctx.peer);
}

function globalCap(lockout: Lockout): void {
  const wait = lockout.globalBlockedFor();
  if (wait > 0) {
    throw new HttpError(
      429,
      "rate_limit_error",
      `too many failed management key attempts from all addresses, try again in ${goDuration(wait)}`,
      { headers: { "retry-after": String(Math.ceil(wait / 1000)) } },
    );
  }
}

function describeSource(peer: string): string {
  const key = peerKey(peer);
  return key === "loopback" ? "this machine (every loopback address counts as one source)" : key;
}

/**
 * A banned source: a key that verifies still passes (a local attacker must not lock the owner out),
 * checked without bcrypt when it can be, else with bcrypt at most once a minute per source so the ban
 * still stops guessing. Anything else gets 403 saying since when, why and until when, with Retry-After.
 */
function authoriseBanned(req: IncomingMessage, ctx: Ctx, banned: number, secret: string, envPassword: string): void {
  const lockout = ctx.app.managementLockout;
  const key = presentedManagementKey(req);
  const remoteAllowed = ctx.config.remoteManagement.allowRemote || envPassword !== "";
  if (key !== undefined && (remoteAllowed || isLoopbackAddress(ctx.peer))) {
    const snapshot = ctx.config.remoteManagement;
    let ok = quickCheckKey(key, secret, envPassword, snapshot);
    if (ok === "bcrypt" && lockout.globalBlockedFor() === 0 && lockout.recheckIn(ctx.peer) === 0) {
      ok = matchesHash(key, secret, snapshot);
      if (!ok) lockout.failGlobally();
    }
    if (ok === true) {
      lockout.succeed(ctx.peer);
      ctx.app.log.info(`management: the correct key from ${describeSource(ctx.peer)} lifted its ban`);
      return;
    }
  }
  const until = new Date(ctx.app.clock.now() + banned).toISOString();
  throw new HttpError(
    403,
    "permission_error",
    `IP banned due to too many failed attempts. Try again in ${goDuration(banned)}: ${MAX_FAILURES} wrong management keys came from ${describeSource(ctx.peer)}, banned until ${until}; the correct key is still accepted (checked at most once a minute while banned)`,
    { headers: { "retry-after": String(Math.ceil(banned / 1000)) } },
  );
}

/** Requires management access: enabled, not banned, loopback or allowed remote, and the right key. */
export const requireManagement: Wrap = (next) => async (req, ctx) => {
  if (!managementEnabled(ctx)) return notEnabled(ctx);
  versionHeaders(ctx);
  authorise(req, ctx);
  return next(req, ctx);
};

/**
 * Every other /v0/management path and method: 404 with an empty body while the API is off, 403 for
 * OPTIONS (no CORS on management, management.md §1 note), else 404 after authentication.
 */
export const managementFallback: Handler = async (req, ctx) => {
  if (!managementEnabled(ctx)) return notEnabled(ctx);
  versionHeaders(ctx);
  if (req.method === "OPTIONS")
    throw new HttpError(403, "permission_error", "cross-origin requests are not allowed on the management API");
  authorise(req, ctx);
  throw new HttpError(404, "not_found", "not found");
};

/** bcrypt reads at most this many bytes of a key; the rest never counts. */
export const BCRYPT_MAX_KEY_BYTES = 72;

/**
 * Hashes a plaintext `remote-management.secret-key` with bcrypt and writes the hash back at that key,
 * touching nothing else (config.md §2.1). Call after every load; true when it hashed one. Warns, once
 * per key, when the key is longer than bcrypt reads, since any key sharing its first 72 bytes would pass.
 */
export async function hashPlaintextSecret(app: App): Promise<boolean> {
  const plain = app.config().remoteManagement.secretKey.trim();
  if (plain === "" || isBcryptHash(plain)) return false;
  const bytes = Buffer.byteLength(plain, "utf8");
  const digest = sha256(plain).toString("hex");
  if (bytes > BCRYPT_MAX_KEY_BYTES && app.warnedLongKey !== digest) {
    app.warnedLongKey = digest;
    app.log.warn(
      `management: remote-management.secret-key is ${bytes} bytes long but bcrypt reads ${BCRYPT_MAX_KEY_BYTES}: only the first ${BCRYPT_MAX_KEY_BYTES} bytes count; use a shorter key`,
    );
  }
  const hash = bcryptHash(plain, SECRET_COST);
  let hashed = false;
  const saving = saveChange(app, (current) => {
    // A reload may have replaced the key while bcrypt ran; only the key that was hashed is swapped.
    if (current.remoteManagement.secretKey.trim() !== plain) return { config: current, edits: [] };
    hashed = true;
    return {
      config: { ...current, remoteManagement: { ...current.remoteManagement, secretKey: hash } },
      edits: [{ path: ["remote-management", "secret-key"], value: hash }],
    };
  });
  try {
    await saving;
  } catch (err) {
    app.log.warn(`management: could not write the hashed secret-key back: ${(err as Error).message}`);
    return false;
  }
  if (hashed) app.log.info("management: remote-management.secret-key was plaintext; stored its bcrypt hash instead");
  return hashed;
}
