import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

const root = join(import.meta.dirname, "..", "..");

test("run-tests prints a one-line total and the skip reasons, not TAP, and writes the TAP report to a file", async () => {
  const tap = join(mkdtempSync(join(tmpdir(), "cliproxy-tap-")), "out.tap");
  // two small files: one with a reasoned skip (the shared-folder tests skip with a reason or run)
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "scripts/run-tests.ts", `--tap=${tap}`, "test/sse/read.test", "test/log/redact.test"],
    { cwd: root, encoding: "utf8" },
  );
  assert.doesNotMatch(stdout, /TAP version|^ok \d|^# Subtest/m);
  const last = stdout.trimEnd().split("\n").at(-1) ?? "";
  assert.match(last, /^✓ 2 files: \d+ passed, 0 failed, \d+ skipped in [\d.]+ s \(full TAP: .*out\.tap\)$/);
  assert.match(readFileSync(tap, "utf8"), /^TAP version 13\n/);
});

test("a test needing ../shared skips with what it needs and why it is absent, or runs when it is there", async () => {
  const { sharedAbsent } = await import("../support/config.ts");
  const why = sharedAbsent(join(root, "..", "shared-nowhere", "fixtures"));
  assert.match(
    String(why),
    /^needs \.\.\/shared-nowhere\/fixtures, the project's shared specs and CLIProxyAPI example configs kept beside the checkout \(not in this repository\); absent here$/,
  );
  assert.equal(sharedAbsent(root), false);
});
