import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log/log.js";
import { createApp } from "../../src/app/app.js";
import { makeConfig } from "../../src/config/schema.js";
import { CONFIG_SETTLE_MS, watchConfig, type ReloadEvent } from "../../src/config/watch.js";

import { next } from "../support/events.js";

const FULL = "api-keys:\n  - sk-long-random-key-0123456789\ndebug: true\n";

test("a non-atomic save still being written between the two reads is not applied: skipped as unsettled, then the whole file is", async (t) => {
  assert.equal(CONFIG_SETTLE_MS, 100);
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-settle-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, "api-keys:\n  - old-key\n");
  const app = createApp({
    config: makeConfig({ authDir: join(dir, ".cli-proxy-api"), apiKeys: ["old-key"] }),
    log: createLogger({ sink: () => {} }),
    env: {},
    homeDir: dir,
  });
  const w = await watchConfig(app, file);
  t.after(() => w.close());
  const events: ReloadEvent[] = [];
  const seen: string[][] = [];
  w.on("reload", (e: ReloadEvent) => {
    events.push(e);
    seen.push([...app.config().apiKeys]);
  });

  // The reviewer's writer: truncate, write up to "  - sk", and (here) finish only once the watcher has read the prefix.
  const fd = openSync(file, "r+");
  t.after(() => closeSync(fd));
  ftruncateSync(fd, 0);
  const cut = FULL.indexOf("sk-long") + 2;
  const settling = next<{ size: number }>(w, "settling", (s) => s.size === cut);
  const first = next<ReloadEvent>(w, "reload", (e) => e.kind !== "skipped" || e.reason !== "empty");
  writeSync(fd, FULL.slice(0, cut), 0);
  const raced = await Promise.race([settling.then(() => "settling"), first.then((e) => e)]);
  assert.equal(raced, "settling", `the prefix was handled without a second read: ${JSON.stringify(raced)}`);
  writeSync(fd, FULL.slice(cut), cut);
  assert.deepEqual(await first, { kind: "skipped", reason: "unsettled" });

  const applied = await next<ReloadEvent>(w, "reload", (e) => e.kind === "reloaded");
  assert.deepEqual(applied, { kind: "reloaded", changed: ["api-keys", "debug"], needsRestart: [] });
  assert.deepEqual(app.config().apiKeys, ["sk-long-random-key-0123456789"]);
  assert.ok(!seen.some((keys) => keys.includes("sk")), `the prefix was never served: ${JSON.stringify(seen)}`);
  assert.ok(events.every((e) => e.kind !== "failed"));
});

test("watchConfig().reload() reads twice settleMs apart and applies a file that did not change in between", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-settle-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, "debug: false\n");
  const app = createApp({
    config: makeConfig({ authDir: join(dir, ".cli-proxy-api") }),
    log: createLogger({ sink: () => {} }),
    env: {},
    homeDir: dir,
  });
  const w = await watchConfig(app, file, { settleMs: 1, debounceMs: 60_000 });
  t.after(() => w.close());
  writeFileSync(file, "debug: true\n");
  const settling = next<{ size: number; hash: string }>(w, "settling");
  assert.deepEqual(await w.reload(), { kind: "reloaded", changed: ["debug"], needsRestart: [] });
  assert.equal((await settling).size, "debug: true\n".length);
  assert.equal(app.config().debug, true);
});
