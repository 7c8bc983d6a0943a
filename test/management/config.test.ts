import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { watchConfig, type ReloadEvent } from "../../src/config/watch.js";
import { createLogger } from "../../src/log/log.js";
import { start } from "../../src/app/start.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { changedLines, COMMENTED, KEY, mgmt } from "./setup.js";
import { bcryptHash } from "../../src/management/bcrypt.js";

/** The auth-dir line matching the one mgmt() runs with (a PUT may not change it). */
const authDirLine = (dir: string) => `auth-dir: ${JSON.stringify(join(dir, "auth"))}\n`;

// bcrypt of "password" at cost 4 (a reference vector; cheap to verify).
const VECTOR_HASH = "$2a$04$EJTm7x/tadrWeYW15DO8LeDT5NQwKiBqx4W4sGIAh9vpXFOpD.0vC";

test("S-7 PUT /debug on a commented config changes only the debug line; GET /debug and the running log level follow", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  assert.deepEqual((await m.call("PUT", "/debug", '{"value":true}')).json, { status: "ok" });
  assert.deepEqual(changedLines(before, m.text()), [
    ["debug: false # flip when something breaks", "debug: true # flip when something breaks"],
  ]);
  assert.deepEqual((await m.call("GET", "/debug")).json, { debug: true });
  const n = m.s.logs.length;
  m.s.app.log.debug("debug-level line");
  assert.equal(m.s.logs.length, n + 1);
  await m.call("PATCH", "/debug", '{"value":false}');
  assert.equal(m.text(), before);
});

test("S-8 PUT /debug with a string is 400 invalid body and leaves the file unchanged", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  for (const body of ['{"value":"yes"}', "{}", "not json", '{"value":null}']) {
    assert.deepEqual(
      await m.call("PUT", "/debug", body).then((r) => [r.status, r.json]),
      [400, { error: "invalid body" }],
      body,
    );
  }
  assert.equal(m.text(), before);
  assert.equal(m.s.app.config().debug, false);
});

test("S-9 PUT /config.yaml: broken YAML 400 invalid_yaml, wrong type 422, both change nothing; a valid body is written and applied", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  const running = m.s.app.config();
  const broken = await m.call("PUT", "/config.yaml", "debug: [unclosed\n");
  assert.equal(broken.status, 400);
  assert.equal(broken.json.error, "invalid_yaml");
  assert.match(broken.json.message, /line \d+, column \d+/);
  const wrong = await m.call("PUT", "/config.yaml", "debug: false\nrequest-retry: lots\n");
  assert.equal(wrong.status, 422);
  assert.equal(wrong.json.error, "invalid_config");
  assert.match(wrong.json.message, /request-retry at line 2/);
  assert.equal((await m.call("PUT", "/config.yaml", "  \n")).json.error, "invalid_yaml");
  assert.equal(m.text(), before);
  assert.equal(m.s.app.config(), running);
  const next = `${COMMENTED.replace("request-retry: 2", "request-retry: 5")}remote-management:\n  secret-key: "${KEY}"\n${authDirLine(m.dir)}`;
  assert.deepEqual(await m.call("PUT", "/config.yaml", next).then((r) => [r.status, r.json]), [
    200,
    { ok: true, changed: ["config"] },
  ]);
  assert.equal(m.text().replace(/"\$2a\$10\$[^"]+"/, `"${KEY}"`), next, "stored as sent, then the secret hashed");
  assert.equal(m.s.app.config().requestRetry, 5);
  assert.deepEqual((await m.call("GET", "/request-retry")).json, { "request-retry": 5 });
});

test("PUT /config.yaml keeps the file's mode, leaves no temp file, and hashes a plaintext secret-key in it", async (t) => {
  const m = await mgmt(t);
  chmodSync(m.configPath, 0o640);
  const body = `${COMMENTED}remote-management:\n  secret-key: ${KEY}\n${authDirLine(m.dir)}`;
  assert.equal((await m.call("PUT", "/config.yaml", body)).status, 200);
  assert.equal(statSync(m.configPath).mode & 0o777, 0o640);
  assert.deepEqual(
    readdirSync(m.dir).filter((f) => f.endsWith(".tmp")),
    [],
  );
  assert.match(m.text(), /secret-key: \$2a\$10\$/);
  assert.match(m.s.app.config().remoteManagement.secretKey, /^\$2a\$10\$/);
  assert.equal((await m.call("GET", "/debug")).status, 200, "the key still works against its hash");
});

test("GET /config.yaml returns the file bytes with no-store and nosniff; GET /config has YAML names and no secret", async (t) => {
  const m = await mgmt(t);
  const y = await m.call("GET", "/config.yaml");
  assert.equal(y.text, COMMENTED);
  assert.equal(y.headers.get("content-type"), "application/yaml; charset=utf-8");
  assert.equal(y.headers.get("cache-control"), "no-store");
  assert.equal(y.headers.get("x-content-type-options"), "nosniff");
  const c = await m.call("GET", "/config");
  assert.deepEqual(c.json["api-keys"], ["team-key-1", "team-key-2"]);
  assert.equal(c.json["claude-api-key"][0]["base-url"], "https://claude.example");
  assert.equal(c.json.routing.strategy, "round-robin");
  for (const k of ["host", "port", "auth-dir", "remote-management"]) assert.equal(k in c.json, false, k);
  assert.equal(c.text.includes(KEY), false);
});

test("S-19 GET /config never contains the secret key, neither its bcrypt hash nor a plaintext one", async (t) => {
  // Each half authenticates and reads /config while that secret is the running one (a request that only ever
  // sees 401 would prove nothing). Both fail if configJson() lists remote-management: checked by adding it.
  const hash = bcryptHash(KEY, 4);
  const hashed = await mgmt(t, { secret: hash });
  assert.equal((await hashed.call("GET", "/config", undefined, { authorization: "Bearer x" })).status, 401);
  const c = await hashed.call("GET", "/config");
  assert.equal(c.status, 200);
  assert.equal(typeof (c.json as Record<string, unknown>).debug, "boolean", "a real config body");
  assert.equal(c.text.includes(hash), false);
  assert.equal(c.text.includes("$2a$"), false);
  const plain = await mgmt(t);
  assert.equal(plain.s.app.config().remoteManagement.secretKey, KEY, "the plaintext key is the running secret");
  const p = await plain.call("GET", "/config");
  assert.equal(p.status, 200);
  assert.equal(typeof (p.json as Record<string, unknown>).debug, "boolean", "a real config body");
  assert.equal(p.text.includes(KEY), false);
});

test("GET and PUT /config.yaml answer 404 config file not found without a file", async (t) => {
  const m = await mgmt(t);
  (m.s.app as { configPath: string | undefined }).configPath = undefined;
  assert.deepEqual(await m.call("GET", "/config.yaml").then((r) => [r.status, r.json]), [
    404,
    { error: "not_found", message: "config file not found" },
  ]);
  assert.equal((await m.call("PUT", "/config.yaml", "debug: true\n")).status, 404);
});

test("round trip: a change PUT to a commented config differs only in the changed lines, and the running proxy serves with it", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 200, {
      id: "msg_1",
      type: "message",
      role: "assistant",
      content: [],
      model: "claude-x",
      usage: { input_tokens: 1, output_tokens: 1 },
    }),
  );
  const m = await mgmt(t);
  const before = m.text();
  assert.equal(
    (
      await m.call(
        "PATCH",
        "/claude-api-key",
        JSON.stringify({ match: "sk-claude-main-0000000000", value: { "base-url": fake.url } }),
      )
    ).status,
    200,
  );
  assert.deepEqual(changedLines(before, m.text()), [
    ["    base-url: https://claude.example   # corporate gateway", `    base-url: ${fake.url}   # corporate gateway`],
  ]);
  const res = await fetch(`${m.s.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "team-key-1", "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
  });
  await res.arrayBuffer();
  assert.ok(fake.requests.length >= 1, "the request reached the new base-url");
  assert.match(JSON.stringify(fake.requests[0].headers), /sk-claude-main-0000000000/);
  assert.equal(parse(m.text())["claude-api-key"][0].weight, 3);
});

test("the config watcher does not apply cliproxy's own write a second time", async (t) => {
  const m = await mgmt(t);
  const watcher = await watchConfig(m.s.app, m.configPath, { debounceMs: 5 });
  t.after(() => watcher.close());
  const seen = once(watcher, "reload") as Promise<[ReloadEvent]>;
  await m.call("PUT", "/request-retry", '{"value":4}');
  const [event] = await seen;
  assert.deepEqual(event, { kind: "skipped", reason: "own-write" });
  assert.equal(m.s.app.config().requestRetry, 4);
});

test("PUT /logging-to-file on a running start() switches the log to main.log through the watcher's own-write event", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-logswitch-"));
  const path = join(dir, "config.yaml");
  writeFileSync(
    path,
    `# logs\nlogging-to-file: false\nremote-management:\n  secret-key: "${VECTOR_HASH}"\nauth-dir: ${join(dir, "auth")}\n`,
  );
  const started = await start({
    configPath: path,
    port: 0,
    homeDir: dir,
    cwd: dir,
    env: { WRITABLE_PATH: dir },
    log: createLogger({ sink: () => undefined }),
  });
  let stopped = false;
  t.after(() => (stopped ? undefined : started.stop(1000)));
  const seen = once(started.watchers!.config!, "reload") as Promise<[ReloadEvent]>;
  const res = await fetch(`${started.url}/v0/management/logging-to-file`, {
    method: "PUT",
    body: '{"value":true}',
    headers: { authorization: "Bearer password" },
  });
  assert.equal(res.status, 200);
  assert.deepEqual((await seen)[0], { kind: "skipped", reason: "own-write" });
  started.app.log.info("after the switch");
  await started.stop(1000);
  stopped = true;
  assert.match(readFileSync(join(dir, "logs", "main.log"), "utf8"), /after the switch/);
});

test("PUT /config.yaml with an example key in api-keys is 422 invalid_config naming the key and changes nothing", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  const running = m.s.app.config();
  const body = `${COMMENTED.replace('"team-key-1"', '"your-api-key-1"')}remote-management:\n  secret-key: "${KEY}"\n`;
  const res = await m.call("PUT", "/config.yaml", body);
  assert.equal(res.status, 422);
  assert.equal(res.json.error, "invalid_config");
  assert.match(res.json.message, /example key "your-api-key-1"/);
  assert.equal(m.text(), before);
  assert.equal(m.s.app.config(), running);
});

test("PUT /config.yaml that drops remote-management.secret-key is 422 would disable the management API, unless MANAGEMENT_PASSWORD is set", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  const running = m.s.app.config();
  for (const body of [COMMENTED, `${COMMENTED}remote-management:\n  secret-key: ""\n`]) {
    const res = await m.call("PUT", "/config.yaml", body);
    assert.equal(res.status, 422);
    assert.equal(res.json.error, "invalid_config");
    assert.match(res.json.message, /would disable the management API; /);
  }
  assert.equal(m.text(), before);
  assert.equal(m.s.app.config(), running);
  assert.equal((await m.call("GET", "/debug")).status, 200, "the admin still gets in");

  const withPassword = await mgmt(t, { env: { MANAGEMENT_PASSWORD: "env-password" } });
  assert.equal((await withPassword.call("PUT", "/config.yaml", COMMENTED + authDirLine(withPassword.dir))).status, 200);
  assert.equal(withPassword.s.app.config().remoteManagement.secretKey, "");
});

test("PUT /config.yaml that repoints auth-dir is 422 and changes nothing: the token-file endpoints keep serving the running auth-dir", async (t) => {
  const m = await mgmt(t);
  mkdirSync(join(m.dir, "auth"), { recursive: true });
  writeFileSync(join(m.dir, "auth", "mine.json"), '{"type":"claude","email":"me@example.com"}');
  const foreign = join(m.dir, "gcloud");
  mkdirSync(foreign);
  writeFileSync(
    join(foreign, "application_default_credentials.json"),
    '{"type":"authorized_user","refresh_token":"foreign-refresh"}',
  );
  const before = m.text();
  const running = m.s.app.config();
  for (const dir of [foreign, "~/.config/gcloud"]) {
    const res = await m.call(
      "PUT",
      "/config.yaml",
      `${COMMENTED}remote-management:\n  secret-key: "${KEY}"\nauth-dir: ${JSON.stringify(dir)}\n`,
    );
    assert.deepEqual(
      [res.status, res.json],
      [
        422,
        {
          error: "invalid_config",
          message: "auth-dir can only be changed in the file, and takes effect after a restart",
        },
      ],
      dir,
    );
  }
  assert.equal(m.text(), before);
  assert.equal(m.s.app.config(), running);
  assert.equal((await m.call("GET", "/auth-files/download?name=mine.json")).status, 200);
  const download = await m.call("GET", "/auth-files/download?name=application_default_credentials.json");
  assert.notEqual(download.status, 200);
  assert.equal(download.text.includes("foreign-refresh"), false);
  assert.equal(
    (
      await m.call(
        "PUT",
        "/config.yaml",
        `${COMMENTED}remote-management:\n  secret-key: "${KEY}"\n${authDirLine(m.dir)}`,
      )
    ).status,
    200,
    "the same auth-dir is accepted",
  );
});
