/**
 * The last log lines, kept in memory for the management API's `GET /logs` and the status page. Lines
 * arrive already redacted (the logger's tap sees what its sink sees); a fixed capacity bounds memory.
 */
import type { Logger } from "./log.js";

/** Lines kept per logger. */
export const LOG_RING_LINES = 2000;

/** A bounded ring of log lines, oldest first. */
export class LogRing {
  private buf: string[] = [];
  private start = 0;

  constructor(readonly capacity = LOG_RING_LINES) {}

  /** Adds a line, dropping the oldest when full. */
  push(line: string): void {
    if (this.buf.length < this.capacity) this.buf.push(line);
    else {
      this.buf[this.start] = line;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Every kept line, oldest first. */
  lines(): string[] {
    return [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
  }

  /** Forgets every line; returns how many there were. */
  clear(): number {
    const n = this.buf.length;
    this.buf = [];
    this.start = 0;
    return n;
  }
}

const rings = new WeakMap<Logger, LogRing>();

/** The ring of a logger, attached (through its tap) on first call; undefined for loggers without a tap. */
export function logRing(log: Logger): LogRing | undefined {
  let ring = rings.get(log);
  if (ring || !log.tap) return ring;
  const r = new LogRing();
  log.tap((line) => r.push(line));
  rings.set(log, r);
  return r;
}
