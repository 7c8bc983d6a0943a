/**
 * The callback forwarder of web-UI logins (management.md §4.8 `is_webui`): a loopback listener on the
 * provider's registered callback port whose only job is a 302 to cliproxy's own port, where the
 * pending session takes the code. Upstream binds 0.0.0.0; cliproxy binds loopback only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** A running forwarder. */
export interface Forwarder {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts forwarding GETs on `paths` to `target` (query kept); rejects when the port is busy. */
export async function startForwarder(port: number, paths: readonly string[], target: string): Promise<Forwarder> {
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" || !paths.includes(url.pathname))
      return void res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
    res.writeHead(302, { location: `${target}${url.search}`, "cache-control": "no-store", connection: "close" }).end();
  };
  const handler = createServer(forward);
  const servers: Server[] = [handler];
  await new Promise<void>((resolve, reject) => {
    handler.once("error", reject);
    handler.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve());
  });
  const bound = (handler.address() as { port: number }).port;
  const v6 = createServer(forward);
  await new Promise<void>((resolve) => {
    v6.once("error", () => resolve());
    v6.listen({ port: bound, host: "::1", exclusive: true }, () => {
      servers.push(v6);
      resolve();
    });
  });
  // A forwarder lives inside a running server; it must never be what keeps a process alive.
  for (const s of servers) s.unref();
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined);
      return closing;
    },
  };
}
