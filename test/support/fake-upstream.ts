/**
 * A fake upstream (provider API, ampcode.com, OAuth server) on an ephemeral loopback port. It records
 * every request (method, path with query, headers, body) and answers with the test's handler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TestContext } from "node:test";

/** One request the fake received. */
export interface Recorded {
  readonly method: string;
  /** Path with query, exactly as received. */
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: any;
  /** Resolves when the request's connection or response closes (client abort or normal end). */
  readonly closed: Promise<void>;
}

/** Answers one request; `req.body` is already read. */
export type FakeHandler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

/** A running fake upstream. */
export interface FakeUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: Recorded[];
  /** Replaces the handler. */
  handle(handler: FakeHandler): void;
  /** Resolves with the n-th request (1-based) once it has arrived. */
  nth(n: number): Promise<Recorded>;
  close(): Promise<void>;
}

/** Sends a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Starts a fake upstream for one test; closed when the test ends. */
export async function startFake(
  t: TestContext | undefined,
  handler: FakeHandler = (_r, res) => sendJson(res, 200, { ok: true }),
): Promise<FakeUpstream> {
  let current = handler;
  const requests: Recorded[] = [];
  const waiters: Array<{ n: number; resolve: (r: Recorded) => void }> = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));
    res.once("close", () => closedResolve());
    req.once("close", () => {
      if (req.destroyed && !res.writableFinished) closedResolve();
    });
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      // The client went away mid-body (a short timeout on a loaded machine can fire first): record what arrived,
      // so a test waiting for this request and its `closed` sees it instead of hanging.
    }
    const body = Buffer.concat(chunks);
    let json: any;
    try {
      json = body.length ? JSON.parse(body.toString("utf8")) : undefined;
    } catch {
      json = undefined;
    }
    const rec: Recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, json, closed };
    requests.push(rec);
    for (const w of waiters.filter((w) => w.n <= requests.length)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(requests[w.n - 1]);
    }
    try {
      await current(rec, res);
    } catch {
      res.destroy();
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const fake: FakeUpstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    handle(h) {
      current = h;
    },
    nth(n) {
      if (requests.length >= n) return Promise.resolve(requests[n - 1]);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
  t?.after(() => fake.close());
  return fake;
}
