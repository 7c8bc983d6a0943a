/**
 * Minimal management authentication (management.md §1): the API exists only when a secret is set,
 * answers loopback peers unless remote access is allowed, and needs the management key. The peer is
 * the socket address, never X-Forwarded-For. (IP bans and the local password come with issue 8.)
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isLoopback } from "../server/start.js";
import { HttpError } from "../server/errors.js";
import type { Ctx, Wrap } from "../server/handler.js";
import { bcryptVerify, isBcryptHash } from "./bcrypt.js";

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
  const digest = sha256(key).toString("hex");
  const seen = verified.get(snapshot) ?? new Set<string>();
  if (seen.has(digest)) return true;
  if (!bcryptVerify(key, hash)) return false;
  verified.set(snapshot, seen.add(digest));
  return true;
}

/** Whether `key` is the configured secret (plaintext or bcrypt hash) or MANAGEMENT_PASSWORD. */
export function checkManagementKey(key: string, secret: string, envPassword: string, snapshot: object = {}): boolean {
  let ok = false;
  if (envPassword !== "") ok = equalSecret(key, envPassword) || ok;
  if (secret !== "") ok = (isBcryptHash(secret) ? matchesHash(key, secret, snapshot) : equalSecret(key, secret)) || ok;
  return ok;
}

/** Answers 404 with an empty body: the management API does not exist without a secret. */
function notEnabled(ctx: Ctx): void {
  ctx.res.writeHead(404, { "content-length": "0" }).end();
}

/** Requires management access: enabled, loopback or allowed remote, and the right key. */
export const requireManagement: Wrap = (next) => async (req, ctx) => {
  const secret = ctx.config.remoteManagement.secretKey.trim();
  const envPassword = (ctx.app.env.MANAGEMENT_PASSWORD ?? "").trim();
  if (secret === "" && envPassword === "") return notEnabled(ctx);
  // MANAGEMENT_PASSWORD enables remote access, as in CLIProxyAPI.
  const remoteAllowed = ctx.config.remoteManagement.allowRemote || envPassword !== "";
  if (!remoteAllowed && !isLoopback(ctx.peer)) throw new HttpError(403, "permission_error", "remote management disabled");
  const key = presentedManagementKey(req);
  if (key === undefined) throw new HttpError(401, "authentication_error", "missing management key");
  if (!checkManagementKey(key, secret, envPassword, ctx.config.remoteManagement)) throw new HttpError(401, "authentication_error", "invalid management key");
  return next(req, ctx);
};
