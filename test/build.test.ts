import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "../src/version.js";

const root = join(import.meta.dirname, "..");

test("the single-file build runs with plain node and no node_modules", () => {
  const out = join(mkdtempSync(join(tmpdir(), "cliproxy-build-")), "cliproxy.mjs");
  execFileSync(
    join(root, "node_modules", ".bin", "esbuild"),
    [
      "src/main.ts",
      "--bundle",
      "--platform=node",
      "--target=node20",
      "--format=esm",
      `--outfile=${out}`,
      "--log-level=warning",
    ],
    { cwd: root },
  );
  const isolated = join(mkdtempSync(join(tmpdir(), "cliproxy-run-")), "cliproxy.mjs");
  copyFileSync(out, isolated);
  const printed = execFileSync(process.execPath, [isolated, "--version"], { cwd: tmpdir(), encoding: "utf8" });
  assert.equal(printed.trim(), `cliproxy ${VERSION}`);
});

test("VERSION matches package.json and package.json has no runtime dependencies", () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  assert.equal(pkg.version, VERSION);
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.engines.node, ">=20");
});

test("npm pack gives a tarball whose global install runs as the cliproxy command", () => {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const env = {
    ...process.env,
    npm_config_update_notifier: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
  };
  const dest = mkdtempSync(join(tmpdir(), "cliproxy-pack-"));
  // npm pack runs the prepare script, which builds dist/cliproxy.mjs with its shebang and mode.
  const packed = JSON.parse(
    execFileSync(npm, ["pack", "--json", "--pack-destination", dest], {
      cwd: root,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }),
  );
  const files = (packed[0].files as { path: string }[]).map((f) => f.path);
  assert.ok(files.includes("dist/cliproxy.mjs"), `the tarball holds dist/cliproxy.mjs: ${files.join(", ")}`);
  assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "the tarball holds no sources or tests");
  const bundle = readFileSync(join(root, "dist", "cliproxy.mjs"), "utf8");
  assert.ok(bundle.startsWith("#!/usr/bin/env node\n"), "the bin starts with a node shebang");
  if (process.platform !== "win32")
    assert.equal(statSync(join(root, "dist", "cliproxy.mjs")).mode & 0o111, 0o111, "the bin is executable");

  const prefix = join(dest, "prefix");
  execFileSync(npm, ["install", "--global", "--offline", "--prefix", prefix, join(dest, packed[0].filename)], {
    env,
    stdio: "ignore",
  });
  const bin = process.platform === "win32" ? join(prefix, "cliproxy.cmd") : join(prefix, "bin", "cliproxy");
  // Run it as a shell would: by path, no node in front, so the shebang is what starts it.
  const printed = execFileSync(bin, ["--version"], { cwd: tmpdir(), encoding: "utf8" });
  assert.equal(printed.trim(), `cliproxy ${VERSION}`);
});

test("npm start rebuilds dist/cliproxy.mjs (prestart) and runs the bundle with plain node, not the tsx loader", () => {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const env = { ...process.env, npm_config_update_notifier: "false" };
  const before = Date.now() - 1_000; // mtime granularity
  const printed = execFileSync(npm, ["start", "--silent", "--", "--version"], {
    cwd: root,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  assert.equal(printed.trim(), `cliproxy ${VERSION}`);
  assert.ok(
    statSync(join(root, "dist", "cliproxy.mjs")).mtimeMs >= before,
    "prestart rebuilt the bundle from the sources",
  );
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  assert.match(
    pkg.scripts.start,
    /^node dist\/cliproxy\.mjs$/,
    "start runs the bundle: the tsx loader cost users 0.6x of the bundle's throughput",
  );
});

test(".gitignore keeps a user's config, credentials, logs and the TAP file out of git", (t) => {
  const paths = [
    "config.yaml",
    "logs/main.log",
    "auths/claude-me@example.com.json",
    ".cli-proxy-api/codex-x.json",
    "test-results.tap",
    "cliproxy-0.1.0.tgz",
    ".clients",
  ];
  let ignored: string;
  try {
    ignored = execFileSync("git", ["check-ignore", "--no-index", ...paths], { cwd: root, encoding: "utf8" });
  } catch (err) {
    // exit 1 lists only what is ignored; no git or no checkout (a tarball) is a skip
    const e = err as { status?: number; stdout?: string };
    if (e.status !== 1) return t.skip("no git checkout to ask");
    ignored = e.stdout ?? "";
  }
  assert.deepEqual(ignored.trim().split("\n"), paths);
});

test("package.json's allowScripts covers every dependency install script, so npm ci warns of none", (t) => {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  let out: string;
  try {
    out = execFileSync(npm, ["approve-scripts", "--allow-scripts-pending"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, npm_config_update_notifier: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch {
    return t.skip("this npm has no approve-scripts (npm < 11.19): it neither warns nor reads allowScripts");
  }
  assert.match(out, /No packages with unreviewed install scripts/);
});
