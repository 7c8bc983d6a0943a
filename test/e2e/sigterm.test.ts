/** The real process: SIGTERM during an open stream lets it finish, then the process exits 0. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { request } from "node:http";
import { pathToFileURL } from "node:url";
import { startFake } from "../support/fake-upstream.js";

const root = join(import.meta.dirname, "..", "..");

test("SIGTERM during an open streaming response lets it finish and exits 0", async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const claude = await startFake(t, async (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(
      `event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":1,"output_tokens":0}}}\n\n`,
    );
    await released;
    res.end(`event: message_stop\ndata: {"type":"message_stop"}\n\n`);
  });
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-sigterm-"));
  writeFileSync(
    join(dir, "config.yaml"),
    `api-keys: ["k-1"]\nclaude-api-key:\n  - api-key: "sk-ant-x"\n    base-url: "${claude.url}"\n`,
  );
  const child = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href,
      join(root, "src", "main.ts"),
      "--config",
      join(dir, "config.yaml"),
      "--port",
      "0",
    ],
    {
      cwd: dir,
      env: { ...process.env, HOME: dir, NODE_V8_COVERAGE: undefined },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const req = request({
    host: "127.0.0.1",
    port,
    path: "/v1/messages",
    method: "POST",
    headers: { "x-api-key": "k-1", "content-type": "application/json" },
  });
  req.end(
    JSON.stringify({
      model: "claude-sonnet-4-5",
      stream: true,
      max_tokens: 5,
      messages: [{ role: "user", content: "hi" }],
    }),
  );
  const [res] = (await once(req, "response")) as [import("node:http").IncomingMessage];
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (c: string) => (body += c));
  await once(res, "data");
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await new Promise<void>((resolve, reject) => {
    const check = () => (/draining/.test(out) ? resolve() : child.stdout.once("data", check));
    child.once("exit", (code, signal) => reject(new Error(`exited ${code ?? signal} before draining: ${out}`)));
    check();
  });
  release();
  await once(res, "end");
  const [code] = await exited;
  assert.equal(code, 0, out);
  assert.match(body, /message_start[\s\S]*message_stop/);
});
