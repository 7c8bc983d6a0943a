// A FIFO (or any non-regular file) given as config.yaml must be refused at once, never block start-up or a reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log/log.js";
import { createApp } from "../../src/app/app.js";
import { makeConfig } from "../../src/config/schema.js";
import { ConfigError, loadConfigFile } from "../../src/config/load.js";
import { watchConfig } from "../../src/config/watch.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

function hasMkfifo(): boolean {
  try {
    execFileSync("mkfifo", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

// Without the fix each read below waits for a writer forever: the per-test timeout turns that into a failure.
test(
  "a FIFO given as the config file is refused at start with a message naming it",
  { timeout: 10_000, skip: !hasMkfifo() && "mkfifo not available" },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "cliproxy-fifo-"));
    const file = join(dir, "config.yaml");
    execFileSync("mkfifo", [file]);
    await assert.rejects(loadConfigFile(file, { homeDir: dir, env: {}, kinds: PROVIDER_KINDS }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /config\.yaml/);
      assert.match(err.message, /is not a regular file/);
      return true;
    });
  },
);

test(
  "a FIFO swapped in for config.yaml fails the reload without blocking, keeps the running config, and the next real file reloads",
  { timeout: 10_000, skip: !hasMkfifo() && "mkfifo not available" },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "cliproxy-fifo-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, `auth-dir: ${JSON.stringify(join(dir, "auth"))}\ndebug: false\n`);
    const logs: string[] = [];
    const app = createApp({
      config: makeConfig({ authDir: join(dir, "auth") }),
      log: createLogger({ sink: (l) => logs.push(l) }),
      env: {},
      homeDir: dir,
    });
    const w = await watchConfig(app, file, { settleMs: 0, debounceMs: 3_600_000 });
    try {
      rmSync(file);
      execFileSync("mkfifo", [file]);
      const failed = await w.reload();
      assert.equal(failed.kind, "failed");
      assert.match(failed.kind === "failed" ? failed.error : "", /config\.yaml.*is not a regular file/);
      assert.ok(logs.some((l) => /keeping the running one/.test(l)));
      assert.equal(app.config().debug, false);
      rmSync(file);
      writeFileSync(file, `auth-dir: ${JSON.stringify(join(dir, "auth"))}\ndebug: true\n`);
      assert.deepEqual(await w.reload(), { kind: "reloaded", changed: ["debug"], needsRestart: [] });
      assert.equal(app.config().debug, true);
    } finally {
      w.close();
    }
  },
);
