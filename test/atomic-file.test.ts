import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../src/atomic-file.js";

async function scratch(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cliproxy-atomic-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("writeFileAtomic() replaces a file with mode 0600 by default and leaves no temp file", async (t) => {
  const dir = await scratch(t);
  const path = join(dir, "a.json");
  await writeFile(path, "old", { mode: 0o644 });
  await writeFileAtomic(path, "new");
  assert.equal(await readFile(path, "utf8"), "new");
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ["a.json"]);
});

test("writeFileAtomic() creates a missing folder with dirMode and the file with the mode given", async (t) => {
  const dir = join(await scratch(t), "auth");
  await writeFileAtomic(join(dir, "c.yaml"), Buffer.from("x: 1\n"), { mode: 0o640, dirMode: 0o700 });
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, "c.yaml"))).mode & 0o777, 0o640 & ~process.umask());
});

test("writeFileAtomic() that cannot rename leaves the target as it was and removes its temp file", async (t) => {
  const dir = await scratch(t);
  const target = join(dir, "taken");
  await mkdir(join(target, "inside"), { recursive: true }); // a file cannot be renamed over a folder
  await assert.rejects(writeFileAtomic(target, "new"), { code: "EISDIR" });
  assert.deepEqual((await readdir(dir)).sort(), ["taken"]);
  assert.deepEqual(await readdir(target), ["inside"]);
});
