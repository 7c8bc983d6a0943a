import { test } from "node:test";
import { once } from "node:events";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "../../src/app/start.js";
import { createLogger } from "../../src/log/log.js";
import { makeConfig } from "../../src/config/schema.js";
import { exampleKeys, exampleKeysRefusal, safeModePage } from "../../src/config/safe-mode.js";
import type { ReloadEvent } from "../../src/config/watch.js";

test("exampleKeys() lists the example placeholders still in api-keys", () => {
  assert.deepEqual(exampleKeys(makeConfig({ apiKeys: ["mine", "your-api-key-2", "your-api-key-3"] })), [
    "your-api-key-2",
    "your-api-key-3",
  ]);
  assert.deepEqual(exampleKeys(makeConfig({ apiKeys: ["mine"] })), []);
});

test("safeModePage() escapes what it shows", () => {
  assert.match(safeModePage(["your-api-key-1"], "/a/<b>.yaml"), /<code>\/a\/&#60;b&#62;\.yaml<\/code>/);
});

test("example keys: start() serves only the safe-mode page and /healthz (config.md §1)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-safe-"));
  const file = join(dir, "config.yaml");
  writeFileSync(
    file,
    `api-keys: ["your-api-key-1", "  your-api-key-3 ", "real"]\nauth-dir: ${JSON.stringify(join(dir, "auth"))}\n`,
  );
  const logs: string[] = [];
  const started = await start({
    configPath: file,
    port: 0,
    cwd: dir,
    homeDir: dir,
    env: {},
    log: createLogger({ sink: (l) => logs.push(l) }),
  });
  t.after(() => started.stop(1000));
  assert.equal(started.watchers, undefined);

  for (const path of ["/", "/management.html"]) {
    const res = await fetch(started.url + path);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.match(res.headers.get("content-type")!, /^text\/html/);
    const html = await res.text();
    assert.ok(html.includes("your-api-key-1") && html.includes("your-api-key-3") && html.includes(file));
    assert.ok(!html.includes("real"));
  }
  const head = await fetch(started.url + "/", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  const post = await fetch(started.url + "/", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.arrayBuffer();
  const api = await fetch(started.url + "/v1/models", { headers: { authorization: "Bearer real" } });
  assert.equal(api.status, 404);
  await api.arrayBuffer();
  const health = await fetch(started.url + "/healthz");
  assert.equal(health.status, 200);
  await health.arrayBuffer();
  assert.ok(logs.some((l) => l.includes("example keys")));
});

test("example keys: a hot reload whose api-keys hold an example key is refused and the running keys keep serving", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-safe-"));
  const file = join(dir, "config.yaml");
  const authDir = JSON.stringify(join(dir, "auth"));
  writeFileSync(file, `api-keys: ["real"]\nauth-dir: ${authDir}\n`);
  const logs: string[] = [];
  const started = await start({
    configPath: file,
    port: 0,
    cwd: dir,
    homeDir: dir,
    env: {},
    log: createLogger({ sink: (l) => logs.push(l) }),
  });
  t.after(() => started.stop(1000));
  const reload = once(started.watchers!.config!, "reload") as Promise<[ReloadEvent]>;
  writeFileSync(file, `api-keys: ["real", "your-api-key-2"]\nauth-dir: ${authDir}\n`);
  const [event] = await reload;
  assert.equal(event.kind, "failed");
  assert.match((event as { error: string }).error, /example key "your-api-key-2" of config\.example\.yaml/);
  assert.deepEqual(started.app.config().apiKeys, ["real"]);
  const res = await fetch(started.url + "/v1/models", { headers: { authorization: "Bearer your-api-key-2" } });
  assert.equal(res.status, 401);
  await res.arrayBuffer();
  assert.ok(logs.some((l) => l.includes("failed to reload config") && l.includes("your-api-key-2")));
  assert.equal(exampleKeysRefusal(makeConfig({ apiKeys: ["mine"] })), undefined);
  assert.match(
    exampleKeysRefusal(makeConfig({ apiKeys: ["your-api-key-1", "your-api-key-3"] }))!,
    /keys "your-api-key-1", "your-api-key-3"/,
  );
});
