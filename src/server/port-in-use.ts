/** The start-up error for a port already taken: which port, whether a cliproxy answers there, and what to do. */
import { request } from "node:http";

/** What answers on host:port: a cliproxy (with its version), something else over HTTP, or nothing we can read. */
export function probe(
  host: string,
  port: number,
  timeoutMs = 1000,
): Promise<{ cliproxy: boolean; version?: string; http: boolean }> {
  const target = host === "" || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return new Promise((resolve) => {
    const req = request({ host: target, port, path: "/", method: "GET", timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => void (text.length < 65536 && (text += c)));
      res.on("end", () => {
        try {
          const j = JSON.parse(text) as { name?: unknown; version?: unknown };
          if (j.name === "cliproxy") return resolve({ cliproxy: true, version: String(j.version ?? ""), http: true });
        } catch {
          /* not cliproxy's index */
        }
        resolve({ cliproxy: false, http: true });
      });
      res.on("error", () => resolve({ cliproxy: false, http: true }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ cliproxy: false, http: false }));
    req.end();
  });
}

/** The message for EADDRINUSE on host:port, after probing who holds it. */
export async function portInUseMessage(host: string, port: number): Promise<string> {
  const who = await probe(host, port);
  const holder = who.cliproxy
    ? `another cliproxy${who.version ? ` ${who.version}` : ""} is already running there (stop it, or use that one)`
    : who.http
      ? "another HTTP server answers there, not cliproxy"
      : "another program holds it";
  return `Port ${port} on ${host || "all interfaces"} is already in use: ${holder}. Start with --port <another port> (or set port: in config.yaml)`;
}
