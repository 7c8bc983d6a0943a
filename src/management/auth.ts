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
import { isIPv4, isIPv6 } from "node:net";
import { isLoopbackAddress } from "../server/loopback.js";
import { HttpError } from "../server/errors.js";
import type { App, Ctx, Handler, Wrap } from "../server/handler.js";
import { bcryptHash, bcryptVerify, isBcryptHash } from "./bcrypt.js";
import { saveChange } from "./save.js";

/** Failed attempts from one peer before it is banned. */
export const MAX_FAILURES = 5;
/** How long a ban lasts. */
export const BAN_MS = 30 * 60_000;
/** Entries idle this long are forgotten (checked at most hourly). */
export const IDLE_PURGE_MS = 2 * 3_600_000;
/** Failed attempts per minute, all peers together, past which keys needing bcrypt are refused unchecked. */
export const GLOBAL_FAILURES_PER_MINUTE = 30;
/** The window GLOBAL_FAILURES_PER_MINUTE counts over. */
export const GLOBAL_WINDOW_MS = 60_000;
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
export function quickCheckKey(key: string, secret: string, envPassword: string, snapshot: object = {}): boolean | "bcrypt" {
  let ok = false;
  if (envPassword !== "") ok = equalSecret(key, envPassword) || ok;
  if (secret === "" || ok) return ok;
  if (!isBcryptHash(secret)) return equalSecret(key, secret);
  return verified.get(snapshot)?.has(sha256(key).toString("hex")) ? true : "bcrypt";
}

/** Whether `key` is the configured secret (plaintext or bcrypt hash) or MANAGEMENT_PASSWORD. */
export function checkManagementKey(key: string, secret: string, envPassword: string, snapshot: object = {}): boolean {
  const quick = quickCheckKey(key, secret, envPassword, snapshot);
  return quick === "bcrypt" ? matchesHash(key, secret, snapshot) : quick;
}

/** The 16-bit groups of an IPv6 address (zone dropped, dotted IPv4 tail folded in); undefined if malformed. */
function ipv6Groups(address: string): number[] | undefined {
  let a = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (dotted) {
    const b = dotted.slice(1).map(Number);
    a = `${a.slice(0, dotted.index)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = a.split("::");
  if (halves.length > 2) return undefined;
  const part = (h: string) => (h === "" ? [] : h.split(":").map((g) => parseInt(g, 16)));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * What the lockout counts a peer by: an IPv4 address (IPv4-mapped IPv6 too) as itself, any other IPv6
 * address by its /64 (`2001:db8:0:1::/64`), since a single host is commonly handed a whole /64.
 */
export function peerKey(peer: string): string {
  // Every local process can bind any 127.x.y.z: rotating through them must not dodge a ban, so
  // loopback is one source (and the owner's correct key still passes a ban, see authorise).
  if (isLoopbackAddress(peer)) return "loopback";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(peer) || !isIPv6(peer.replace(/%.*$/, ""))) return peer;
  const g = ipv6Groups(peer);
  if (!g) return peer;
  if (g.slice(0, 6).every((x, i) => x === (i === 5 ? 0xffff : 0))) return [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff].join(".");
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(":")}::/64`;
}

/** Go's time.Duration spelling, whole seconds (`29m59s`, `1h0m0s`), as upstream's ban message shows it. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

interface PeerEntry {
  failures: number;
  bannedUntil: number;
  last: number;
  /** When a banned source last had a key checked with bcrypt. */
  lastRecheck?: number;
}

/** A banned source may have one key checked with bcrypt this often, so the owner's key still passes a ban. */
export const BANNED_RECHECK_MS = 60_000;

/** Options of a Lockout. */
export interface LockoutOptions {
  /** Failures per GLOBAL_WINDOW_MS, all peers together, past which bcrypt checks stop (GLOBAL_FAILURES_PER_MINUTE). */
  readonly globalFailuresPerMinute?: number;
}

/**
 * Failed-attempt bookkeeping per peer (peerKey: IPv4 address or IPv6 /64): 5 failures → banned 30 min;
 * a success resets. Also counts failures across all peers over the last minute (the global cap).
 */
export class Lockout {
  private readonly peers = new Map<string, PeerEntry>();
  private readonly recent: number[] = []; // times of the failures inside the global window, oldest first
  private readonly globalCap: number;
  private lastPurge: number;

  constructor(private readonly now: () => number, options: LockoutOptions = {}) {
    this.lastPurge = now();
    this.globalCap = options.globalFailuresPerMinute ?? GLOBAL_FAILURES_PER_MINUTE;
  }

  /** Milliseconds left on the peer's ban; 0 when it is not banned. */
  bannedFor(peer: string): number {
    this.purge();
    const e = this.peers.get(peerKey(peer));
    return e ? Math.max(0, e.bannedUntil - this.now()) : 0;
  }

  /** Milliseconds until the global cap frees up; 0 while fewer failures than the cap fell in the last minute. */
  globalBlockedFor(): number {
    const now = this.now();
    while (this.recent.length && this.recent[0] <= now - GLOBAL_WINDOW_MS) this.recent.shift();
    return this.recent.length >= this.globalCap ? this.recent[this.recent.length - this.globalCap] + GLOBAL_WINDOW_MS - now : 0;
  }

  /** Milliseconds until a banned peer may have a key checked with bcrypt; 0 when it may now (and the check is counted). */
  recheckIn(peer: string): number {
    const e = this.peers.get(peerKey(peer));
    if (!e) return 0;
    const now = this.now();
    const wait = e.lastRecheck === undefined ? 0 : Math.max(0, e.lastRecheck + BANNED_RECHECK_MS - now);
    if (wait === 0) e.lastRecheck = now;
    return wait;
  }

  /** Counts a failure toward the global cap only (a banned source's wrong key: its ban stays as it is). */
  failGlobally(): void {
    this.recent.push(this.now());
    if (this.recent.length > this.globalCap) this.recent.shift();
  }

  /** Counts a failure; the fifth (client keys: `max`) bans the peer for BAN_MS (`banMs`) and resets its counter; true when it did. */
  fail(peer: string, max = MAX_FAILURES, banMs = BAN_MS): boolean {
    const now = this.now();
    const key = peerKey(peer);
    const e = this.peers.get(key) ?? { failures: 0, bannedUntil: 0, last: now };
    e.last = now;
    const ban = ++e.failures >= max;
    if (ban) {
      e.failures = 0;
      e.bannedUntil = now + banMs;
    }
    this.peers.set(key, e);
    this.recent.push(now);
    if (this.recent.length > this.globalCap) this.recent.shift();
    return ban;
  }

  /** Wrong keys the peer may still send before its ban (the status page warns with it). */
  attemptsLeft(peer: string): number {
    return MAX_FAILURES - (this.peers.get(peerKey(peer))?.failures ?? 0);
  }

  /** Forgets the peer's failures. */
  succeed(peer: string): void {
    this.peers.delete(peerKey(peer));
  }

  private purge(): void {
    const now = this.now();
    if (now - this.lastPurge < 3_600_000) return;
    this.lastPurge = now;
    for (const [peer, e] of this.peers) if (e.bannedUntil <= now && now - e.last >= IDLE_PURGE_MS) this.peers.delete(peer);
  }
}

const lockouts = new WeakMap<App, Lockout>();

/** The lockout book of an app (created on first use, on the app's clock). */
export function lockoutOf(app: App): Lockout {
  let l = lockouts.get(app);
  if (!l) lockouts.set(app, (l = new Lockout(() => app.clock.now())));
  return l;
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
 * Checks a request against §1's decision table; throws the 401/403 it gets, returns when it may pass.
 * `countMissing: false` lets a browser open the status page's key form without using up an attempt.
 */
export function authorise(req: IncomingMessage, ctx: Ctx, countMissing = true): void {
  const secret = ctx.config.remoteManagement.secretKey.trim();
  const envPassword = (ctx.app.env.MANAGEMENT_PASSWORD ?? "").trim();
  const lockout = lockoutOf(ctx.app);
  const banned = lockout.bannedFor(ctx.peer);
  // MANAGEMENT_PASSWORD enables remote access, as in CLIProxyAPI.
  const remoteAllowed = ctx.config.remoteManagement.allowRemote || envPassword !== "";
  if (banned > 0) return authoriseBanned(req, ctx, banned, secret, envPassword);
  if (!remoteAllowed && !isLoopbackAddress(ctx.peer)) throw new HttpError(403, "permission_error", "remote management disabled");
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
    if (left > 0) ctx.app.log.warn(`management: ${MAX_FAILURES} wrong keys from ${describeSource(ctx.peer)}; it is banned for ${goDuration(left)} (the correct key still passes)`);
    throw new HttpError(401, "authentication_error", "invalid management key");
  }
  lockout.succeed(ctx.peer);
}

function globalCap(lockout: Lockout): void {
  const wait = lockout.globalBlockedFor();
  if (wait > 0) {
    throw new HttpError(429, "rate_limit_error", `too many failed management key attempts from all addresses, try again in ${goDuration(wait)}`, { headers: { "retry-after": String(Math.ceil(wait / 1000)) } });
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
  const lockout = lockoutOf(ctx.app);
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
  if (req.method === "OPTIONS") throw new HttpError(403, "permission_error", "cross-origin requests are not allowed on the management API");
  authorise(req, ctx);
  throw new HttpError(404, "not_found", "not found");
};

/** bcrypt reads at most this many bytes of a key; the rest never counts. */
export const BCRYPT_MAX_KEY_BYTES = 72;

// Digest of the last over-long key each app warned about, so a reload that fails to write the hash back
// does not repeat the warning.
const warnedLong = new WeakMap<App, string>();

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
  if (bytes > BCRYPT_MAX_KEY_BYTES && warnedLong.get(app) !== digest) {
    warnedLong.set(app, digest);
    app.log.warn(`management: remote-management.secret-key is ${bytes} bytes long but bcrypt reads ${BCRYPT_MAX_KEY_BYTES}: only the first ${BCRYPT_MAX_KEY_BYTES} bytes count; use a shorter key`);
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
