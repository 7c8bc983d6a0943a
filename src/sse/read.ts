/**
 * Server-sent events, read incrementally (WHATWG HTML §9.2.6 "Interpreting an event stream").
 * Lines are split on bytes before decoding: CR and LF never occur inside a multi-byte UTF-8
 * sequence, so a chunk boundary anywhere, even mid-character, cannot corrupt a line.
 */

/** One dispatched event; `data` lines are joined with "\n". */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
  retry?: number;
}

/** Limits and hooks shared by the parser and the framer. */
export interface SseOptions {
  /** Largest event (its raw bytes) held while waiting for its end; a hostile upstream could send one endless line. */
  maxEventBytes?: number;
  /** Called with each comment line's text (after the ":"), e.g. keep-alives. */
  onComment?: (text: string) => void;
}

/** Default cap on a single event's size: far above any real model chunk. */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** Thrown when one event grows past `maxEventBytes`. */
export class SseLimitError extends RangeError {
  constructor(readonly limit: number) {
    super(`Cannot read event stream: an event exceeds ${limit} bytes`);
    this.name = "SseLimitError";
  }
}

const LF = 0x0a;
const CR = 0x0d;

/** Incremental SSE parser: feed chunks, get back each complete event. */
export class SseParser {
  readonly #max: number;
  readonly #onComment?: (text: string) => void;
  #pending: Buffer[] = []; // bytes of the current, unterminated line
  #eventBytes = 0; // raw bytes of the event being assembled, for the cap
  #skipLf = false; // the last chunk ended in CR: a leading LF is the rest of that CRLF
  #atStart = true; // a UTF-8 BOM may open the stream
  #data: string[] = [];
  #hasData = false;
  #event: string | undefined;
  #id: string | undefined;
  #retry: number | undefined;

  constructor(options: SseOptions = {}) {
    this.#max = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.#onComment = options.onComment;
  }

  /** Consumes a chunk and returns the events it completed. */
  push(chunk: Buffer | string): SseEvent[] {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    const out: SseEvent[] = [];
    let start = 0;
    if (this.#skipLf && buf.length > 0) {
      this.#skipLf = false;
      if (buf[0] === LF) start = 1;
    }
    for (let i = start; i < buf.length; i++) {
      const b = buf[i];
      if (b !== LF && b !== CR) continue;
      this.#grow(i - start + 1);
      this.#pending.push(buf.subarray(start, i));
      this.#line(out);
      if (b === CR) {
        if (i + 1 === buf.length) this.#skipLf = true;
        else if (buf[i + 1] === LF) i++;
      }
      start = i + 1;
    }
    if (start < buf.length) {
      this.#grow(buf.length - start);
      this.#pending.push(buf.subarray(start));
    }
    return out;
  }

  /** Flushes a final line and event that lacked their terminators (the upstream closed early). */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.#pending.length > 0) this.#line(out);
    this.#dispatch(out);
    this.#skipLf = false;
    return out;
  }

  #grow(n: number): void {
    this.#eventBytes += n;
    if (this.#eventBytes > this.#max) {
      this.#pending = [];
      this.#reset();
      throw new SseLimitError(this.#max);
    }
  }

  #line(out: SseEvent[]): void {
    let line = Buffer.concat(this.#pending).toString("utf8");
    this.#pending = [];
    if (this.#atStart) {
      this.#atStart = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (line === "") return this.#dispatch(out);
    if (line[0] === ":") return this.#onComment?.(line.slice(1).replace(/^ /, ""));
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    switch (name) {
      case "data":
        this.#data.push(value);
        this.#hasData = true;
        break;
      case "event":
        this.#event = value;
        break;
      case "id":
        if (!value.includes("\0")) this.#id = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      // Unknown fields are ignored, as the standard requires.
    }
  }

  #dispatch(out: SseEvent[]): void {
    // An event without any data line is not dispatched (WHATWG), but its fields still reset.
    if (this.#hasData) {
      const e: SseEvent = { data: this.#data.join("\n") };
      if (this.#event !== undefined && this.#event !== "") e.event = this.#event;
      if (this.#id !== undefined) e.id = this.#id;
      if (this.#retry !== undefined) e.retry = this.#retry;
      out.push(e);
    }
    this.#reset();
  }

  #reset(): void {
    this.#data = [];
    this.#hasData = false;
    this.#event = undefined;
    this.#id = undefined;
    this.#retry = undefined;
    this.#eventBytes = 0;
  }
}

/**
 * Splits a byte stream into the exact original bytes of each event, blank line included, so a
 * same-dialect proxy can forward every event as soon as it completes without re-serialising.
 * When a CRLF blank line is split between chunks, the event is released at its CR and the LF
 * opens the next piece: the concatenation of all pieces always equals the input.
 */
export class SseFramer {
  readonly #max: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #lineLen = 0; // bytes in the current line so far; 0 at a line start
  #skipLf = false;

  constructor(options: Pick<SseOptions, "maxEventBytes"> = {}) {
    this.#max = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  /** Consumes a chunk and returns the raw bytes of each event it completed. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0; // where the current event begins in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.#skipLf) {
        this.#skipLf = false;
        if (b === LF) continue;
      }
      if (b !== LF && b !== CR) {
        this.#lineLen++;
        continue;
      }
      const blank = this.#lineLen === 0;
      this.#lineLen = 0;
      if (b === CR) {
        if (i + 1 === chunk.length) this.#skipLf = true;
        else if (chunk[i + 1] === LF) i++;
      }
      if (!blank) continue;
      const piece = chunk.subarray(start, i + 1);
      out.push(this.#pending.length === 0 ? piece : Buffer.concat([...this.#pending, piece]));
      this.#pending = [];
      this.#pendingBytes = 0;
      start = i + 1;
    }
    if (start < chunk.length) {
      this.#pendingBytes += chunk.length - start;
      if (this.#pendingBytes > this.#max) {
        this.#pending = [];
        this.#pendingBytes = 0;
        throw new SseLimitError(this.#max);
      }
      this.#pending.push(chunk.subarray(start));
    }
    return out;
  }

  /** Returns whatever followed the last complete event (an unterminated final event). */
  end(): Buffer[] {
    const rest = this.#pending.length === 0 ? [] : [Buffer.concat(this.#pending)];
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#lineLen = 0;
    this.#skipLf = false;
    return rest;
  }
}
