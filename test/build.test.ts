import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "../src/version.js";

const root = join(import.meta.dirname, "..");

test("the single-file build runs with plain node and no node_modules", () => {
  const out = join(mkdtempSync(join(tmpdir(), "cliproxy-build-")), "cliproxy.mjs");
  execFileSync(join(root, "node_modules", ".bin", "esbuild"), ["src/main.ts", "--bundle", "--platform=node", "--target=node20", "--format=esm", `--outfile=${out}`, "--log-level=warning"], { cwd: root });
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
