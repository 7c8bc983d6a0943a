/**
 * Failed-attempt bookkeeping by peer, shared by the client-key check (server/auth.ts) and the management key
 * (management/auth.ts): five failures from one peer ban it for 30 minutes, an IPv6 peer counts by its /64
 * (one host holds a whole /64 and could rotate through it), and a global cap of failures per minute (all
 * peers together) stops expensive checks. The peer is the socket address, never a forwarded header.
 */
import { isIPv4, isIPv6 } from "node:net";
import { isLoopbackAddress } from "./loopback.js";

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
  if (g.slice(0, 6).every((x, i) => x === (i === 5 ? 0xffff : 0)))
    return [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff].join(".");
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(":")}::/64`;
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

  constructor(
    private readonly now: () => number,
    options: LockoutOptions = {},
  ) {
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
    return this.recent.length >= this.globalCap
      ? this.recent[this.recent.length - this.globalCap] + GLOBAL_WINDOW_MS - now
      : 0;
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
    for (const [peer, e] of this.peers)
      if (e.bannedUntil <= now && now - e.last >= IDLE_PURGE_MS) this.peers.delete(peer);
  }
}
