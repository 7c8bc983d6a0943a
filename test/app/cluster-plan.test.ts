import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clusterPlan } from "../../src/app/cluster.js";

function dirWith(config?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-plan-"));
  if (config !== undefined) writeFileSync(join(dir, "config.yaml"), config);
  return dir;
}

const plan = (flag: number | undefined, cwd: string, env: Record<string, string> = {}) =>
  clusterPlan(flag, { cwd, homeDir: cwd, env });

test("clusterPlan() takes workers, debug and shutdown-timeout from ./config.yaml, and --workers over the file", async () => {
  const dir = dirWith('workers: 3\ndebug: true\nshutdown-timeout: "5s"\n');
  assert.deepEqual(await plan(undefined, dir), { workers: 3, debug: true, shutdownTimeoutMs: 5000 });
  assert.equal((await plan(2, dir)).workers, 2);
  assert.deepEqual(await plan(undefined, dirWith()), { workers: 1, debug: false, shutdownTimeoutMs: 30_000 });
});

test("clusterPlan() runs one process when the config does not load (start() reports it) or PGSTORE_DSN is set", async () => {
  assert.equal((await plan(4, dirWith("workers: [\n"))).workers, 1);
  const pg = await plan(4, dirWith("workers: 4\n"), { PGSTORE_DSN: "postgres://x" });
  assert.equal(pg.workers, 1);
  assert.match(pg.warning ?? "", /PGSTORE_DSN is set, so cliproxy runs one process/);
});
