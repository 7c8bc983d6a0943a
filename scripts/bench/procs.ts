/**
 * Child processes of the bench: started here, tracked, and all ended when the bench exits, fails
 * or is interrupted, so no fake upstream, proxy or nginx outlives a run.
 */
import { fork, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { request } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadOptions, LoadResult } from "./load.js";

const children = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
let hooked = false;

/** Kills every tracked child and runs every registered cleanup; synchronous, so it also runs on exit. */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
  for (const f of cleanups) {
    try {
      f();
    } catch {
      // best effort: the others still run
    }
  }
  cleanups.clear();
}

/** Registers a synchronous cleanup for killAll (grandchildren, temp dirs); returns its remover. */
export function onCleanup(f: () => void): () => void {
  hook();
  cleanups.add(f);
  return () => cleanups.delete(f);
}

/** SIGKILLs `pid` when /proc says it still runs a command starting with `prefix` (a recycled pid is someone else's). */
export function killIfStill(pid: number, prefix: string): void {
  let cmd = "";
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return;
  }
  if (cmd.startsWith(prefix)) process.kill(pid, "SIGKILL");
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Tracks `child` so it ends with the bench. */
export function track<T extends ChildProcess>(child: T): T {
  hook();
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** The tsx loader, so .ts children run without a build step. */
export const TSX_IMPORT = import.meta.resolve("tsx");

/** Forks a TypeScript module of scripts/bench with an IPC channel. */
export function forkTs(file: string, args: string[]): ChildProcess {
  const path = fileURLToPath(new URL(file, import.meta.url));
  return track(
    fork(path, args, { execArgv: ["--import", TSX_IMPORT], stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
}

/** Spawns a tracked process. */
export function spawnTracked(cmd: string, args: string[], options: SpawnOptions): ChildProcess {
  return track(spawn(cmd, args, options));
}

/** Sends SIGTERM, waits up to `graceMs` for the exit, then SIGKILL. */
export async function stop(child: ChildProcess, graceMs = 3_000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A port free on 127.0.0.1 right now (a small race, acceptable on a bench machine). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Resident and peak resident memory of `pid` in MB, from /proc (Linux); undefined elsewhere. */
export async function memoryOf(pid: number): Promise<{ rssMb: number; peakMb: number } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
    return { rssMb: Math.round(kb("VmRSS") / 102.4) / 10, peakMb: Math.round(kb("VmHWM") / 102.4) / 10 };
  } catch {
    return undefined;
  }
}

/** Child pids of `pid` (Linux), e.g. nginx's worker under its master. */
export async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** One GET; resolves with the status, or 0 when the connection failed. */
export function getStatus(url: string, timeoutMs = 1_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve(0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** Polls `url` every `everyMs` until it answers `status` (true), or `timeoutMs` passes or `child` exits (false). */
export async function waitHttp(
  url: string,
  options: { timeoutMs: number; everyMs?: number; child?: ChildProcess; status?: number },
): Promise<boolean> {
  const deadline = performance.now() + options.timeoutMs;
  while (performance.now() < deadline) {
    if (options.child && (options.child.exitCode !== null || options.child.signalCode !== null)) return false;
    const status = await getStatus(url);
    if (status !== 0 && (options.status === undefined || status === options.status)) return true;
    await new Promise((r) => setTimeout(r, options.everyMs ?? 20));
  }
  return false;
}

/** The load generator's process: runs one LoadOptions at a time, over IPC. */
export class LoadWorker {
  readonly #child = forkTs("./load.ts", ["--worker"]);
  #next = 0;
  readonly #waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  constructor() {
    this.#child.on("message", (msg: { id: number; result?: LoadResult; error?: string }) => {
      const w = this.#waiting.get(msg.id);
      this.#waiting.delete(msg.id);
      if (msg.result) w?.resolve(msg.result);
      else w?.reject(new Error(`Load generator failed: ${msg.error}`));
    });
    this.#child.once("exit", (code) => {
      for (const w of this.#waiting.values()) w.reject(new Error(`Load generator exited with code ${code}`));
      this.#waiting.clear();
    });
  }

  /** Runs `options` in the worker. */
  run(options: LoadOptions): Promise<LoadResult> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      if (!this.#child.connected) return reject(new Error("Load generator is not running"));
      this.#waiting.set(id, { resolve, reject });
      this.#child.send({ id, options }, (err) => {
        if (!err) return;
        this.#waiting.delete(id);
        reject(new Error(`Cannot reach the load generator: ${err.message}`));
      });
    });
  }

  /** Ends the worker. */
  close(): Promise<void> {
    return stop(this.#child, 1_000);
  }
}

/** Starts the fake upstream in its own process; resolves with its port. */
export function startFakeProcess(): Promise<{ port: number; child: ChildProcess }> {
  return startService("Fake upstream", "./fake-upstream.ts", ["--serve"]);
}

/**
 * Starts the minimal Node.js proxy (node-proxy.ts) in front of `upstreamPort`, bundled into `dir`
 * first and run by plain node: the tsx loader would add its own memory to the floor's RSS.
 */
export async function startNodeProxyProcess(
  upstreamPort: number,
  dir: string,
): Promise<{ port: number; child: ChildProcess }> {
  const outfile = join(dir, "node-proxy.mjs");
  const { build } = await import("esbuild");
  await build({
    entryPoints: [fileURLToPath(new URL("./node-proxy.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "silent",
  });
  const child = track(
    fork(outfile, ["--serve", String(upstreamPort)], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  return startService("Node.js floor proxy", child);
}

async function startService(
  name: string,
  fileOrChild: string | ChildProcess,
  args: string[] = [],
): Promise<{ port: number; child: ChildProcess }> {
  const child = typeof fileOrChild === "string" ? forkTs(fileOrChild, args) : fileOrChild;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 15 s`)), 15_000);
    child.once("message", (m: { ready: number }) => {
      clearTimeout(timer);
      resolve(m.ready);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with code ${code}`)));
  });
  return { port, child };
}
