/** Starts a real cliproxy on an ephemeral loopback port with a given config, capturing its log lines. */
import type { TestContext } from "node:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app/app.js";
import { listen } from "../../src/server/listen.js";
import { allRoutes } from "../../src/app/routes.js";
import { onUpgrade } from "../../src/app/upgrade.js";
import { makeConfig, type AmpConfig, type Config } from "../../src/config/schema.js";
import { createLogger, type Logger } from "../../src/log/log.js";
import type { App, Clock } from "../../src/server/handler.js";

/** A test server: base URL, the app, and the log lines written so far. */
export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly app: App;
  readonly logs: string[];
  /** Resolves with the first log line (already written or still to come) that matches `pattern`. */
  logged(pattern: RegExp): Promise<string>;
  readonly homeDir: string;
  /** Replaces the config, as a hot reload would. */
  setConfig(overrides: Partial<Omit<Config, "ampcode">> & { ampcode?: Partial<AmpConfig> }): void;
}

/** A fake clock tests move forward by hand. */
export function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

/** Options for startServer. */
export interface ServerOptions {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  homeDir?: string;
  host?: string;
  configPath?: string;
}

/** Starts cliproxy for one test; it is closed when the test ends. */
export async function startServer(
  t: TestContext,
  overrides: Partial<Omit<Config, "ampcode">> & { ampcode?: Partial<AmpConfig> } = {},
  options: ServerOptions = {},
): Promise<TestServer> {
  const logs: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const log: Logger = createLogger({
    level: "debug",
    sink: (line) => {
      logs.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    },
  });
  const homeDir = options.homeDir ?? mkdtempSync(join(tmpdir(), "cliproxy-home-"));
  const config = makeConfig({ authDir: join(homeDir, ".cli-proxy-api"), ...overrides });
  const app = createApp({
    config,
    log,
    clock: options.clock,
    env: options.env ?? {},
    homeDir,
    configPath: options.configPath,
  });
  const running = await listen(app, options.host ?? "127.0.0.1", 0, allRoutes(), undefined, onUpgrade(app));
  t.after(() => running.close(1000));
  return {
    url: `http://127.0.0.1:${running.port}`,
    port: running.port,
    app,
    logs,
    logged(pattern) {
      const line = logs.find((l) => pattern.test(l));
      return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
    homeDir,
    setConfig(next) {
      app.setConfig(makeConfig({ authDir: config.authDir, ...next }));
    },
  };
}
