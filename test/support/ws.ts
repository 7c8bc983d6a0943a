/**
 * A minimal RFC 6455 WebSocket codec for tests (no ws package): the accept key, frame encoding with
 * and without masking, an incremental frame reader, a server-side accept, and a client over node:http.
 * Enough for text frames, ping/pong and close; no fragmentation or extensions.
 */
import { createHash, randomBytes } from "node:crypto";
import { request, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { EventEmitter } from "node:events";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Opcodes used here (RFC 6455 §5.2). */
export const OP = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Sec-WebSocket-Accept for a key (§4.2.2). */
export function acceptKey(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

/** A fresh 16-byte base64 Sec-WebSocket-Key. */
export function newKey(): string {
  return randomBytes(16).toString("base64");
}

/** One frame, FIN set; masked as a client must (§5.3). */
export function encodeFrame(opcode: number, payload: Buffer | string, mask: boolean): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const len = data.length;
  const head: number[] = [0x80 | opcode];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = data[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** A decoded frame. */
export interface Frame {
  readonly opcode: number;
  readonly payload: Buffer;
  readonly masked: boolean;
}

/** Feeds bytes, emits whole frames. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (f: Frame) => void) {}
  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length < 2) return;
      const opcode = this.buf[0] & 0x0f;
      const masked = (this.buf[1] & 0x80) !== 0;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      const total = off + (masked ? 4 : 0) + len;
      if (this.buf.length < total) return;
      const payload = Buffer.from(this.buf.subarray(off + (masked ? 4 : 0), total));
      if (masked) {
        const key = this.buf.subarray(off, off + 4);
        for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      }
      this.buf = this.buf.subarray(total);
      this.onFrame({ opcode, payload, masked });
    }
  }
}

/** A WebSocket peer over a socket: send text, receive text events, answer pings, close. */
export class WsPeer extends EventEmitter {
  readonly received: string[] = [];
  constructor(
    readonly socket: Duplex,
    private readonly client: boolean,
    head: Buffer = Buffer.alloc(0),
  ) {
    super();
    const reader = new FrameReader((f) => this.onFrame(f));
    socket.on("data", (c: Buffer) => reader.push(c));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.emit("close"));
    if (head.length) reader.push(head);
  }
  private onFrame(f: Frame): void {
    if (f.opcode === OP.ping) return void this.socket.write(encodeFrame(OP.pong, f.payload, this.client));
    if (f.opcode === OP.close) {
      if (!this.closing) this.socket.write(encodeFrame(OP.close, f.payload.subarray(0, 2), this.client));
      this.emit("closeframe", f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005);
      if (!this.client) this.socket.end();
      return;
    }
    if (f.opcode === OP.text) {
      const text = f.payload.toString("utf8");
      this.received.push(text);
      this.emit("text", text);
    }
    this.emit("frame", f);
  }
  private closing = false;
  send(text: string | Buffer, opcode: number = OP.text): void {
    this.socket.write(encodeFrame(opcode, text, this.client));
  }
  /** Starts the close handshake (§7.1.2). */
  close(code = 1000): void {
    this.closing = true;
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code);
    this.socket.write(encodeFrame(OP.close, p, this.client));
  }
  /** Resolves with the next text message for which `accept` holds. */
  next(accept: (text: string) => boolean = () => true): Promise<string> {
    return new Promise((resolve, reject) => {
      const on = (t: string) => {
        if (!accept(t)) return;
        this.off("text", on);
        this.off("close", gone);
        resolve(t);
      };
      const gone = () => reject(new Error(`socket closed; received: ${this.received.join(" | ").slice(0, 500)}`));
      this.on("text", on);
      this.once("close", gone);
    });
  }
}

/** Server side: answers 101 for `req` on `socket` (optionally choosing a subprotocol and extensions). */
export function acceptUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: { protocol?: string; extensions?: string } = {},
): WsPeer {
  const lines = [
    "HTTP/1.1 101 Switching Protocols",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Accept: ${acceptKey(String(req.headers["sec-websocket-key"]))}`,
  ];
  if (options.protocol) lines.push(`Sec-WebSocket-Protocol: ${options.protocol}`);
  if (options.extensions) lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  socket.write(lines.join("\r\n") + "\r\n\r\n");
  const peer = new WsPeer(socket, false, head);
  socket.on("end", () => socket.end());
  return peer;
}

/** The outcome of a client handshake: a peer (101) or the refusal's status, headers and body. */
export type Dial =
  | { ok: true; peer: WsPeer; res: IncomingMessage }
  | { ok: false; status: number; headers: IncomingMessage["headers"]; body: string };

/** Opens a WebSocket client to `url` with extra headers (exact handshake headers may be overridden). */
export function dial(
  url: string,
  headers: Record<string, string> = {},
  options: { method?: string; raw?: (socket: Duplex, head: Buffer) => void } = {},
): Promise<Dial> {
  return new Promise((resolve, reject) => {
    const key = newKey();
    const req = request(url, {
      method: options.method ?? "GET",
      agent: false,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": key,
        ...headers,
      },
    });
    req.on("upgrade", (res, socket, head) => {
      const accept = res.headers["sec-websocket-accept"];
      if (headers["sec-websocket-key"] === undefined && accept !== acceptKey(key))
        return reject(new Error(`bad Sec-WebSocket-Accept ${String(accept)}`));
      if (options.raw)
        return void (options.raw(socket, head), resolve({ ok: true, peer: undefined as unknown as WsPeer, res }));
      resolve({ ok: true, peer: new WsPeer(socket, true, head), res });
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ ok: false, status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
