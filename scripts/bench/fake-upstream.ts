/**
 * The fake upstream every target ends at: OpenAI chat, Anthropic messages, Gemini and any other
 * path (the Amp management API), non-stream or SSE, as the request's `bench:` directive asks.
 * Answers are built once per shape and cached, so the fake costs as little as it can and "direct"
 * stays the limit. Run as its own process (`--serve`, reports its port over IPC) or in-process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  parseDirective,
  responseBody,
  stampText,
  streamFrames,
  pad,
  type Dialect,
  type Directive,
} from "./payloads.js";

/** A running fake upstream. */
export interface FakeUpstream {
  readonly port: number;
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Largest request body the fake reads; beyond it, 413. */
const MAX_REQUEST = 32 << 20;

const bodies = new Map<string, Buffer>();

function cachedBody(dialect: Dialect, size: number): Buffer {
  const key = `${dialect}:${size}`;
  let b = bodies.get(key);
  if (!b) bodies.set(key, (b = Buffer.from(responseBody(dialect, size))));
  return b;
}

/** Which dialect a path speaks, and whether the path alone asks for a stream (Gemini). */
export function classify(method: string, path: string): { dialect?: Dialect; pathStream: boolean } {
  if (method !== "POST") return { pathStream: false };
  if (path.startsWith("/v1/messages") && !path.includes("count_tokens"))
    return { dialect: "anthropic", pathStream: false };
  if (path.startsWith("/v1/chat/completions")) return { dialect: "openai", pathStream: false };
  const gemini = /^\/v1beta\/models\/[^/:]+:(generateContent|streamGenerateContent)/.exec(path);
  if (gemini) return { dialect: "gemini", pathStream: gemini[1] === "streamGenerateContent" };
  return { pathStream: false };
}

async function readText(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_REQUEST) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Resolves on "drain" or "close", removing both listeners (a race of once() calls would leak one). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Streams `d.events` stamped content events; paced by timers, or back-to-back honouring backpressure. */
async function stream(res: ServerResponse, dialect: Dialect, d: Directive): Promise<void> {
  const frames = streamFrames(dialect);
  const filler = pad(Math.max(0, d.bytes - stampText(0n).length));
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  if (frames.head) res.write(frames.head);
  for (let i = 0; i < d.events && !res.destroyed; i++) {
    if (d.pace > 0) await new Promise((r) => setTimeout(r, d.pace));
    if (res.destroyed) break;
    const ok = res.write(frames.event(stampText(process.hrtime.bigint()) + filler));
    if (!ok && !res.destroyed) await drained(res);
  }
  if (!res.destroyed) res.end(frames.tail);
}

/** The request listener. */
export async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const { dialect, pathStream } = classify(req.method ?? "GET", path);
  const text = await readText(req);
  if (text === undefined) {
    res.writeHead(413, { "content-type": "application/json" }).end('{"error":"request too large"}');
    return;
  }
  if (!dialect) {
    // The Amp management API and anything else: a JSON answer sized by ?size= or the body's directive.
    const param = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get("size");
    const size = param !== null && /^\d{1,8}$/.test(param) ? Number(param) : parseDirective(text).size;
    const body = cachedBody("openai", size);
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
    return;
  }
  const d = parseDirective(text);
  if (pathStream || /"stream"\s*:\s*true/.test(text)) return stream(res, dialect, d);
  const body = cachedBody(dialect, d.size);
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
}

/** Starts the fake on 127.0.0.1 (port 0 = ephemeral). */
export async function startFakeUpstream(port = 0): Promise<FakeUpstream> {
  const sockets = new Set<Socket>();
  const server = createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) => {
    answer(req, res).catch(() => res.destroy());
  });
  server.on("connection", (s) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  server.maxConnections = 20_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

if (process.argv.includes("--serve") && process.send) {
  const fake = await startFakeUpstream();
  process.send({ ready: fake.port });
  // The parent going away (crash, SIGKILL) must not leave the fake behind.
  process.on("disconnect", () => process.exit(0));
}
