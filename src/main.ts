/** cliproxy's command line: flags → config → listen. The only place that exits the process. */
import { homedir } from "node:os";
import { VERSION } from "./version.js";
import { start, type Started } from "./app/start.js";
import { ConfigError, loadConfigFile } from "./config/load.js";
import { exampleKeys } from "./config/safe-mode.js";
import { isUpstreamLogin, runLogin } from "./oauth/login.js";
import { runAmpRouter } from "./amp/custom-router.js";
import { parseWorkers } from "./config/workers.js";
import { clusterPlan, startPrimary, type ClusterPlan } from "./app/cluster.js";
import { workerLink } from "./app/worker.js";
import { createLogger } from "./log/log.js";
import { PROVIDER_KINDS } from "./providers/kinds.js";

const USAGE = `Usage: cliproxy [options]
       cliproxy check-config FILE [--allow-unknown]
       cliproxy amp-router --base-url https://HOST [--config FILE]  (prints the amp commands that route Amp's models here)
       cliproxy login claude|codex|gemini|antigravity [--no-browser] [--port N]  (see cliproxy login --help)

Options:
  --config FILE   config file (default: ./config.yaml when present, else built-in defaults)
  --host HOST     listen address (default 127.0.0.1)
  --port PORT     listen port (default 8317)
  --workers N     processes serving the port, 1 to 64 or "auto" (default: the config's workers, else 1)
  --help          show this help
  --version       print the version`;

/** Parsed command line. */
export type Cli =
  | { cmd: "serve"; config?: string; host?: string; port?: number; workers?: number }
  | { cmd: "check"; file: string; allowUnknown?: boolean }
  | { cmd: "amp-router"; baseUrl: string; config?: string }
  | { cmd: "help" }
  | { cmd: "version" }
  | { cmd: "error"; message: string };

/** Parses argv (without node and script). */
export function parseArgs(argv: readonly string[]): Cli {
  const out: { config?: string; host?: string; port?: number; workers?: number } = {};
  if (argv[0] === "check-config") {
    const rest = argv.slice(1);
    const allowUnknown = rest.includes("--allow-unknown");
    const files = rest.filter((a) => a !== "--allow-unknown");
    if (files.length !== 1 || files[0].startsWith("--"))
      return { cmd: "error", message: "check-config needs one FILE (and optionally --allow-unknown)" };
    return { cmd: "check", file: files[0], allowUnknown };
  }
  if (argv[0] === "amp-router") return parseAmpRouter(argv.slice(1));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--help":
      case "-h":
        return { cmd: "help" };
      case "--version":
      case "-v":
        return { cmd: "version" };
      case "--config":
      case "-config": {
        const v = value();
        if (!v) return { cmd: "error", message: "--config needs a FILE" };
        out.config = v;
        break;
      }
      case "--host": {
        const v = value();
        if (v === undefined) return { cmd: "error", message: "--host needs an address" };
        out.host = v;
        break;
      }
      case "--port": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 0 || v > 65535)
          return { cmd: "error", message: "--port needs a number from 0 (any free port) to 65535" };
        out.port = v;
        break;
      }
      case "--workers": {
        const v = parseWorkers(value() ?? "");
        if (typeof v === "string") return { cmd: "error", message: `--workers: ${v}` };
        out.workers = v;
        break;
      }
      default:
        return { cmd: "error", message: `Unknown option "${arg}"` };
    }
  }
  return { cmd: "serve", ...out };
}

function parseAmpRouter(argv: readonly string[]): Cli {
  let baseUrl: string | undefined;
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const [flag, value] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, argv[++i]];
    if (flag === "--base-url") baseUrl = value;
    else if (flag === "--config" || flag === "-config") config = value;
    else return { cmd: "error", message: `Unknown amp-router option "${arg}"` };
    if (!value) return { cmd: "error", message: `${flag} needs a value` };
  }
  if (!baseUrl)
    return {
      cmd: "error",
      message: "amp-router needs --base-url https://HOST (the address Amp's servers reach cliproxy at)",
    };
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:"))
    return { cmd: "error", message: `--base-url "${baseUrl}" is not an http(s) URL` };
  return { cmd: "amp-router", baseUrl, config };
}

/** Where a command writes, and what it reads from the environment; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Runs a command that finishes (help, version, check-config, usage errors); returns its exit code, or undefined for serve. */
export async function runCommand(cli: Cli, io: CliIo): Promise<number | undefined> {
  if (cli.cmd === "help" || cli.cmd === "version") {
    io.out(cli.cmd === "help" ? USAGE : `cliproxy ${VERSION}`);
    return 0;
  }
  if (cli.cmd === "error") {
    io.err(`cliproxy: ${cli.message}\n\n${USAGE}`);
    return 2;
  }
  if (cli.cmd === "amp-router") return runAmpRouter(cli, io);
  if (cli.cmd !== "check") return undefined;
  try {
    const {
      config,
      warnings,
      unknownKeys = [],
    } = await loadConfigFile(cli.file, { homeDir: io.homeDir, env: io.env, kinds: PROVIDER_KINDS });
    for (const w of warnings) io.out(`${cli.file}: warning: ${w}`);
    // A typo (`api-key:` for `api-keys:`) silently leaves a setting at its default: a check must fail on it.
    if (unknownKeys.length > 0 && !cli.allowUnknown) {
      io.err(
        `${cli.file}: ${unknownKeys.length} unknown key${unknownKeys.length === 1 ? "" : "s"} (${unknownKeys.join(", ")}); fix ${unknownKeys.length === 1 ? "it" : "them"}, or pass --allow-unknown to accept`,
      );
      return 1;
    }
    if (exampleKeys(config).length > 0)
      io.out(
        `${cli.file}: warning: api-keys still holds the example keys of config.example.yaml; cliproxy will serve only a page asking to replace them`,
      );
    io.out(`${cli.file}: OK`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) for (const p of err.problems) io.err(`${cli.file}: ${p}`);
    else io.err(`${cli.file}: ${(err as Error).message}`);
    return 1;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "login" || isUpstreamLogin(argv)) {
    process.exitCode = await runLogin(argv[0] === "login" ? argv.slice(1) : argv);
    process.stdin.destroy(); // the paste prompt may still be reading the terminal
    return;
  }
  const cli = parseArgs(argv);
  const io: CliIo = { out: (t) => console.log(t), err: (t) => console.error(t), homeDir: homedir(), env: process.env };
  const code = await runCommand(cli, io);
  if (code !== undefined) {
    process.exitCode = code; // not process.exit(): let piped output flush
    return;
  }
  if (cli.cmd !== "serve") return;
  const options = { configPath: cli.config, host: cli.host, port: cli.port, homeDir: homedir() };
  const link = workerLink();
  if (!link) {
    const plan = await clusterPlan(cli.workers, { ...options, cwd: process.cwd(), env: process.env });
    if (plan.warning) createLogger().warn(plan.warning);
    if (plan.workers > 1) return servePrimary(plan);
  }
  // Signals are handled from the start: one that arrives while start() is still arming watchers and
  // token refresh must drain like any other, not kill the process with requests in flight.
  let running: Started | undefined;
  let requested: string | undefined;
  const drain = (r: Started, signal: string) => {
    r.app.log.info(
      `${signal}: draining in-flight requests (up to ${r.app.config().shutdownTimeoutMs} ms), then exiting`,
    );
    void r.stop().then(() => process.exit(0));
  };
  let signalled = false;
  const shutdown = (signal: string, bySignal = true) => {
    if (bySignal && signalled) process.exit(1); // a second signal forces the exit
    signalled ||= bySignal;
    if (requested) return;
    requested = signal;
    if (running) drain(running, signal);
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  // The primary's word to drain comes on top of any signal the worker got itself (Ctrl-C reaches the whole group).
  link?.onDrain(() => shutdown(`worker ${link.slot}`, false));
  try {
    running = await start({ ...options, coordinator: link?.coordinator });
  } catch (err) {
    if (err instanceof ConfigError)
      console.error([`cliproxy: cannot read config "${err.path}":`, ...err.problems.map((p) => `  ${p}`)].join("\n"));
    else console.error(`cliproxy: ${(err as Error).message}`);
    process.exit(1);
  }
  link?.join(running);
  if (requested) drain(running, requested);
}

/** `workers: N` with N > 1: this process forks and supervises the workers (app/cluster.ts) and serves nothing. */
async function servePrimary(plan: ClusterPlan): Promise<void> {
  const log = createLogger({ level: plan.debug ? "debug" : "info" });
  const primary = startPrimary({ ...plan, log });
  let signals = 0;
  const onSignal = (signal: string) => {
    if (++signals > 1) process.exit(1); // a second signal forces the exit; the workers got it too
    primary.stop(signal);
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.exit(await primary.done);
}

if (process.argv[1] && /main\.(ts|js|mjs)$|cliproxy(\.mjs)?$/.test(process.argv[1])) void main();
