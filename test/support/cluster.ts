/**
 * A cliproxy with `workers: N` as the user runs it: `node --import tsx src/main.ts --config FILE` in a
 * child process whose workers the primary forks. Tests wait for its log lines (never for time) and
 * reach it on fresh connections, so the primary's round-robin hands each request to the next worker.
 */
import type { TestContext } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { request } from "node:http";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");

/** A running cluster. */
export interface Cluster {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it printed so far (stdout and stderr of the primary and its workers). */
  out(): string;
  /** Resolves with the first match of `re` in the output from `from` (a character offset) on. */
  waitFor(re: RegExp, from?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `src/main.ts --config <configPath> --port <port>` (0: any free one) in `cwd`; killed when the test ends if
 * still running. Resolves once the primary says all workers listen, or at once with `listening: false`.
 */
export async function startCluster(
  t: TestContext | undefined,
  configPath: string,
  cwd: string,
  env: Record<string, string> = {},
  options: { port?: number; listening?: boolean } = {},
): Promise<Cluster> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src", "main.ts"), "--config", configPath, "--port", String(options.port ?? 0)],
    { cwd: ROOT, env: { ...process.env, HOME: cwd, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (b: Buffer) => {
    text += b.toString();
    for (const l of [...listeners]) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = once(child, "exit");
  const waitFor = (re: RegExp, from = 0) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(text.slice(from));
        if (m) {
          listeners.delete(check);
          resolve(m);
        }
      };
      listeners.add(check);
      void exited.then(() => {
        if (listeners.delete(check)) reject(new Error(`exited before ${re}:\n${text}`));
      });
      check();
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const [code] = await exited;
    return code as number | null;
  };
  const kill = () => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"));
  if (t) t.after(kill);
  const url = options.listening === false ? "" : (await waitFor(/cluster: \d+ workers listening on (http:\/\/\S+)/))[1];
  return { child, url, out: () => text, waitFor, stop };
}

/** One request on its own connection: status, headers and body text. */
export function fresh(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(url, {
      method: options.method ?? (body ? "POST" : "GET"),
      agent: false,
      headers: { ...(body ? { "content-type": "application/json" } : {}), ...options.headers },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.end(body);
  });
}
