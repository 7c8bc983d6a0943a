/**
 * Redaction applied to every log line and every error body we write: known secrets (client keys,
 * provider keys, Amp keys, OAuth tokens) are masked wherever they appear, and anything shaped like a
 * credential (bearer tokens, `key=` query values, vendor key prefixes, JSON token fields) is masked
 * even when we were never told it was secret.
 */

const PATTERNS: Array<[RegExp, (m: string, ...g: string[]) => string]> = [
  [/(bearer\s+)([^\s"',;]+)/gi, (_m, p) => `${p}${MASK}`],
  [/([?&](?:key|auth_token|access_token|refresh_token|api_key|token)=)([^&\s"']+)/gi, (_m, p) => `${p}${MASK}`],
  [
    /("(?:access_token|refresh_token|id_token|api[-_]?key|upstream-api-key|secret-key|apiKey|token|password|client_secret)"\s*:\s*")([^"]*)(")/gi,
    (_m, a, _v, c) => `${a}${MASK}${c}`,
  ],
  [/((?:x-api-key|x-goog-api-key|authorization|x-management-key)\s*[:=]\s*)([^\s,;]+)/gi, (_m, p) => `${p}${MASK}`],
  [/\b(sk-ant-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{8,}/g, (_m, p) => `${p}${MASK}`],
  [/\b(sk-[A-Za-z0-9_-]{2})[A-Za-z0-9_-]{14,}/g, (_m, p) => `${p}${MASK}`],
  [/\b(AIza)[0-9A-Za-z_-]{20,}/g, (_m, p) => `${p}${MASK}`],
  [/\b(ya29\.)[0-9A-Za-z_.-]{10,}/g, (_m, p) => `${p}${MASK}`],
];

/** What replaces a secret. */
export const MASK = "[REDACTED]";

/**
 * Known secret strings: those from the config (replaced whole on every reload) and those learned at run time
 * (env keys, the Amp secrets file, OAuth tokens), which a reload must not forget.
 */
export class SecretSet {
  private configured: string[] = [];
  private learned = new Set<string>();
  private list: string[] = [];
  /** Replaces the secrets that come from the config. */
  set(secrets: Iterable<string>): void {
    this.configured = [...secrets];
    this.rebuild();
  }
  /** Adds secrets learned at run time; they survive set(). */
  add(...secrets: string[]): void {
    for (const s of secrets) this.learned.add(s);
    this.rebuild();
  }
  /** The current secrets, longest first. */
  values(): readonly string[] {
    return this.list;
  }
  private rebuild(): void {
    // Values shorter than 4 characters are ignored: too common to mask.
    const all = [...this.configured, ...this.learned].map((s) => s.trim()).filter((s) => s.length >= 4);
    this.list = [...new Set(all)].sort((a, b) => b.length - a.length);
  }
}

/** Masks every known secret and every credential-shaped substring in `text`. */
export function redact(text: string, secrets?: SecretSet): string {
  // Shapes first: a known secret that is a prefix of a longer token must not leave the token's tail behind.
  let out = text;
  for (const [re, fn] of PATTERNS) out = out.replace(re, fn as (m: string) => string);
  if (secrets) for (const s of secrets.values()) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/** Masks a key for display: its last 4 characters, enough to tell keys apart; short keys show nothing. */
export function maskKey(key: string): string {
  return key.length < 12 ? MASK : `…${key.slice(-4)}`;
}

/** Strips credentials (client keys, OAuth codes and states, tokens) from a URL before it is logged, leaving the rest of the query as the client wrote it. */
export function loggablePath(url: URL): string {
  return (
    url.pathname +
    url.search.replace(
      /([?&](?:key|auth_token|code|state|token|access_token|refresh_token|secret|client_secret)=)[^&]*/gi,
      "$1[REDACTED]",
    )
  );
}
