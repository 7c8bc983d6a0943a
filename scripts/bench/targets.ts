/**
 * What the bench measures: each target is a base URL plus the request it sends for a kind of
 * load. direct (the limit), nginx and node (a minimal Node.js proxy) send the Anthropic request as
 * is; cliproxy's targets go through one cliproxy process started from a temp config.yaml.
 */
import { existsSync } from "node:fs";
import { open, readFile, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildProcess } from "node:child_process";
import type { RequestSpec } from "./load.js";
import { requestBody, type Directive } from "./payloads.js";
import { onCleanup, spawnTracked, stop, TSX_IMPORT, waitHttp } from "./procs.js";

/** A load shape: a JSON answer of some size, or a stream. */
export type Kind =
  | { readonly kind: "json"; readonly size: number; readonly requestBytes?: number }
  | { readonly kind: "sse"; readonly events: number; readonly bytes: number; readonly pace: number };

/** A thing to measure. */
export interface Target {
  readonly name: string;
  readonly label: string;
  /** The request for `kind`, or undefined when the target has no such path (Amp management streams nothing). */
  request(kind: Kind): RequestSpec | undefined;
}

/** The client key cliproxy accepts in the bench config. */
export const BENCH_KEY = "bench-key";

function directive(k: Kind): Partial<Directive> {
  return k.kind === "json" ? { size: k.size } : { events: k.events, bytes: k.bytes, pace: k.pace };
}

const requestBytes = (k: Kind) => (k.kind === "json" ? (k.requestBytes ?? 1024) : 1024);

const json = { "content-type": "application/json" };

function anthropic(k: Kind, headers: Record<string, string>): RequestSpec {
  return {
    method: "POST",
    path: "/v1/messages",
    headers: { ...json, "anthropic-version": "2023-06-01", ...headers },
    body: requestBody("anthropic", "claude-sonnet-4-5", directive(k), k.kind === "sse", requestBytes(k)),
  };
}

function openai(k: Kind, model: string): RequestSpec {
  return {
    method: "POST",
    path: "/v1/chat/completions",
    headers: { ...json, authorization: `Bearer ${BENCH_KEY}` },
    body: requestBody("openai", model, directive(k), k.kind === "sse", requestBytes(k)),
  };
}

/** Every target, in report order. */
export const TARGETS: readonly Target[] = [
  { name: "direct", label: "direct to the fake upstream (the limit)", request: (k) => anthropic(k, {}) },
  { name: "nginx", label: "nginx reverse proxy, buffering off", request: (k) => anthropic(k, {}) },
  {
    name: "node",
    label: "minimal node:http proxy (Node's floor, no cliproxy logic)",
    request: (k) => anthropic(k, {}),
  },
  {
    name: "pass",
    label: "cliproxy pass-through, Anthropic → Claude",
    request: (k) => anthropic(k, { "x-api-key": BENCH_KEY }),
  },
  { name: "pass-oai", label: "cliproxy pass-through, OpenAI → OpenAI-compat", request: (k) => openai(k, "gpt-bench") },
  { name: "translate", label: "cliproxy translation, OpenAI → Claude", request: (k) => openai(k, "claude-sonnet-4-5") },
  {
    name: "amp-prov",
    label: "cliproxy Amp provider route /api/provider/anthropic/v1/messages, served locally",
    request: (k) => ({
      ...anthropic(k, { authorization: `Bearer ${BENCH_KEY}` }),
      path: "/api/provider/anthropic/v1/messages",
    }),
  },
  {
    name: "user",
    label:
      "cliproxy as users run it: `npm start`, logging-to-file, access log on, stdout a pipe (pass-through request)",
    request: (k) => anthropic(k, { "x-api-key": BENCH_KEY }),
  },
  {
    name: "user-tsx",
    label: "the same config through the tsx loader (`npm start` before #17: tsx src/main.ts)",
    request: (k) => anthropic(k, { "x-api-key": BENCH_KEY }),
  },
  {
    name: "workers-2",
    label: "cliproxy pass-through with `workers: 2` (two processes on one port; 1 kB answers only)",
    request: (k) =>
      k.kind === "json" && k.size === 1024 && !k.requestBytes ? anthropic(k, { "x-api-key": BENCH_KEY }) : undefined,
  },
  {
    name: "amp",
    label: "cliproxy Amp management proxy, GET /api/user",
    // A GET carries no request body, so it sits out the stream and large-request scenarios.
    request: (k) =>
      k.kind === "json" && !k.requestBytes
        ? { method: "GET", path: `/api/user?size=${k.size}`, headers: { authorization: `Bearer ${BENCH_KEY}` } }
        : undefined,
  },
];

/** The bench's config.yaml for cliproxy in front of the fake on `fakePort`. */
export function cliproxyConfig(port: number, fakePort: number, user = false, workers = 1): string {
  const fake = `http://127.0.0.1:${fakePort}`;
  return `# Written by scripts/bench/targets.ts for one bench run.
host: 127.0.0.1
port: ${port}
api-keys:
  - ${BENCH_KEY}
claude-api-key:
  - api-key: bench-claude-key
    base-url: ${fake}
gemini-api-key:
  - api-key: bench-gemini-key
    base-url: ${fake}
openai-compatibility:
  - name: fake
    base-url: ${fake}/v1
    api-key-entries:
      - api-key: bench-openai-key
    models:
      - name: gpt-bench
        alias: gpt-bench
ampcode:
  upstream-url: ${fake}
  upstream-api-key: bench-amp-key
${user ? "logging-to-file: true\n" : ""}${workers > 1 ? `workers: ${workers}\n` : ""}`;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let bundlePath = join(ROOT, "dist", "cliproxy.mjs");

/** Uses another bundle (`--bundle FILE`), e.g. a patched build for a before/after comparison. */
export function setCliproxyBundle(path: string): void {
  bundlePath = path;
}

/** How cliproxy is started: the bundle when built, else the sources through tsx. */
export function cliproxyCommand(bundle = bundlePath): { args: string[]; bundle: boolean } {
  if (existsSync(bundle)) return { args: [bundle], bundle: true };
  return { args: ["--import", TSX_IMPORT, join(ROOT, "src", "main.ts")], bundle: false };
}

/** A running cliproxy. */
export interface Cliproxy {
  readonly port: number;
  readonly base: string;
  readonly child: ChildProcess;
  readonly bundle: boolean;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  readonly startMs: number;
  stop(): Promise<void>;
}

/** The last meaningful line of cliproxy's output: why it did not start. */
async function lastWords(logPath: string): Promise<string> {
  const text = await readFile(logPath, "utf8").catch(() => "");
  const lines = text.trim().split("\n").filter(Boolean);
  return lines.find((l) => /^cliproxy:|Error|error/.test(l)) ?? lines.pop() ?? "no output";
}

/**
 * How a user starts it: `npm start` in the checkout (or the tsx loader the old `npm start` used), logging to
 * `<dir>/logs/main.log` (WRITABLE_PATH), stdout and stderr a pipe the bench drains.
 */
export type UserWay = "npm" | "tsx";

/** Writes the config into `dir` and starts cliproxy on `port`; throws with cliproxy's own words when it fails. */
export async function startCliproxy(o: {
  dir: string;
  port: number;
  fakePort: number;
  nodeArgs?: string[];
  tag?: string;
  bundle?: string;
  user?: UserWay;
  /** `workers: N` in the config (the workers-2 target). */
  workers?: number;
}): Promise<Cliproxy> {
  const config = join(o.dir, `config${o.tag ? `-${o.tag}` : ""}.yaml`);
  await writeFile(config, cliproxyConfig(o.port, o.fakePort, o.user !== undefined, o.workers));
  // With nodeArgs (--profile user) the bundle runs directly, with the user's config, so node's flags reach it.
  if (o.user && !o.nodeArgs) return startAsUser(o.user, config, o.dir, o.port);
  const logPath = join(o.dir, `cliproxy${o.tag ? `-${o.tag}` : ""}.log`);
  // Access lines go to a file, as with a service manager: a pipe the bench must drain would cost both sides.
  const log = await open(logPath, "w");
  const { args, bundle } = cliproxyCommand(o.bundle);
  const env = { PATH: process.env.PATH ?? "", HOME: o.dir, NODE_ENV: "production" };
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, [...(o.nodeArgs ?? []), ...args, "--config", config], {
    cwd: o.dir,
    env,
    stdio: ["ignore", log.fd, log.fd],
  });
  const ready =
    (await waitHttp(`http://127.0.0.1:${o.port}/healthz`, { timeoutMs: 15_000, everyMs: 1, child, status: 200 })) &&
    (await allWorkers(o.port, o.workers ?? 1, 15_000));
  const startMs = performance.now() - t0;
  await log.close();
  if (!ready) {
    const exit =
      child.exitCode !== null
        ? `exited with code ${child.exitCode}`
        : child.signalCode
          ? `killed by ${child.signalCode}`
          : "no answer from /healthz within 15 s";
    await stop(child, 1_000);
    throw new Error(`${exit}: ${await lastWords(logPath)}`);
  }
  return { port: o.port, base: `http://127.0.0.1:${o.port}`, child, bundle, startMs, stop: () => stop(child, 3_000) };
}

/** True once `n` distinct workers have answered /healthz (each on a fresh connection, so round-robin reaches them). */
async function allWorkers(port: number, n: number, timeoutMs: number): Promise<boolean> {
  const seen = new Set<string>();
  const deadline = performance.now() + timeoutMs;
  while (n > 1 && seen.size < n && performance.now() < deadline) {
    const pid = await new Promise<string>((resolve) =>
      get({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
        res.resume();
        resolve(String(res.headers["x-cliproxy-worker"] ?? ""));
      }).on("error", () => resolve("")),
    );
    if (pid) seen.add(pid);
  }
  return n <= 1 || seen.size >= n;
}

/** Starts cliproxy the way users do (see UserWay); the bench reads and drops its stdout, as a terminal or journald would. */
async function startAsUser(way: UserWay, config: string, dir: string, port: number): Promise<Cliproxy> {
  const writable = join(dir, `user-${way}`);
  const env = { PATH: process.env.PATH ?? "", HOME: dir, WRITABLE_PATH: writable, npm_config_update_notifier: "false" };
  const [cmd, args] =
    way === "npm"
      ? ["npm", ["start", "--", "--config", config]]
      : [process.execPath, ["--import", TSX_IMPORT, join(ROOT, "src", "main.ts"), "--config", config]];
  const t0 = performance.now();
  const child = spawnTracked(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: way === "npm" });
  let tail = "";
  const keep = (c: Buffer) => void (tail = (tail + c.toString()).slice(-2_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const ready = await waitHttp(`http://127.0.0.1:${port}/healthz`, {
    timeoutMs: 60_000,
    everyMs: 5,
    child,
    status: 200,
  });
  const startMs = performance.now() - t0;
  // npm runs node through a shell: signal the whole group so the server stops too (also on Ctrl-C).
  const group = (signal: NodeJS.Signals) => {
    if (way === "npm" && child.pid)
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* gone */
      }
  };
  const undo = onCleanup(() => group("SIGKILL"));
  const end = async () => {
    if (child.exitCode === null) group("SIGTERM");
    await stop(child, 3_000);
    group("SIGKILL");
    undo();
  };
  if (!ready) {
    await end();
    throw new Error(
      `${way === "npm" ? "npm start" : "tsx src/main.ts"} did not answer /healthz: ${tail.trim().split("\n").pop() ?? "no output"}`,
    );
  }
  return { port, base: `http://127.0.0.1:${port}`, child, bundle: way === "npm", startMs, stop: end };
}
