import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, type Started } from "../../src/app/start.js";
import { createLogger } from "../../src/log/log.js";
import { createApp } from "../../src/app/app.js";
import { makeConfig } from "../../src/config/schema.js";
import { noteConfigWrite, watchConfig, type ReloadEvent } from "../../src/config/watch.js";
import { watchAuthDir, type AuthFileEvent } from "../../src/config/watch-auth.js";
import { changedKeys, keepRestartOnly, yamlName } from "../../src/config/diff.js";
import { createLogRouting, logDirectory } from "../../src/config/runtime.js";

import { next } from "../support/events.js";

interface Fixture {
  dir: string;
  file: string;
  authDir: string;
  started: Started;
  logs: string[];
  events: ReloadEvent[];
}

async function startWith(t: TestContext, yaml: (authDir: string) => string): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-watch-"));
  const authDir = join(dir, "auth");
  const file = join(dir, "config.yaml");
  writeFileSync(file, yaml(authDir));
  const logs: string[] = [];
  const started = await start({
    configPath: file,
    port: 0,
    cwd: dir,
    homeDir: dir,
    env: {},
    log: createLogger({ level: "debug", sink: (l) => logs.push(l) }),
  });
  t.after(() => started.stop(1000));
  const events: ReloadEvent[] = [];
  started.watchers!.config!.on("reload", (e: ReloadEvent) => events.push(e));
  return { dir, file, authDir, started, logs, events };
}

const config = (authDir: string, keys: string[], extra = "") =>
  `# test config\nauth-dir: ${JSON.stringify(authDir)}\napi-keys:\n${keys.map((k) => `  - "${k}"`).join("\n")}\n${extra}`;

async function status(f: Fixture, key: string): Promise<number> {
  const res = await fetch(`${f.started.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  await res.arrayBuffer();
  return res.status;
}

test("an atomic save (temp file + rename) causes exactly one reload, and an api-keys change takes effect without restart", async (t) => {
  const f = await startWith(t, (a) => config(a, ["old-key"]));
  assert.notEqual(await status(f, "old-key"), 401);
  assert.equal(await status(f, "new-key"), 401);

  const reloaded = next<ReloadEvent>(f.started.watchers!.config!, "reload");
  writeFileSync(join(f.dir, ".config.yaml.swp"), config(f.authDir, ["new-key"]));
  renameSync(join(f.dir, ".config.yaml.swp"), f.file);
  assert.deepEqual(await reloaded, { kind: "reloaded", changed: ["api-keys"], needsRestart: [] });
  assert.equal(await status(f, "old-key"), 401);
  assert.notEqual(await status(f, "new-key"), 401);

  // A second, different save: any stray reload from the first would show up between the two.
  const second = next<ReloadEvent>(
    f.started.watchers!.config!,
    "reload",
    (e) => e.kind === "reloaded" && e.changed.includes("debug"),
  );
  writeFileSync(f.file, config(f.authDir, ["new-key"], "debug: true\n"));
  await second;
  assert.deepEqual(
    f.events.map((e) => e.kind),
    ["reloaded", "reloaded"],
  );
  assert.equal(f.logs.filter((l) => l.includes("config: reloaded")).length, 2);
  assert.ok(f.logs.some((l) => /config: reloaded .* changed=api-keys$/.test(l)));
  assert.ok(!f.logs.some((l) => l.includes("new-key")), "key values never reach the log");
});

test("S-35 atomic save: a mapping written to config.yaml.tmp and renamed over config.yaml applies without restart; identical bytes log nothing", async (t) => {
  const f = await startWith(t, (a) => config(a, ["k1"]));
  const watcher = f.started.watchers!.config!;
  const mapped = next<ReloadEvent>(watcher, "reload");
  const text = config(
    f.authDir,
    ["k1"],
    "ampcode:\n  model-mappings:\n    - from: claude-opus-4-5-20251101\n      to: claude-sonnet-4-5\n",
  );
  writeFileSync(`${f.file}.tmp`, text);
  renameSync(`${f.file}.tmp`, f.file);
  assert.deepEqual(await mapped, { kind: "reloaded", changed: ["ampcode.model-mappings"], needsRestart: [] });
  assert.deepEqual(f.started.app.config().ampcode.modelMappings, [
    { from: "claude-opus-4-5-20251101", to: "claude-sonnet-4-5", regex: false },
  ]);
  const logged = f.logs.length;
  const same = next<ReloadEvent>(watcher, "reload");
  writeFileSync(f.file, text);
  assert.deepEqual(await same, { kind: "skipped", reason: "unchanged" });
  assert.equal(f.logs.length, logged);
});

test("an in-place save causes exactly one reload", async (t) => {
  const f = await startWith(t, (a) => config(a, ["k1"]));
  const first = next<ReloadEvent>(f.started.watchers!.config!, "reload");
  writeFileSync(f.file, config(f.authDir, ["k1", "k2"]));
  assert.deepEqual(await first, { kind: "reloaded", changed: ["api-keys"], needsRestart: [] });
  const second = next<ReloadEvent>(
    f.started.watchers!.config!,
    "reload",
    (e) => e.kind === "reloaded" && e.changed.includes("request-retry"),
  );
  writeFileSync(f.file, config(f.authDir, ["k1", "k2"], "request-retry: 2\n"));
  await second;
  assert.deepEqual(
    f.events.map((e) => e.kind),
    ["reloaded", "reloaded"],
  );
  assert.equal(f.started.app.config().requestRetry, 2);
});

test("a broken save keeps the old config serving and logs the error with line and column", async (t) => {
  const f = await startWith(t, (a) => config(a, ["k1"]));
  const failed = next<ReloadEvent>(f.started.watchers!.config!, "reload");
  writeFileSync(f.file, config(f.authDir, ["k2"], 'proxy-url: "unclosed\n'));
  const event = await failed;
  assert.equal(event.kind, "failed");
  assert.match(
    f.logs.find((l) => l.includes("failed to reload config"))!,
    /line 5, column 12/,
  );
  assert.notEqual(await status(f, "k1"), 401);
  assert.equal(await status(f, "k2"), 401);

  const typeError = next<ReloadEvent>(f.started.watchers!.config!, "reload");
  writeFileSync(f.file, config(f.authDir, ["k2"], "port: abc\n"));
  assert.deepEqual(await typeError, {
    kind: "failed",
    error: `Cannot read config "${f.file}": port at line 5, column 7: expected an integer`,
  });
  assert.notEqual(await status(f, "k1"), 401);
});

test("an empty save is skipped and an unchanged one too", async (t) => {
  const f = await startWith(t, (a) => config(a, ["k1"]));
  const watcher = f.started.watchers!.config!;
  const skipped = next<ReloadEvent>(watcher, "reload");
  writeFileSync(f.file, "");
  assert.deepEqual(await skipped, { kind: "skipped", reason: "empty" });
  writeFileSync(f.file, config(f.authDir, ["k1"]));
  assert.deepEqual(await next<ReloadEvent>(watcher, "reload"), { kind: "skipped", reason: "unchanged" });
  writeFileSync(f.file, config(f.authDir, ["k1"]) + "# only a comment\n");
  assert.deepEqual(await next<ReloadEvent>(watcher, "reload"), { kind: "skipped", reason: "no-change" });
  assert.notEqual(await status(f, "k1"), 401);
});

test("host, port and tls changes keep their running values and log that they need a restart", async (t) => {
  const f = await startWith(t, (a) => config(a, ["k1"]));
  const port = f.started.app.config().port;
  const event = next<ReloadEvent>(f.started.watchers!.config!, "reload");
  writeFileSync(
    f.file,
    config(f.authDir, ["k1"], "host: 127.0.0.2\ntls: { enable: true, cert: /c, key: /k }\ndebug: true\n"),
  );
  assert.deepEqual(await event, { kind: "reloaded", changed: ["debug"], needsRestart: ["host", "tls"] });
  assert.equal(f.started.app.config().host, "127.0.0.1");
  assert.equal(f.started.app.config().port, port);
  assert.ok(f.logs.some((l) => l.includes("host changed") && l.includes("needs restart")));
});

test("a reload that would serve a non-loopback host without api-keys is refused", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-watch-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, `host: 127.0.0.1\napi-keys: [k1]\nauth-dir: ${JSON.stringify(join(dir, "auth"))}\n`);
  const started = await start({
    configPath: file,
    host: "0.0.0.0",
    port: 0,
    cwd: dir,
    homeDir: dir,
    env: {},
    log: createLogger({ sink: () => {} }),
  });
  t.after(() => started.stop(1000));
  const event = next<ReloadEvent>(started.watchers!.config!, "reload");
  writeFileSync(file, `host: 127.0.0.1\napi-keys: []\nauth-dir: ${JSON.stringify(join(dir, "auth"))}\n`);
  const e = await event;
  assert.equal(e.kind, "failed");
  assert.match((e as { error: string }).error, /Refusing to listen on "0.0.0.0" with no api-keys/);
  assert.deepEqual(started.app.config().apiKeys, ["k1"]);
});

test("the auth-dir watcher reports token files added, changed (also by atomic replace) and removed, skipping unchanged content", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-auth-"));
  writeFileSync(join(dir, "existing.json"), '{"type":"claude"}');
  const w = await watchAuthDir(dir, createLogger({ sink: () => {} }));
  t.after(() => w.close());
  const events: AuthFileEvent[] = [];
  w.on("file", (e: AuthFileEvent) => events.push(e));

  let ev = next<AuthFileEvent>(w, "file");
  writeFileSync(join(dir, "claude-a.json"), '{"type":"claude","email":"a"}');
  assert.deepEqual(await ev, {
    kind: "added",
    file: "claude-a.json",
    path: join(dir, "claude-a.json"),
    data: { type: "claude", email: "a" },
  });

  ev = next<AuthFileEvent>(w, "file");
  writeFileSync(join(dir, "existing.json"), '{"type":"claude"}'); // same bytes: not reported
  writeFileSync(join(dir, "notes.txt"), "ignored");
  writeFileSync(join(dir, ".tmp-x"), '{"type":"codex"}');
  renameSync(join(dir, ".tmp-x"), join(dir, "claude-a.json"));
  assert.deepEqual(await ev, {
    kind: "changed",
    file: "claude-a.json",
    path: join(dir, "claude-a.json"),
    data: { type: "codex" },
  });

  ev = next<AuthFileEvent>(w, "file");
  w.noteWritten("claude-a.json", '{"type":"codex","refreshed":1}');
  writeFileSync(join(dir, "claude-a.json"), '{"type":"codex","refreshed":1}'); // our own write: not reported
  rmSync(join(dir, "existing.json"));
  assert.deepEqual(await ev, { kind: "removed", file: "existing.json", path: join(dir, "existing.json") });
  assert.deepEqual(
    events.map((e) => `${e.kind} ${e.file}`),
    ["added claude-a.json", "changed claude-a.json", "removed existing.json"],
  );
});

test("the auth-dir watcher ignores files that are not JSON objects, with a warning", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-auth-"));
  const logs: string[] = [];
  const w = await watchAuthDir(dir, createLogger({ sink: (l) => logs.push(l) }));
  t.after(() => w.close());
  const ev = next<AuthFileEvent>(w, "file");
  const invalid = next<{ file: string }>(w, "invalid");
  writeFileSync(join(dir, "bad.json"), "[1,2]");
  writeFileSync(join(dir, "good.json"), "{}");
  assert.equal((await ev).file, "good.json");
  assert.equal((await invalid).file, "bad.json");
  const broken = next<{ file: string }>(w, "invalid");
  writeFileSync(join(dir, "broken.json"), "{not json");
  assert.equal((await broken).file, "broken.json");
  assert.ok(logs.some((l) => l.includes("ignoring bad.json: not a JSON object")));
});

test("the auth-dir watcher and the log directory fall back with a warning when a directory cannot be created", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-auth-"));
  const blocker = join(dir, "a-file");
  writeFileSync(blocker, "");
  const logs: string[] = [];
  const w = await watchAuthDir(join(blocker, "auth"), createLogger({ sink: (l) => logs.push(l) }));
  t.after(() => w.close());
  assert.ok(logs.some((l) => l.includes(`auth: cannot watch ${join(blocker, "auth")}`)));
  assert.equal(logDirectory({}, blocker, "/auth"), join("/auth", "logs"));
  const app = createApp({
    config: makeConfig(),
    log: createLogger({ sink: (l) => logs.push(l) }),
    env: { WRITABLE_PATH: blocker },
    homeDir: dir,
  });
  const routing = createLogRouting(app, { cwd: dir });
  routing.apply(makeConfig({ loggingToFile: true }));
  assert.ok(logs.some((l) => l.includes("staying on the console")));
  await routing.close();
});

test("changing auth-dir in config re-arms the auth-dir watcher on the new directory", async (t) => {
  const f = await startWith(t, (a) => config(a, ["k1"]));
  const auth = f.started.watchers!.authDir;
  assert.equal(auth.dir, f.authDir);
  const moved = join(f.dir, "auth2");
  mkdirSync(moved);
  const rescan = once(auth, "rescan");
  writeFileSync(f.file, config(moved, ["k1"]));
  assert.deepEqual(await rescan, [{ dir: moved }]);
  const added = next<AuthFileEvent>(auth, "file");
  writeFileSync(join(moved, "codex-x.json"), '{"type":"codex"}');
  assert.equal((await added).path, join(moved, "codex-x.json"));
});

test("a symlinked config reloads when the link is swapped the way Kubernetes updates a ConfigMap", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-k8s-"));
  mkdirSync(join(dir, "..v1"));
  writeFileSync(join(dir, "..v1", "config.yaml"), "debug: false\n");
  symlinkSync("..v1", join(dir, "..data"));
  symlinkSync(join("..data", "config.yaml"), join(dir, "config.yaml"));
  const app = createApp({
    config: makeConfig({ authDir: join(dir, ".cli-proxy-api") }),
    log: createLogger({ sink: () => {} }),
    env: {},
    homeDir: dir,
  });
  const w = await watchConfig(app, join(dir, "config.yaml"));
  t.after(() => w.close());
  const reloaded = next<ReloadEvent>(w, "reload", (e) => e.kind === "reloaded");
  mkdirSync(join(dir, "..v2"));
  writeFileSync(join(dir, "..v2", "config.yaml"), "debug: true\n");
  symlinkSync("..v2", join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  assert.deepEqual(await reloaded, { kind: "reloaded", changed: ["debug"], needsRestart: [] });
});

test("watchConfig().reload() applies command-line overrides and reports a missing file as skipped", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-watch-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, "port: 9000\n");
  const app = createApp({
    config: makeConfig({ port: 1234, authDir: join(dir, ".cli-proxy-api") }),
    log: createLogger({ sink: () => {} }),
    env: {},
    homeDir: dir,
  });
  const seen: string[] = [];
  const w = await watchConfig(app, file, {
    debounceMs: 3_600_000,
    adjust: (c) => ({ ...c, port: 1234 }),
    onReload: (e) => seen.push(e.kind),
  });
  try {
    writeFileSync(file, "port: 9001\ndebug: true\n");
    assert.deepEqual(await w.reload(), { kind: "reloaded", changed: ["debug"], needsRestart: [] });
    rmSync(file);
    assert.deepEqual(await w.reload(), { kind: "skipped", reason: "missing" });
    assert.deepEqual(seen, ["reloaded", "skipped"]);
  } finally {
    w.close();
  }
});

test("watchConfig() skips bytes cliproxy wrote itself and remembers the last real reload", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-watch-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, "debug: false\n");
  const app = createApp({
    config: makeConfig({ authDir: join(dir, ".cli-proxy-api") }),
    log: createLogger({ sink: () => {} }),
    env: {},
    homeDir: dir,
    clock: { now: () => 42 },
  });
  // File events must not reload on their own here: the test drives reload() and expects to see each save first.
  const w = await watchConfig(app, file, { debounceMs: 3_600_000 });
  t.after(() => w.close());
  noteConfigWrite(file, "debug: true\n");
  writeFileSync(file, "debug: true\n");
  assert.deepEqual(await w.reload(), { kind: "skipped", reason: "own-write" });
  assert.equal(app.config().debug, false, "the writer applied it in memory already");
  assert.equal(app.lastReload, undefined);
  writeFileSync(file, "debug: true\nrequest-retry: 1\n");
  const event = await w.reload();
  assert.deepEqual(app.lastReload, { at: 42, event });
});

test("changedKeys() names YAML key paths, one level into blocks", () => {
  const a = makeConfig();
  const b = makeConfig({
    apiKeys: ["x"],
    bodyLimitBytes: 1,
    routing: { ...a.routing, sessionAffinityTtlMs: 1 },
    ampcode: { upstreamApiKey: "s" },
  });
  assert.deepEqual(changedKeys(a, b), [
    "api-keys",
    "routing.session-affinity-ttl",
    "ampcode.upstream-api-key",
    "body-limit-mb",
  ]);
  assert.equal(yamlName("oauthExcludedModels"), "oauth-excluded-models");
  assert.deepEqual(keepRestartOnly(a, makeConfig({ port: 1, commercialMode: true })).needsRestart, [
    "port",
    "commercial-mode",
  ]);
});

test("logging-to-file writes <WRITABLE_PATH>/logs/main.log and rotates it past rotateBytes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-logs-"));
  assert.equal(logDirectory({ WRITABLE_PATH: dir }, "/nowhere", "/auth"), join(dir, "logs"));
  assert.equal(logDirectory({}, dir, "/auth"), join(dir, "logs"));
  const console: string[] = [];
  const app = createApp({
    config: makeConfig(),
    log: createLogger({ sink: (l) => console.push(l) }),
    env: { WRITABLE_PATH: dir },
    homeDir: dir,
  });
  const routing = createLogRouting(app, { cwd: dir, rotateBytes: 200, consoleSink: (l) => console.push(l) });
  routing.apply(makeConfig({ loggingToFile: true }));
  for (let i = 0; i < 10; i++) app.log.info(`line ${i} ${"x".repeat(40)}`);
  routing.apply(makeConfig({ loggingToFile: false }));
  app.log.info("back on the console");
  await routing.close();
  const files = readdirSync(join(dir, "logs"));
  assert.ok(files.includes("main.log"));
  assert.ok(files.filter((n) => /^main-.*\.log$/.test(n)).length >= 2, files.join(","));
  const all = files.map((n) => readFileSync(join(dir, "logs", n), "utf8")).join("");
  for (let i = 0; i < 10; i++) assert.ok(all.includes(`line ${i} `));
  assert.ok(console.at(-1)!.endsWith("back on the console"));
  assert.ok(!all.includes("back on the console"));
});

test("start() with logging-to-file sends its log lines to main.log", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-logs-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, `logging-to-file: true\nauth-dir: ${JSON.stringify(join(dir, "auth"))}\n`);
  const captured: string[] = [];
  const started = await start({
    configPath: file,
    port: 0,
    cwd: dir,
    homeDir: dir,
    env: { WRITABLE_PATH: dir },
    log: createLogger({ sink: (l) => captured.push(l) }),
  });
  await started.stop(1000);
  t.after(() => undefined);
  const text = readFileSync(join(dir, "logs", "main.log"), "utf8");
  assert.match(text, /listening on http:\/\/127\.0\.0\.1:\d+/);
  assert.ok(!captured.some((l) => l.includes("listening on")));
});

test("watchAuthDir() ignores a FIFO and a link out of auth-dir with a warning, and still reports the next real file", async (t) => {
  const { execFileSync } = await import("node:child_process");
  const dir = mkdtempSync(join(tmpdir(), "authw-"));
  const outside = mkdtempSync(join(tmpdir(), "outside-"));
  writeFileSync(join(outside, "stolen.json"), '{"type":"claude","email":"stolen"}');
  const logs: string[] = [];
  let bothWarned!: () => void;
  const warned = new Promise<void>((r) => (bothWarned = r));
  const w = await watchAuthDir(
    dir,
    createLogger({
      sink: (l) => {
        logs.push(l);
        if (logs.some((x) => x.includes("link.json")) && logs.some((x) => x.includes("pipe.json"))) bothWarned();
      },
    }),
  );
  t.after(() => w.close());
  const events: AuthFileEvent[] = [];
  w.on("file", (e: AuthFileEvent) => events.push(e));
  execFileSync("mkfifo", [join(dir, "pipe.json")]);
  symlinkSync(join(outside, "stolen.json"), join(dir, "link.json"));
  const ev = next<AuthFileEvent>(w, "file");
  writeFileSync(join(dir, "good.json"), '{"type":"claude","email":"good"}');
  assert.equal((await ev).file, "good.json");
  await warned;
  assert.deepEqual(
    events.map((e) => e.file),
    ["good.json"],
  );
  assert.ok(
    logs.some((l) =>
      /WARN auth: ignoring link\.json: is a symbolic link to .*stolen\.json, outside auth-dir: not followed/.test(l),
    ),
    logs.join("\n"),
  );
  assert.ok(
    logs.some((l) => /WARN auth: ignoring pipe\.json: is not a regular file/.test(l)),
    logs.join("\n"),
  );
});
