import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { followBrowser, startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
// Resolved here: the child runs in a temp directory where "tsx" is not resolvable.
const TSX = import.meta.resolve("tsx");

test("`cliproxy login claude --no-browser` from the real command line prints the URL, takes the browser's callback and writes the token file", async (t) => {
  const oauth = await startFakeOAuth(t);
  const home = mkdtempSync(join(tmpdir(), "cliproxy-cli-"));
  const authDir = join(home, "auth");
  const config = join(home, "config.yaml");
  writeFileSync(
    config,
    [
      `auth-dir: ${authDir}`,
      "oauth-endpoints:",
      "  claude:",
      `    authorize-url: ${oauth.url}/authorize`,
      `    token-url: ${oauth.url}/token`,
      "    redirect-uri: http://127.0.0.1:0/callback",
      "",
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    ["--import", TSX, MAIN, "login", "claude", "--no-browser", "--config", config],
    {
      cwd: home,
      env: { ...process.env, HOME: home },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => void (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+\/authorize\?\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", () => reject(new Error(`login exited early: ${out} ${err}`)));
  });
  const page = await followBrowser(url);
  assert.equal(page.status, 200);
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  assert.equal(code, 0, err);
  assert.deepEqual(readdirSync(authDir), ["claude-user@example.com.json"]);
  assert.equal(statSync(join(authDir, "claude-user@example.com.json")).mode & 0o777, 0o600);
  assert.match(out, /ssh -L \d+:127\.0\.0\.1:\d+/);
  assert.match(out, /Saved .*claude-user@example\.com\.json \(user@example\.com\)/);
  assert.equal(out.includes("sk-ant-oat01-access-1"), false);
});

test("`cliproxy -claude-login` with a bad config exits 1 naming the problem; `cliproxy login --help` prints the login usage", async () => {
  const home = mkdtempSync(join(tmpdir(), "cliproxy-cli-"));
  const run = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
        cwd: home,
        env: { ...process.env, HOME: home },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => void (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => void (err += d.toString()));
      child.once("exit", (code) => resolve({ code: code ?? -1, out, err }));
    });
  writeFileSync(join(home, "bad.yaml"), "port: [\n");
  const bad = await run(["-claude-login", "-config", join(home, "bad.yaml")]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /cliproxy login: Cannot read config/);
  const help = await run(["login", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: cliproxy login claude\|codex\|gemini\|antigravity/);
});
