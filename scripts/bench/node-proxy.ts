/**
 * The floor for a Node.js proxy: node:http server → keep-alive agent → node:http client, bodies
 * streamed with pipeline() both ways, nothing else (no auth, routing, parsing or logging). What
 * cliproxy costs beyond this line is cliproxy's own; what this costs beyond nginx is Node's.
 * Runs as its own process (`--serve <upstreamPort>`, reports its port over IPC).
 */
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";

/** Starts the minimal proxy on 127.0.0.1 in front of `upstreamPort`. */
export async function startNodeProxy(upstreamPort: number, port = 0): Promise<{ port: number; server: Server }> {
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 1024 });
  const server = createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) => {
    const up = request(
      { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        pipeline(answer, res).catch(() => res.destroy());
      },
    );
    up.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    pipeline(req, up).catch(() => up.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, server };
}

const at = process.argv.indexOf("--serve");
if (at >= 0 && process.send) {
  const proxy = await startNodeProxy(Number(process.argv[at + 1]));
  process.send({ ready: proxy.port });
  process.on("disconnect", () => process.exit(0));
}
