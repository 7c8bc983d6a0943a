import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pruneLogs } from "../../src/config/log-retention.js";
import { createLogRouting } from "../../src/config/runtime.js";
import { createApp } from "../../src/app/app.js";
import { createLogger } from "../../src/log/log.js";
import { makeConfig } from "../../src/config/schema.js";

/** A log directory with files of `size` bytes, oldest first. */
function logDir(names: string[], size: number): string {
  const dir = join(mkdtempSync(join(tmpdir(), "cliproxy-prune-")), "logs");
  mkdirSync(dir);
  names.forEach((name, i) => {
    writeFileSync(join(dir, name), "x".repeat(size));
    utimesSync(join(dir, name), 1_000 + i, 1_000 + i);
  });
  mkdirSync(join(dir, "subdir"));
  return dir;
}

test("pruneLogs() deletes the oldest files until the directory fits, never main.log", async () => {
  const dir = logDir(["main.log", "main-1.log", "error-1.log", "main-2.log"], 1000);
  assert.deepEqual(await pruneLogs(dir, 2500), ["main-1.log", "error-1.log"]);
  assert.deepEqual(readdirSync(dir).sort(), ["main-2.log", "main.log", "subdir"]);
  assert.deepEqual(await pruneLogs(dir, 2500), []);
});

test("pruneLogs() does nothing with a limit of 0 or a missing directory", async () => {
  const dir = logDir(["a.log", "b.log"], 1000);
  assert.deepEqual(await pruneLogs(dir, 0), []);
  assert.deepEqual(await pruneLogs(join(dir, "missing"), 1), []);
  assert.equal(readdirSync(dir).length, 3);
});

test("logs-max-total-size-mb prunes the log directory when the config is applied", async () => {
  const dir = logDir(["old.log", "new.log"], 700 * 1024);
  const lines: string[] = [];
  let deleted!: () => void;
  const done = new Promise<void>((resolve) => (deleted = resolve));
  const log = createLogger({ sink: (l) => (lines.push(l), l.includes("deleted") && deleted()) });
  const app = createApp({ config: makeConfig(), log, env: { WRITABLE_PATH: join(dir, "..") }, homeDir: dir });
  const routing = createLogRouting(app, { cwd: dir, consoleSink: (l) => lines.push(l) });
  routing.apply(makeConfig({ logsMaxTotalSizeMb: 1 }));
  await done;
  await routing.close();
  assert.deepEqual(readdirSync(dir).sort(), ["new.log", "subdir"]);
  assert.match(
    lines.find((l) => l.includes("deleted"))!,
    /deleted 1 old log file\(s\) in .*logs to stay under logs-max-total-size-mb/,
  );
});
