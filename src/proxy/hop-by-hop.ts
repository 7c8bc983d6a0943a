/**
 * The one list of hop-by-hop headers (RFC 9110 §7.6.1): they describe a single connection, so no proxy copies
 * them, in either direction, nor any header a Connection header names. Every request and response scrub in
 * proxy/ and amp/ starts from this list and adds its own (credentials, Host, lengths).
 */

/** Header names (lower-case) that belong to one connection, never to the message. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Lower-case names listed in a Connection header (they are hop-by-hop too). */
export function connectionTokens(value: string | string[] | undefined): Set<string> {
  const out = new Set<string>();
  if (value === undefined) return out; // most answers name nothing (#17: the split showed in the Amp profile)
  for (const v of [value ?? []].flat()) for (const t of v.split(",")) if (t.trim()) out.add(t.trim().toLowerCase());
  return out;
}
