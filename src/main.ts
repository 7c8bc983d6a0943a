/** cliproxy's command line: flags → config → listen. The only place that exits the process. */
import { homedir } from "node:os";
import { readFile } from "node:fs/promises";
import { VERSION } from "./version.js";
import { start } from "./server/start.js";
import { ConfigError, parseConfig } from "./config/load.js";

const USAGE = `Usage: cliproxy [options]
       cliproxy check-config FILE

Options:
  --config FILE   config file (default: ./config.yaml when present, else built-in defaults)
  --host HOST     listen address (default 127.0.0.1)
  --port PORT     listen port (default 8317)
  --help          show this help
  --version       print the version`;

/** Parsed command line. */
type Cli =
  | { cmd: "serve"; config?: string; host?: string; port?: number }
  | { cmd: "check"; file: string }
  | { cmd: "help" }
  | { cmd: "version" }
  | { cmd: "error"; message: string };

/** Parses argv (without node and script). */
export function parseArgs(argv: readonly string[]): Cli {
  const out: { config?: string; host?: string; port?: number } = {};
  if (argv[0] === "check-config") return argv[1] ? { cmd: "check", file: argv[1] } : { cmd: "error", message: "check-config needs a FILE" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--help": case "-h": return { cmd: "help" };
      case "--version": case "-v": return { cmd: "version" };
      case "--config": case "-config": { const v = value(); if (!v) return { cmd: "error", message: "--config needs a FILE" }; out.config = v; break; }
      case "--host": { const v = value(); if (v === undefined) return { cmd: "error", message: "--host needs an address" }; out.host = v; break; }
      case "--port": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 1 || v > 65535) return { cmd: "error", message: "--port needs a number from 1 to 65535" };
        out.port = v;
        break;
      }
      default: return { cmd: "error", message: `Unknown option "${arg}"` };
    }
  }
  return { cmd: "serve", ...out };
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  if (cli.cmd === "help") return void console.log(USAGE);
  if (cli.cmd === "version") return void console.log(`cliproxy ${VERSION}`);
  if (cli.cmd === "error") {
    console.error(`cliproxy: ${cli.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cli.cmd === "check") {
    try {
      const text = await readFile(cli.file, "utf8");
      const { warnings } = parseConfig(text, { path: cli.file, homeDir: homedir(), env: process.env });
      for (const w of warnings) console.log(`warning: ${w}`);
      console.log(`${cli.file}: OK`);
      return;
    } catch (err) {
      if (err instanceof ConfigError) for (const p of err.problems) console.error(`${cli.file}: ${p}`);
      else console.error(`${cli.file}: ${(err as Error).message}`);
      process.exit(1);
    }
  }
  let running;
  try {
    running = await start({ configPath: cli.config, host: cli.host, port: cli.port, homeDir: homedir() });
  } catch (err) {
    console.error(`cliproxy: ${(err as Error).message}`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1); // a second signal forces the exit
    stopping = true;
    running.app.log.info(`${signal}: draining in-flight requests (up to ${running.app.config().shutdownTimeoutMs} ms), then exiting`);
    void running.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (process.argv[1] && /main\.(ts|js|mjs)$|cliproxy(\.mjs)?$/.test(process.argv[1])) void main();
