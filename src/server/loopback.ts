/** What "this machine" means for cliproxy: loopback addresses, judged from the socket, never a forwarded header. */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * Loopback for the Amp localhost guard (amp.md RT-8): 127.0.0.0/8, ::1 and IPv4-mapped loopback (what Node reports on a
 * dual-stack listener); anything unparsable is not loopback.
 */
export function isLoopbackAddress(address: string): boolean {
  const a = address
    .trim()
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "");
  const kind = isIP(a);
  if (kind === 4) return a.startsWith("127.");
  if (kind !== 6) return false;
  // The URL parser writes IPv6 in canonical form: ::1, and ::ffff:7fxx:xxxx for ::ffff:127.x.y.z.
  const host = new URL(`http://[${a}]/`).hostname;
  return host === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

/** A listen address that only this machine can reach: a loopback address or "localhost". */
export function isLoopback(host: string): boolean {
  return host.trim().toLowerCase() === "localhost" || isLoopbackAddress(host);
}

/** Headers reverse proxies and tunnels add (Caddy, nginx when told, cloudflared, Tailscale serve). */
const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip", "cf-connecting-ip", "true-client-ip"];

/**
 * True when a request carries a forwarding header: from a loopback peer that means a local proxy or
 * tunnel relaying someone else. Used only to deny what "this machine" would grant, never to grant.
 */
export function isRelayed(req: Pick<IncomingMessage, "headers">): boolean {
  return FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined);
}
