/**
 * The tunnel bench (issue 11): an Amp actor socket's bytes through cliproxy, against a direct
 * connection and a bare `net` pipe (the floor for any byte relay). An echo upstream on 127.0.0.1
 * answers the WebSocket handshake and then echoes every byte. Two figures per path:
 * - throughput: one connection sends `mb` MB in 64 KB frames and reads the echo back (bytes/s each way);
 * - latency: `rounds` sequential round trips of one 64-byte masked text frame (median and p99).
 * Everything runs in this one process (client, proxy, upstream on one event loop), so the added cost
 * shown is an upper bound. Bounded: a few seconds in all.
 */
import { createServer as createHttpServer, request, type IncomingMessage } from "node:http";
import { createServer as createNetServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { createHash, randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { createApp } from "../../src/app/app.js";
import { listen } from "../../src/server/listen.js";
import { allRoutes } from "../../src/app/routes.js";
import { onUpgrade } from "../../src/app/upgrade.js";
import { makeConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";

/** One path's figures. */
export interface TunnelFigures {
  readonly path: string;
  readonly bytesPerSecond: number;
  readonly medianUs: number;
  readonly p99Us: number;
}

const TOKEN = "wst_bench_token";
const PROTOCOL = `rivet, rivet_conn_params.${encodeURIComponent(JSON.stringify({ wsToken: TOKEN }))}`;

async function listening(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/** An upstream that accepts any WebSocket handshake, then echoes bytes. */
async function echoUpstream(): Promise<{ port: number; close(): void }> {
  const server = createHttpServer((_q, res) => res.writeHead(404).end());
  const sockets = new Set<Duplex>();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    const accept = createHash("sha1")
      .update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    if (head.length) socket.write(head);
    socket.on("data", (c: Buffer) => {
      if (!socket.write(c)) socket.pause();
    });
    socket.on("drain", () => socket.resume());
    socket.on("error", () => socket.destroy());
    socket.on("end", () => socket.end());
  });
  const port = await listening(server as unknown as Server);
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A bare byte pipe to `port`, no parsing: the floor for any relay. */
async function netPipe(port: number): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    const up = connect(port, "127.0.0.1");
    sockets.add(client).add(up);
    client.pipe(up).pipe(client);
    client.on("error", () => up.destroy());
    up.on("error", () => client.destroy());
  });
  return {
    port: await listening(server),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Opens a WebSocket through `port`; resolves with the raw socket after the 101. */
function open(port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      agent: false,
      path: "/actors/gateway/threadActor/websocket/?rvt-method=get&rvt-key=T-bench",
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": randomBytes(16).toString("base64"),
        "sec-websocket-protocol": PROTOCOL,
      },
    });
    req.on("upgrade", (_res, socket) => resolve(socket));
    req.on("response", (res) => reject(new Error(`handshake answered ${res.statusCode}`)));
    req.on("error", reject);
    req.end();
  });
}

/** A masked text frame of `size` bytes (RFC 6455 §5.2; size < 65536). */
function frame(size: number): Buffer {
  const head = size < 126 ? Buffer.from([0x81, 0x80 | size]) : Buffer.from([0x81, 0x80 | 126, size >> 8, size & 0xff]);
  return Buffer.concat([head, randomBytes(4), randomBytes(size)]);
}

async function throughput(port: number, mb: number): Promise<number> {
  const socket = await open(port);
  const chunk = frame(65_000);
  const total = Math.ceil((mb * 2 ** 20) / chunk.length) * chunk.length;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    let got = 0;
    socket.on("data", (c: Buffer) => {
      got += c.length;
      if (got >= total) resolve();
    });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once("drain", pump);
      }
    };
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  socket.destroy();
  return total / seconds;
}

async function latency(port: number, rounds: number): Promise<number[]> {
  const socket = await open(port);
  const f = frame(64);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      let got = 0;
      const on = (c: Buffer) => {
        got += c.length;
        if (got < f.length) return;
        socket.off("data", on);
        resolve();
      };
      socket.on("data", on);
      socket.write(f);
    });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  socket.destroy();
  return samples.sort((a, b) => a - b);
}

/** Runs the tunnel bench; `quick` halves the work. */
export async function runTunnelBench(quick = false): Promise<TunnelFigures[]> {
  const upstream = await echoUpstream();
  const pipe = await netPipe(upstream.port);
  const app = createApp({
    config: makeConfig({ ampcode: { upstreamUrl: `http://127.0.0.1:${upstream.port}`, upstreamApiKey: "bench" } }),
    log: createLogger({ sink: () => {} }),
    env: {},
  });
  app.amp.actorTokens.remember(TOKEN);
  const cliproxy = await listen(app, "127.0.0.1", 0, allRoutes(), undefined, onUpgrade(app));
  const paths = [
    ["direct", upstream.port],
    ["net pipe", pipe.port],
    ["cliproxy", cliproxy.port],
  ] as const;
  const out: TunnelFigures[] = [];
  try {
    for (const [, port] of paths) await throughput(port, 4); // warm-up
    // Throughput in interleaved, rotated rounds, best round per path: one pass per path moved ±50 % on a busy machine.
    const best = new Map<string, number>();
    const rounds = quick ? 2 : 3;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < paths.length; i++) {
        const [path, port] = paths[(i + r) % paths.length];
        best.set(path, Math.max(best.get(path) ?? 0, await throughput(port, quick ? 16 : 48)));
      }
    }
    for (const [path, port] of paths) {
      const samples = await latency(port, quick ? 1_000 : 5_000);
      out.push({
        path,
        bytesPerSecond: best.get(path) ?? 0,
        medianUs: samples[Math.floor(samples.length / 2)],
        p99Us: samples[Math.floor(samples.length * 0.99)],
      });
    }
  } finally {
    await cliproxy.close(100);
    pipe.close();
    upstream.close();
  }
  return out;
}

/** The figures as a Markdown table, with cliproxy's added latency per frame against each reference. */
export function renderTunnel(rows: readonly TunnelFigures[]): string {
  const lines = [
    "| path | echo throughput (MB/s each way) | round trip median (µs) | p99 (µs) |",
    "|---|---:|---:|---:|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.path} | ${(r.bytesPerSecond / 2 ** 20).toFixed(0)} | ${r.medianUs.toFixed(0)} | ${r.p99Us.toFixed(0)} |`,
    );
  const by = Object.fromEntries(rows.map((r) => [r.path, r]));
  if (by.cliproxy && by.direct && by["net pipe"]) {
    lines.push(
      "",
      `cliproxy adds ${(by.cliproxy.medianUs - by.direct.medianUs).toFixed(0)} µs per frame round trip over a direct connection, ${(by.cliproxy.medianUs - by["net pipe"].medianUs).toFixed(0)} µs over a bare net pipe (medians).`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && /tunnel\.ts$/.test(process.argv[1])) {
  runTunnelBench(process.argv.includes("--quick")).then(
    (rows) => console.log(renderTunnel(rows)),
    (err: Error) => {
      console.error(`tunnel bench: ${err.message}`);
      process.exit(1);
    },
  );
}
