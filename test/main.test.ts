import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { sharedAbsent } from "./support/config.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, runCommand } from "../src/main.js";
import { VERSION } from "../src/version.js";

const REPO = join(import.meta.dirname, "..");
const FIXTURES = join(REPO, "..", "shared", "fixtures", "cliproxyapi");

/** Runs the CLI as users do (tsx on src/main.ts) and collects its exit code and output. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(REPO, "src", "main.ts"), ...args],
      { cwd: REPO, env: { ...process.env, NODE_OPTIONS: "" } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as NodeJS.ErrnoException & { code: unknown }).code) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a finishing command in-process, as main() would. */
async function run(...args: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCommand(parseArgs(args), {
    out: (t) => void (stdout += t + "\n"),
    err: (t) => void (stderr += t + "\n"),
    homeDir: "/home/u",
    env: {},
  });
  return { code, stdout, stderr };
}

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "cliproxy-cli-")), "config.yaml");
  writeFileSync(path, text);
  return path;
}

test("parseArgs() reads flags, inline values and check-config", () => {
  assert.deepEqual(parseArgs([]), { cmd: "serve" });
  assert.deepEqual(parseArgs(["--config", "c.yaml", "--host=0.0.0.0", "--port", "9000"]), {
    cmd: "serve",
    config: "c.yaml",
    host: "0.0.0.0",
    port: 9000,
  });
  assert.deepEqual(parseArgs(["-config", "c.yaml"]), { cmd: "serve", config: "c.yaml" });
  assert.deepEqual(parseArgs(["check-config", "x.yaml"]), { cmd: "check", file: "x.yaml", allowUnknown: false });
  assert.deepEqual(parseArgs(["check-config", "--allow-unknown", "x.yaml"]), {
    cmd: "check",
    file: "x.yaml",
    allowUnknown: true,
  });
  assert.deepEqual(parseArgs(["-h"]), { cmd: "help" });
  assert.deepEqual(parseArgs(["-v"]), { cmd: "version" });
});

test("parseArgs() reports missing values, bad ports and unknown flags", () => {
  assert.deepEqual(parseArgs(["check-config"]), {
    cmd: "error",
    message: "check-config needs one FILE (and optionally --allow-unknown)",
  });
  assert.deepEqual(parseArgs(["--config"]), { cmd: "error", message: "--config needs a FILE" });
  assert.deepEqual(parseArgs(["--host"]), { cmd: "error", message: "--host needs an address" });
  assert.deepEqual(parseArgs(["--port", "70000"]), {
    cmd: "error",
    message: "--port needs a number from 0 (any free port) to 65535",
  });
  assert.deepEqual(parseArgs(["--port=x"]), {
    cmd: "error",
    message: "--port needs a number from 0 (any free port) to 65535",
  });
  assert.deepEqual(parseArgs(["--port", "0"]), { cmd: "serve", port: 0 });
  assert.deepEqual(parseArgs(["--frobnicate"]), { cmd: "error", message: 'Unknown option "--frobnicate"' });
});

test("cliproxy --help, --version and an unknown flag exit 0, 0 and 2 as a process", async () => {
  const [help, version, unknown] = await Promise.all([cli("--help"), cli("--version"), cli("--nope")]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: cliproxy \[options\]/);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `cliproxy ${VERSION}\n`);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^cliproxy: Unknown option "--nope"\n\nUsage: cliproxy/);
  assert.equal(unknown.stdout, "");
});

test("runCommand() prints the usage for --help and the version for --version", async () => {
  const help = await run("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /check-config FILE/);
  assert.deepEqual(await run("--version"), { code: 0, stdout: `cliproxy ${VERSION}\n`, stderr: "" });
  assert.equal((await run("--config", "x.yaml")).code, undefined);
});

test("runCommand() answers an unknown flag with exit code 2 and the usage", async () => {
  const r = await run("--nope");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^cliproxy: Unknown option "--nope"\n\nUsage: cliproxy/);
});

test("check-config exits 0 on a good file and prints its warnings; unknown keys pass only with --allow-unknown", async () => {
  const path = file("port: 9000\napi-keys: [a]\nmystery: 1\n");
  const r = await run("check-config", "--allow-unknown", path);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${path}: warning: mystery at line 3, column 1: unknown key (ignored)\n${path}: OK\n`);
  const strict = await run("check-config", path);
  assert.equal(strict.code, 1);
  assert.equal(strict.stderr, `${path}: 1 unknown key (mystery); fix it, or pass --allow-unknown to accept\n`);
  assert.equal((await run("check-config", file("port: 9000\n"))).code, 0);
});

test("check-config names the nearest known key for a typo and exits 1: api-key, claude-api-keys, a nested one", async () => {
  const path = file(
    "api-key: [a]\nclaude-api-keys:\n  - api-key: k\nclaude-api-key:\n  - api-key: k\n    base_url: http://x\nmystery-setting: 1\n",
  );
  const r = await run("check-config", path);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /api-key at line 1, column 1: unknown key \(ignored\); did you mean "api-keys"\?/);
  assert.match(
    r.stdout,
    /claude-api-keys at line 2, column 1: unknown key \(ignored\); did you mean "claude-api-key"\?/,
  );
  assert.match(
    r.stdout,
    /claude-api-key\[0\]\.base_url at line 6, column 5: unknown key \(ignored\); did you mean "base-url"\?/,
  );
  assert.match(r.stdout, /mystery-setting at line 7, column 1: unknown key \(ignored\)\n/);
  assert.match(
    r.stderr,
    /4 unknown keys \(api-key, claude-api-keys, claude-api-key\.\[\]\.base_url, mystery-setting\)/,
  );
});

test("check-config exits 1 naming line and column for a tab indent, an unclosed quote, a duplicate key and a wrong type", async () => {
  const cases: Array<[string, RegExp]> = [
    ["api-keys:\n\t- a\n", /: Tab character used for indentation at line 2, column 1\n$/],
    ['host: "127.0.0.1\nport: 1\n', /: Missing closing double quote at line 1, column 7\n$/],
    ["port: 1\ndebug: true\nport: 2\n", /: Duplicate key "port" at line 3, column 1\n$/],
    [
      "port: 8317\napi-keys:\n  - a\n  - [b]\ndebug: maybe\n",
      /: api-keys\[1\] at line 4, column 5: expected a string\n.*: debug at line 5, column 8: expected true or false\n$/,
    ],
  ];
  for (const [text, expected] of cases) {
    const r = await run("check-config", file(text));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, expected);
  }
  const spawned = await cli("check-config", file(cases[0][0]));
  assert.equal(spawned.code, 1);
  assert.match(spawned.stderr, cases[0][1]);
});

test("check-config exits 1 on a missing file", async () => {
  assert.deepEqual(await run("check-config", "/nonexistent/config.yaml"), {
    code: 1,
    stdout: "",
    stderr: "/nonexistent/config.yaml: cannot read the file: ENOENT\n",
  });
});

test("check-config accepts both CLIProxyAPI example configs", { skip: sharedAbsent(FIXTURES) }, async () => {
  for (const name of ["config.example.e0cb43f38.yaml", "config.example.a7e3596b7.yaml"]) {
    const r = await run("check-config", join(FIXTURES, name));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith(`${join(FIXTURES, name)}: OK\n`));
    assert.match(r.stdout, /example keys of config\.example\.yaml/);
  }
});

test("check-config accepts config.example.yaml with no warnings", async () => {
  assert.deepEqual(await run("check-config", join(REPO, "config.example.yaml")), {
    code: 0,
    stdout: `${join(REPO, "config.example.yaml")}: OK\n`,
    stderr: "",
  });
});

test("cliproxy refuses to start on a broken config, printing each problem", async () => {
  const r = await cli("--config", file("port: 0\ndebug: 3\n"));
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^cliproxy: cannot read config ".*config\.yaml":\n  port at line 1, column 7: expected a port from 1 to 65535, got 0\n  debug at line 2, column 8: expected true or false\n$/,
  );
});

test("cliproxy serves with --config and --port 0, then drains and exits 0 on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-cli-"));
  const path = join(dir, "config.yaml");
  writeFileSync(path, `api-keys: [k]\nauth-dir: ${JSON.stringify(join(dir, "auth"))}\n`);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO, "src", "main.ts"), "--config", path, "--port", "0"],
    {
      cwd: REPO,
      env: { ...process.env, HOME: dir, NODE_OPTIONS: "" },
    },
  );
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", () => reject(new Error(`exited early: ${out}`)));
  });
  const res = await fetch(`${url}/healthz`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
  assert.match(out, /SIGTERM: draining in-flight requests/);
});

test("parseArgs() reads --workers as a count or auto, and refuses anything else", () => {
  assert.deepEqual(parseArgs(["--workers", "4"]), { cmd: "serve", workers: 4 });
  assert.equal((parseArgs(["--workers=auto"]) as { workers?: number }).workers! >= 1, true);
  assert.deepEqual(parseArgs(["--workers", "0"]), {
    cmd: "error",
    message: '--workers: expected an integer from 1 to 64, or "auto" (one per core), got "0"',
  });
  assert.equal(parseArgs(["--workers"]).cmd, "error");
});
