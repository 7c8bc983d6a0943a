/**
 * PostgreSQL frontend/backend protocol 3.0 framing: building frontend messages and splitting the
 * byte stream into backend messages (type byte, Int32 length including itself, body).
 */

/** One backend message. */
export interface BackendMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** Builds one frontend message; `type` is omitted for the startup-phase messages that have none. */
export class MessageWriter {
  readonly #parts: Buffer[] = [];

  int16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    return this.push(b);
  }

  int32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return this.push(b);
  }

  cstring(s: string): this {
    return this.push(Buffer.from(s + "\0", "utf8"));
  }

  bytes(b: Buffer): this {
    return this.push(b);
  }

  private push(b: Buffer): this {
    this.#parts.push(b);
    return this;
  }

  /** The framed message. */
  finish(type?: string): Buffer {
    const body = Buffer.concat(this.#parts);
    const head = Buffer.alloc(type ? 5 : 4);
    if (type) head.write(type, 0, "latin1");
    head.writeInt32BE(body.length + 4, type ? 1 : 0);
    return Buffer.concat([head, body]);
  }
}

/** Cap of one backend message: a row bigger than this is a protocol error, not a reason to buffer without end. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Splits incoming bytes into backend messages. */
export class MessageReader {
  #buf: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns every message now complete. Throws on a length no server would send. */
  push(chunk: Buffer): BackendMessage[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: BackendMessage[] = [];
    while (this.#buf.length >= 5) {
      const len = this.#buf.readInt32BE(1);
      if (len < 4 || len > MAX_MESSAGE_BYTES) throw new Error(`PostgreSQL protocol error: message length ${len}`);
      if (this.#buf.length < len + 1) break;
      out.push({ type: String.fromCharCode(this.#buf[0]), body: this.#buf.subarray(5, len + 1) });
      this.#buf = this.#buf.subarray(len + 1);
    }
    return out;
  }
}

/** Reads fields of a backend message body in order. */
export class BodyReader {
  #at = 0;
  constructor(private readonly b: Buffer) {}

  int16(): number {
    const v = this.b.readInt16BE(this.#at);
    this.#at += 2;
    return v;
  }

  int32(): number {
    const v = this.b.readInt32BE(this.#at);
    this.#at += 4;
    return v;
  }

  byte(): number {
    return this.b[this.#at++];
  }

  cstring(): string {
    const end = this.b.indexOf(0, this.#at);
    const s = this.b.toString("utf8", this.#at, end < 0 ? this.b.length : end);
    this.#at = end < 0 ? this.b.length : end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    const v = this.b.subarray(this.#at, this.#at + n);
    this.#at += n;
    return v;
  }

  rest(): Buffer {
    return this.bytes(this.b.length - this.#at);
  }
}

/** Error and notice field codes (protocol "Error and Notice Message Fields"). */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  S: "severity",
  V: "severityNonLocalized",
  C: "code",
  M: "message",
  D: "detail",
  H: "hint",
  P: "position",
  W: "where",
  s: "schema",
  t: "table",
  c: "column",
  n: "constraint",
  F: "file",
  L: "line",
  R: "routine",
};

/** The fields of an ErrorResponse or NoticeResponse body, by name. */
export function parseFields(body: Buffer): Record<string, string> {
  const r = new BodyReader(body);
  const out: Record<string, string> = {};
  for (;;) {
    const code = r.byte();
    if (!code) break;
    out[FIELD_NAMES[String.fromCharCode(code)] ?? String.fromCharCode(code)] = r.cstring();
  }
  return out;
}
