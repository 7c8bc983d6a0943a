/** A scripted terminal for runLogin tests: captured output, typed lines, a browser that follows redirects. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeConfig, type Config } from "../../src/config/schema.js";
import type { LoginIo } from "../../src/oauth/login.js";
import { fakeClock } from "../support/server.js";
import { followBrowser, type FakeOAuth } from "../fixtures/oauth/fake-oauth.js";

/** The scripted terminal and what it saw. */
export interface TestTerminal {
  readonly io: LoginIo;
  readonly out: string[];
  readonly err: string[];
  readonly authDir: string;
  readonly config: Config;
  /** URLs the "browser" was asked to open. */
  readonly opened: string[];
  /** Types one line. */
  type(line: string): void;
  /** Resolves when the terminal has printed a line matching `re`. */
  printed(re: RegExp): Promise<string>;
}

/** Options: `browser: "follow"` follows the authorize redirect, `"none"` has no browser, or a custom opener. */
export function testTerminal(
  oauth: FakeOAuth,
  options: { browser?: "follow" | "none" | ((url: string) => Promise<boolean>); config?: Partial<Config> } = {},
): TestTerminal {
  const home = mkdtempSync(join(tmpdir(), "cliproxy-login-"));
  const authDir = join(home, "auth");
  const config = makeConfig({ authDir, oauthEndpoints: oauth.endpoints(), ...options.config });
  const out: string[] = [];
  const err: string[] = [];
  const opened: string[] = [];
  const lines: string[] = [];
  const readers: Array<(l: string | undefined) => void> = [];
  const watchers: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  const clock = fakeClock();
  const emit = (target: string[]) => (line: string) => {
    target.push(line);
    for (const w of watchers.filter((w) => w.re.test(line))) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve(line);
    }
  };
  const browser = options.browser ?? "follow";
  const io: LoginIo = {
    out: emit(out),
    err: emit(err),
    readLine(signal) {
      if (lines.length) return Promise.resolve(lines.shift());
      if (signal.aborted) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        readers.push(resolve);
        signal.addEventListener(
          "abort",
          () => {
            const i = readers.indexOf(resolve);
            if (i >= 0) readers.splice(i, 1);
            resolve(undefined);
          },
          { once: true },
        );
      });
    },
    async openBrowser(url) {
      opened.push(url);
      if (browser === "none") return false;
      if (browser === "follow") {
        void followBrowser(url).catch(() => undefined);
        return true;
      }
      return browser(url);
    },
    env: {},
    homeDir: home,
    cwd: home,
    now: () => clock.now(),
    sleep: async (ms) => clock.advance(ms),
    pasteDelayMs: 0,
    waitMs: 10_000,
    config,
  };
  return {
    io,
    out,
    err,
    authDir,
    config,
    opened,
    type(line) {
      if (readers.length) readers.shift()!(line);
      else lines.push(line);
    },
    printed(re) {
      const hit = [...out, ...err].find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => watchers.push({ re, resolve }));
    },
  };
}

/** The authorize URL the terminal printed. */
export function printedUrl(term: TestTerminal): URL {
  const line = term.out.find((l) => l.includes("/authorize?"));
  if (!line) throw new Error("no authorize URL printed");
  return new URL(
    line
      .trim()
      .split(/\s+/)
      .find((w) => w.includes("/authorize?"))!,
  );
}
