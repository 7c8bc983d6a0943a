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

/** A ring fed by `log` (through its tap) from now on; undefined for a logger without a tap. */
export function tapRing(log: Logger, capacity = LOG_RING_LINES): LogRing | undefined {
  if (!log.tap) return undefined;
  const ring = new LogRing(capacity);
  log.tap((line) => ring.push(line));
  return ring;
}
