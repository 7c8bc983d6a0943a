/**
 * Vertex service-account token files (CLIProxyAPI HEAD a7e3596b7 internal/auth/vertex/vertex_credentials.go
 * and internal/runtime/executor/gemini_vertex_executor.go vertexCreds / vertexAccessToken / vertexBaseURL):
 * `{"type":"vertex","service_account":{…Google key JSON…},"project_id","email","location"?}`. HEAD gets
 * its bearer through golang.org/x/oauth2/google (JWT bearer grant, scope cloud-platform); here the same
 * grant by hand: an RS256 JWT signed with node:crypto, exchanged at the key's `token_uri`, the access
 * token kept in memory (never written to the file) until shortly before it expires.
 */
import { createHash, sign } from "node:crypto";
import { httpCall, safeHost, describeAnswer, type HttpOptions } from "./http.js";

/** Google's token endpoint when a key names none (x/oauth2/google's default). */
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** The scope HEAD asks for (vertexAccessToken). */
export const VERTEX_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** A cached token is replaced this long before it expires (x/oauth2's expiryDelta is 10 s; a minute is safer for slow calls). */
const LEAD_MS = 60_000;

/** The fields of a Google service-account key cliproxy uses. */
export interface ServiceAccount {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId?: string;
  readonly tokenUri: string;
  readonly projectId: string;
  /** Vertex region; HEAD's default us-central1. */
  readonly location: string;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** The service account of a vertex token file, or why it cannot be used (a message naming the missing field). */
export function serviceAccountOf(raw: Readonly<Record<string, unknown>>): ServiceAccount | string {
  const sa = raw.service_account;
  if (sa === null || typeof sa !== "object" || Array.isArray(sa))
    return 'no "service_account" object (import the key with CLIProxyAPI\'s vertex-import or write it there)';
  const o = sa as Record<string, unknown>;
  const clientEmail = text(o.client_email);
  // Keys pasted through shells often carry literal "\n"; HEAD's NormalizeServiceAccountMap repairs them too.
  const privateKey = text(o.private_key)?.replace(/\\n/g, "\n");
  const projectId = text(raw.project_id) ?? text(raw.project) ?? text(o.project_id);
  if (!clientEmail) return 'service_account has no "client_email"';
  if (!privateKey) return 'service_account has no "private_key"';
  if (!projectId) return 'no "project_id"';
  return {
    clientEmail,
    privateKey,
    privateKeyId: text(o.private_key_id),
    tokenUri: text(o.token_uri) ?? GOOGLE_TOKEN_URI,
    projectId,
    location: text(raw.location) ?? "us-central1",
  };
}

/** HEAD's vertexBaseURL: `global` → aiplatform.googleapis.com, else `<location>-aiplatform.googleapis.com`. */
export function vertexRoot(location: string): string {
  return location === "global" ? "https://aiplatform.googleapis.com" : `https://${location}-aiplatform.googleapis.com`;
}

/** The signed JWT bearer assertion (RFC 7523) for `sa`, issued at `nowMs`, valid one hour. */
export function signAssertion(sa: ServiceAccount, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: "RS256", typ: "JWT", ...(sa.privateKeyId ? { kid: sa.privateKeyId } : {}) };
  const claims = { iss: sa.clientEmail, scope: VERTEX_SCOPE, aud: sa.tokenUri, iat, exp: iat + 3600 };
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${input}.${sign("RSA-SHA256", Buffer.from(input), sa.privateKey).toString("base64url")}`;
}

/** A token that could not be had; `status` 401 when Google refused the key, 503 otherwise. */
export class ServiceAccountError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ServiceAccountError";
  }
}

interface Cached {
  token: string;
  expiresAt: number;
}

/** Access tokens per service account: minted on first use, shared by concurrent callers, reused until LEAD_MS before expiry. */
export class ServiceAccountTokens {
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<Cached>>();

  constructor(private readonly now: () => number) {}

  /** The bearer for `sa`; `stale` (the token an upstream just refused) forces a new one. */
  async token(sa: ServiceAccount, http: HttpOptions, stale?: string): Promise<{ token: string; expiresAt: number }> {
    const key = createHash("sha256").update(`${sa.clientEmail}\n${sa.tokenUri}\n${sa.privateKey}`).digest("hex");
    const hit = this.cache.get(key);
    if (hit && hit.token !== stale && hit.expiresAt - LEAD_MS > this.now()) return hit;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.mint(sa, http).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const got = await p;
    this.cache.set(key, got);
    return got;
  }

  private async mint(sa: ServiceAccount, http: HttpOptions): Promise<Cached> {
    const now = this.now();
    let a;
    try {
      a = await httpCall(
        {
          url: sa.tokenUri,
          form: { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: signAssertion(sa, now) },
        },
        http,
      );
    } catch (err) {
      throw new ServiceAccountError(
        503,
        `Vertex service-account token from "${safeHost(sa.tokenUri)}" failed: ${(err as Error).message}`,
      );
    }
    const token = text(a.json.access_token);
    if (a.status < 200 || a.status >= 300 || !token) {
      const refused = a.status === 400 || a.status === 401 || a.status === 403;
      throw new ServiceAccountError(
        refused ? 401 : 503,
        `Vertex service-account token from "${safeHost(sa.tokenUri)}" failed: ${describeAnswer(a)}${refused ? "; check the key (it may be deleted or disabled)" : ""}`,
      );
    }
    const life = Number(a.json.expires_in);
    return { token, expiresAt: now + (Number.isFinite(life) && life > 0 ? life : 3600) * 1000 };
  }
}
