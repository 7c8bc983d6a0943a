/**
 * `cliproxy login claude|codex|gemini|antigravity` (oauth.md §1): prints the authorize URL (and opens
 * it unless --no-browser), waits for the browser on the loopback listener, and from 15 s on also
 * accepts the final redirect URL pasted into the terminal — whichever comes first. Then exchanges,
 * onboards and writes the token file. Prints the file and the email, never a token or a code.
 */
import assert from "node:assert/strict";
import { GEMINI_CLI_NOTICE } from "./gemini.js";
import { spawn } from "node:child_process";
import { homedir } from "node:os";
import { createInterface } from "node:readline";
import { embeddedConfig, loadConfigFile } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { effectiveProxy } from "../proxy/forward.js";
import { findConfig } from "../config/load.js";
import { CALLBACK_WAIT_MS, LoginError, judgeCallback, parsePastedCallback } from "./callback.js";
import { codexDeviceLogin } from "./codex.js";
import { endpointsFor, parseProvider, type OAuthProvider } from "./endpoints.js";
import { beginLogin, finishLogin, writeSaved, type PendingLogin } from "./flow.js";
import type { VendorContext } from "./vendor.js";

/** Usage of the login subcommand. */
export const LOGIN_USAGE = `Usage: cliproxy login claude|codex|gemini|antigravity [options]

Options:
  --no-browser      print the URL instead of opening a browser (paste the final URL back here)
  --port N          listen for the browser's callback on port N (for SSH port forwards)
  --project-id ID   Gemini: Google Cloud project id, ALL, or GOOGLE_ONE
  --device          Codex: device-code login (no callback listener needed)
  --config FILE     config file whose auth-dir receives the token file`;

/** Parsed login arguments. */
export interface LoginArgs {
  provider: OAuthProvider;
  noBrowser: boolean;
  port?: number;
  projectId?: string;
  device: boolean;
  config?: string;
}

/** Upstream's one-shot flags (oauth.md §1.1), accepted as aliases. */
const UPSTREAM_FLAGS: Readonly<Record<string, [OAuthProvider, boolean]>> = {
  "-claude-login": ["claude", false],
  "-codex-login": ["codex", false],
  "-codex-device-login": ["codex", true],
  "-login": ["gemini", false],
  "-antigravity-login": ["antigravity", false],
};

/** True when argv asks for a login in upstream's spelling (`-claude-login`, …). */
export function isUpstreamLogin(argv: readonly string[]): boolean {
  return argv.some((a) => Object.hasOwn(UPSTREAM_FLAGS, a.replace(/^--/, "-")));
}

/** Parses `login` arguments (without the word `login`), or returns an error message. */
export function parseLoginArgs(argv: readonly string[]): LoginArgs | string {
  const out: Partial<LoginArgs> = { noBrowser: false, device: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("-") ? arg.indexOf("=") : -1;
    const flag = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^--/, "-");
    const value = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    if (Object.hasOwn(UPSTREAM_FLAGS, flag)) {
      [out.provider, out.device] = [UPSTREAM_FLAGS[flag][0], UPSTREAM_FLAGS[flag][1] || out.device];
      continue;
    }
    switch (flag) {
      case "-no-browser":
        out.noBrowser = true;
        break;
      case "-device":
        out.device = true;
        break;
      case "-port":
      case "-oauth-callback-port": {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v ?? "") || n > 65535) return `${arg} needs a port number from 0 to 65535`;
        if (n === 0)
          delete out.port; // upstream: 0 = the provider's default
        else out.port = n;
        break;
      }
      case "-project-id":
      case "-project_id": {
        const v = value();
        if (!v) return `${arg} needs a project id`;
        out.projectId = v;
        break;
      }
      case "-config": {
        const v = value();
        if (!v) return `${arg} needs a FILE`;
        out.config = v;
        break;
      }
      default: {
        const p = arg.startsWith("-") ? undefined : parseProvider(arg);
        if (!p || out.provider) return `Unknown login argument "${arg}"`;
        out.provider = p;
      }
    }
  }
  if (!out.provider) return "Name a provider: claude, codex, gemini or antigravity";
  if (out.device && out.provider !== "codex") return "--device is for codex only";
  return out as LoginArgs;
}

/** What the login talks to: the terminal, a browser, the environment, time. Tests supply their own. */
export interface LoginIo {
  out(line: string): void;
  err(line: string): void;
  /** The next line typed; undefined at end of input or when `signal` aborts. */
  readLine(signal: AbortSignal): Promise<string | undefined>;
  openBrowser(url: string): Promise<boolean>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly cwd: string;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** When the paste prompt appears (oauth.md §1.4: 15 s). */
  readonly pasteDelayMs: number;
  /** Wait limit for the callback. */
  readonly waitMs?: number;
  /** A ready config (tests); otherwise it is loaded like the server does. */
  readonly config?: Config;
}

/** Runs one login; resolves with the process exit code (0 ok, 13 busy port for Claude/Codex, 1 other failures, 2 usage). */
export async function runLogin(argv: readonly string[], io: LoginIo = terminalIo()): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(LOGIN_USAGE);
    return 0;
  }
  const args = parseLoginArgs(argv);
  if (typeof args === "string") {
    io.err(`cliproxy login: ${args}\n\n${LOGIN_USAGE}`);
    return 2;
  }
  let config: Config;
  try {
    config = io.config ?? (await loadLoginConfig(args.config, io));
  } catch (err) {
    io.err(`cliproxy login: ${(err as Error).message}`);
    return 1;
  }
  const ctx: VendorContext = {
    endpoints: endpointsFor(args.provider, config),
    http: { proxyUrl: effectiveProxy("", config.proxyUrl), connectTimeoutMs: config.upstreamConnectTimeoutMs },
    now: () => io.now(),
    sleep: (ms) => io.sleep(ms),
    say: (line) => io.out(line),
    ask: async (q) => {
      io.out(q);
      return (await io.readLine(new AbortController().signal)) ?? "";
    },
    projectId: args.projectId,
  };
  let login: PendingLogin | undefined;
  try {
    if (args.device) {
      const saved = await codexDeviceLogin(ctx, (url, code) => {
        io.out(`Open ${url} and enter the code ${code}`);
        if (!args.noBrowser) void io.openBrowser(url);
      });
      const done = await writeSaved(saved, config.authDir);
      io.out(`Saved ${done.path} (${done.email})`);
      return 0;
    }
    login = await beginLogin(args.provider, ctx.endpoints, { port: args.port, listen: true, waitMs: io.waitMs });
    if (args.provider === "gemini") io.out(`Note: ${GEMINI_CLI_NOTICE}\n`);
    io.out(`Open this URL to log in to ${args.provider}:\n\n  ${login.url}\n`);
    const opened = !args.noBrowser && (await io.openBrowser(login.url).catch(() => false));
    io.out(
      `Waiting up to ${minutes(io.waitMs ?? CALLBACK_WAIT_MS)} for the login to come back to ${login.redirectUri} (Ctrl-C stops).`,
    );
    if (opened) {
      io.out(
        "If no browser opened, copy the URL above into one. With no browser on this machine, log in on another and paste the final URL from its address bar here, or run again with --no-browser.",
      );
    } else {
      // The browser calls the redirect_uri's port on the laptop; the listener may sit on another port here (--port).
      const local = new URL(login.redirectUri).port || "80";
      io.out(
        `On a remote machine, forward the callback port first: ssh -L ${local}:127.0.0.1:${login.port} <user>@<server>`,
      );
      io.out("Or, after logging in, paste the final URL from the browser's address bar here.");
    }
    const code = await waitForCode(login, io);
    io.out("Login received; exchanging the code");
    const done = await finishLogin(login, code, ctx, config.authDir);
    io.out(`Saved ${done.path} (${done.email})`);
    return 0;
  } catch (err) {
    io.err(`cliproxy login: ${(err as Error).message}`);
    return err instanceof LoginError ? err.exitCode : 1;
  } finally {
    await login?.listener?.close();
  }
}

const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 1 ? `${m} minute${m === 1 ? "" : "s"}` : `${Math.round(ms / 1000)} s`;
}

/** The callback from the listener or, after the paste delay, a pasted URL — whichever comes first. */
async function waitForCode(login: PendingLogin, io: LoginIo): Promise<{ code: string; state: string }> {
  const listener = login.listener;
  assert.ok(listener, "waitForCode() needs a login started with a listener");
  const stop = new AbortController();
  const pasting = (async () => {
    await Promise.race([io.sleep(io.pasteDelayMs), listener.result.catch(() => undefined)]);
    if (stop.signal.aborted) return;
    io.out("Paste the final redirect URL here (or keep waiting for the browser):");
    let said = "";
    let carry = "";
    const refuse = (why: string) => {
      // a paste of many lines, or the same mistake again, gets one message, not one per line
      const message = `Not accepted: ${why}. Paste the whole address from the browser's address bar after logging in; it starts with ${login.redirectUri}?code=`;
      if (message !== said) io.err(message);
      said = message;
    };
    for (;;) {
      const line = await io.readLine(stop.signal);
      if (line === undefined || stop.signal.aborted) return;
      if (!line.trim()) continue; // an empty line keeps waiting
      // a terminal may split a long URL over lines: a refused URL start is tried again joined to the next line
      const text = URL_START.test(line.trim()) ? line.trim() : carry + line.trim();
      try {
        const pasted = parsePastedCallback(text);
        if (pasted.error) return listener.offer(pasted);
        const judged = judgeCallback(pasted, login.state);
        if (!(judged instanceof LoginError)) return listener.offer(pasted);
        carry = URL_START.test(text) ? text : "";
        refuse(judged.message);
      } catch (err) {
        carry = URL_START.test(text) ? text : "";
        refuse((err as Error).message);
      }
    }
  })();
  try {
    return await listener.result;
  } finally {
    stop.abort();
    await pasting;
  }
}

async function loadLoginConfig(path: string | undefined, io: LoginIo): Promise<Config> {
  const file = findConfig(path, io.cwd);
  // A login needs auth-dir, proxy and OAuth endpoints only: no provider list is read (nor reported unknown).
  const options = { homeDir: io.homeDir, env: io.env, cwd: io.cwd, kinds: {} };
  return (file ? await loadConfigFile(file, { ...options, path: file }) : embeddedConfig(options)).config;
}

/** The real terminal: stdout/stderr, stdin lines, the platform's URL opener, real time. */
export function terminalIo(): LoginIo {
  const lines: string[] = [];
  const waiters: Array<(line: string | undefined) => void> = [];
  let ended = false;
  let rl: ReturnType<typeof createInterface> | undefined;
  const ensure = () => {
    if (rl) return;
    rl = createInterface({ input: process.stdin, terminal: false });
    rl.on("line", (l) => {
      const waiter = waiters.shift();
      if (waiter) waiter(l);
      else lines.push(l);
    });
    rl.on("close", () => {
      ended = true;
      for (const w of waiters.splice(0)) w(undefined);
    });
  };
  return {
    out: (line) => void process.stdout.write(line + "\n"),
    err: (line) => void process.stderr.write(line + "\n"),
    readLine(signal) {
      ensure();
      if (lines.length) return Promise.resolve(lines.shift());
      if (ended || signal.aborted) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const w = (l: string | undefined) => resolve(l);
        waiters.push(w);
        signal.addEventListener(
          "abort",
          () => {
            const i = waiters.indexOf(w);
            if (i >= 0) waiters.splice(i, 1);
            resolve(undefined);
          },
          { once: true },
        );
      });
    },
    openBrowser,
    env: process.env,
    homeDir: homedir(),
    cwd: process.cwd(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms).unref()),
    pasteDelayMs: 15_000,
  };
}

/** Opens a URL with the platform's opener; false when there is none (headless) or it failed to start. */
export function openBrowser(url: string): Promise<boolean> {
  const [cmd, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["rundll32", ["url.dll,FileProtocolHandler", url]]
        : ["xdg-open", [url]];
  if (process.platform === "linux" && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
    child.once("error", () => resolve(false));
    child.once("spawn", () => {
      child.unref();
      resolve(true);
    });
  });
}
