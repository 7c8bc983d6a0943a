/**
 * The primary of `workers: 2` (app/cluster.ts) in a real process: a worker that dies is replaced, and
 * SIGTERM lets the streams open in both workers finish before everything exits 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFake } from "../support/fake-upstream.js";
import { CLIENT_KEY } from "../oauth/e2e-support.js";
import { fresh, startCluster } from "../support/cluster.js";

const auth = { authorization: `Bearer ${CLIENT_KEY}` };

function configFile(extra: string[] = []): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-cluster-life-"));
  const path = join(dir, "config.yaml");
  writeFileSync(
    path,
    [
      "host: 127.0.0.1",
      "workers: 2",
      `api-keys: ["${CLIENT_KEY}"]`,
      `auth-dir: "${join(dir, "auth")}"`,
      ...extra,
      "",
    ].join("\n"),
  );
  return { path, dir };
}

test("a worker that is killed is replaced, and the new one serves", async (t) => {
  const { path, dir } = configFile();
  const cluster = await startCluster(t, path, dir);
  const serving = [...cluster.out().matchAll(/worker (\d) \(pid (\d+)\) serving/g)];
  assert.equal(serving.length, 2);
  const [, slot, pid] = serving[0];
  const from = cluster.out().length;
  process.kill(Number(pid), "SIGKILL");
  await cluster.waitFor(
    new RegExp(`worker ${slot} \\(pid ${pid}\\) exited with signal SIGKILL; starting a new one`),
    from,
  );
  const [, newPid] = await cluster.waitFor(new RegExp(`worker ${slot} \\(pid (\\d+)\\) serving`), from);
  assert.notEqual(newPid, pid);
  const pids = new Set<string>();
  for (let i = 0; i < 20 && !pids.has(newPid); i++)
    pids.add(String((await fresh(`${cluster.url}/v1/models`, { headers: auth })).headers["x-cliproxy-worker"]));
  assert.ok(pids.has(newPid), `no answer from the new worker ${newPid}: ${[...pids]}`);
  assert.ok(!pids.has(pid));
  assert.equal(await cluster.stop(), 0, cluster.out());
});

test("SIGTERM drains the streams open in both workers, then exits 0", async (t) => {
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
  const { path, dir } = configFile(["claude-api-key:", '  - api-key: "sk-ant-x"', `    base-url: "${claude.url}"`]);
  const cluster = await startCluster(t, path, dir);
  // Streams on fresh connections until two workers hold one each.
  const streams = new Map<string, { res: IncomingMessage; body: Promise<string> }>();
  for (let i = 0; i < 20 && streams.size < 2; i++) {
    const req = request(`${cluster.url}/v1/messages`, {
      method: "POST",
      agent: false,
      headers: { ...auth, "content-type": "application/json" },
    });
    req.end(
      JSON.stringify({
        model: "claude-sonnet-4-5",
        stream: true,
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    const [res] = (await once(req, "response")) as [IncomingMessage];
    res.setEncoding("utf8");
    let text = "";
    const body = new Promise<string>((resolve) => {
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve(text));
    });
    await once(res, "data");
    const pid = String(res.headers["x-cliproxy-worker"]);
    if (!streams.has(pid)) streams.set(pid, { res, body });
  }
  assert.equal(streams.size, 2);
  const from = cluster.out().length;
  const exit = cluster.stop();
  await cluster.waitFor(/SIGTERM: draining 2 workers/, from);
  await cluster.waitFor(/draining in-flight requests[\s\S]*draining in-flight requests/, from);
  release();
  for (const { body } of streams.values()) assert.match(await body, /message_start[\s\S]*message_stop/);
  assert.equal(await exit, 0, cluster.out());
});

test("a worker that cannot listen stops the cluster with exit code 1 instead of restarting forever", async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  t.after(() => taken.close());
  const { path, dir } = configFile();
  const cluster = await startCluster(
    t,
    path,
    dir,
    {},
    { port: (taken.address() as AddressInfo).port, listening: false },
  );
  const [code] = (await once(cluster.child, "exit")) as [number | null];
  assert.equal(code, 1, cluster.out());
  assert.match(cluster.out(), /cluster: worker \d \(pid \d+\) exited with code 1 before listening; stopping/);
});
