/**
 * The wsTokens cliproxy has handed to its own clients (issue 11): an actor upgrade carries no client
 * key, only the `wsToken` ampcode minted in its answer to POST /api/thread-actors (or
 * /api/user-actor-credentials). cliproxy remembers the SHA-256 of each token it relayed to an
 * authenticated client, with an expiry and a size bound, and accepts an upgrade only with one of
 * them: a token nobody fetched through cliproxy never reaches the upstream, so cliproxy is no open relay.
 */
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";

const gunzipAsync = promisify(gunzip);

/** How long a remembered token is accepted after cliproxy relayed it. */
export const WS_TOKEN_TTL_MS = 24 * 60 * 60_000;
/** At most this many tokens are remembered; the oldest goes first. */
export const MAX_WS_TOKENS = 10_000;
/** Credential answers are small JSON; one past this size is relayed without being read. */
export const MAX_CREDENTIAL_BODY = 64 * 1024;

/** The remembered tokens. */
export interface ActorTokens {
  /** Remembers a token relayed to an authenticated client. */
  remember(token: string): void;
  /** True when `token` was remembered and has not expired. */
  accepts(token: string): boolean;
  /** How many are remembered (tests, status). */
  readonly size: number;
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("base64");
}

/** Creates an empty store. */
export function createActorTokens(clock: { now(): number }, ttlMs = WS_TOKEN_TTL_MS, max = MAX_WS_TOKENS): ActorTokens {
  const expiries = new Map<string, number>();
  return {
    remember(token) {
      const key = digest(token);
      expiries.delete(key); // re-inserted last, so eviction order stays oldest-first
      expiries.set(key, clock.now() + ttlMs);
      while (expiries.size > max) expiries.delete(expiries.keys().next().value as string);
    },
    accepts(token) {
      const key = digest(token);
      const until = expiries.get(key);
      if (until === undefined) return false;
      if (clock.now() < until) return true;
      expiries.delete(key);
      return false;
    },
    get size() {
      return expiries.size;
    },
  };
}

/** Every string `wsToken` property in a parsed JSON value (answers may nest it, e.g. under `result`), depth-limited. */
export function findWsTokens(value: unknown, depth = 0, out: string[] = []): string[] {
  if (depth > 6 || value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === "wsToken" && typeof v === "string" && v !== "") out.push(v);
    else findWsTokens(v, depth + 1, out);
  }
  return out;
}

/**
 * A pass-through for a credential answer's raw upstream bytes that holds them back until the body
 * ended, then remembers its wsTokens and only then releases the bytes: the client cannot open its
 * socket before cliproxy knows the token. Past MAX_CREDENTIAL_BODY it gives up and streams on.
 */
export function captureWsTokens(onToken: (token: string) => void, max = MAX_CREDENTIAL_BODY): Transform {
  let held: Buffer[] | undefined = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (held === undefined) return done(null, chunk);
      held.push(chunk);
      size += chunk.length;
      if (size <= max) return done();
      for (const c of held) this.push(c);
      held = undefined;
      done();
    },
    flush(done: TransformCallback) {
      if (held === undefined) return done();
      const body = Buffer.concat(held, size);
      held = undefined;
      readTokens(body).then(
        (tokens) => {
          for (const t of tokens) onToken(t);
          done(null, body);
        },
        () => done(null, body),
      );
    },
  });
}

/** The wsTokens of a JSON body, gzipped or not (accept-encoding: gzip goes upstream); none when unreadable. */
async function readTokens(body: Buffer): Promise<string[]> {
  const text =
    body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b
      ? (await gunzipAsync(body, { maxOutputLength: 4 * MAX_CREDENTIAL_BODY })).toString("utf8")
      : body.toString("utf8");
  try {
    return findWsTokens(JSON.parse(text));
  } catch {
    return [];
  }
}
