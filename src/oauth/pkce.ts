/**
 * Login state and PKCE (oauth.md §1.2, RFC 7636): a fresh random state per login, compared in
 * constant time, and an S256 challenge for every provider (Google accepts it for installed apps).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A PKCE pair: the verifier stays in memory, the challenge goes into the authorize URL. */
export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

/** A new login state: 16 random bytes as lower-case hex (32 characters). */
export function newState(): string {
  return randomBytes(16).toString("hex");
}

/** A new PKCE pair: verifier = 96 random bytes base64url (128 chars), challenge = base64url(SHA-256(verifier)). */
export function newPkce(): Pkce {
  const verifier = randomBytes(96).toString("base64url");
  return { verifier, challenge: challengeOf(verifier) };
}

/** The S256 challenge of a verifier. */
export function challengeOf(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

/** True when `s` has the shape of a state we accept: 1–128 of `[A-Za-z0-9._-]`, no `..` (oauth.md §10). */
export function isValidState(s: string): boolean {
  return /^[A-Za-z0-9._-]{1,128}$/.test(s) && !s.includes("..");
}

/** Compares a returned state with the expected one without leaking where they differ. */
export function stateMatches(expected: string, got: string | undefined): boolean {
  if (got === undefined) return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(got).digest();
  return timingSafeEqual(a, b) && expected.length === got.length;
}
