/** What "this machine" means for cliproxy: loopback addresses, judged from the socket, never a forwarded header. */
import { isIP } from "node:net";

/** RT-8: 127.0.0.0/8, ::1 and IPv4-mapped loopback (what Node reports on a dual-stack listener); anything unparsable is not loopback. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
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
