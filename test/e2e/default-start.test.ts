/** The embedded default as a user meets it: no config file, no flags → /healthz on 127.0.0.1:8317. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createServer } from "node:net";

const root = join(import.meta.dirname, "..", "..");

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

test("with no config file and no flags cliproxy serves /healthz on 127.0.0.1:8317", async (t) => {
  if (!(await portFree(8317))) return t.skip("port 8317 is in use on this machine");
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-default-"));
  const child = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href,
      join(root, "src", "main.ts"),
    ],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      if (out.includes("listening on http://127.0.0.1:8317")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const res = await fetch("http://127.0.0.1:8317/healthz");
  assert.equal(res.status, 200);
  assert.match(out, /no config file found/);
  assert.match(out, /next step/);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});
