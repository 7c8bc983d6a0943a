import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startServer } from "../support/server.js";
import { DEFAULT_AMP, makeConfig, type AmpConfig, type Config } from "../../src/config/schema.js";
import { requireManagement, presentedManagementKey } from "../../src/management/auth.js";
import { ampEdits, formatDuration } from "../../src/management/ampcode.js";
import { bcryptHash } from "../../src/management/bcrypt.js";
import { HttpError } from "../../src/server/errors.js";
import type { Ctx } from "../../src/server/handler.js";
import { Lockout } from "../../src/server/lockout.js";

const KEY = "mgmt-secret";

async function setup(
  t: TestContext,
  options: {
    file?: string | false;
    amp?: Partial<AmpConfig>;
    config?: Partial<Config>;
    env?: Record<string, string>;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-mgmt-"));
  let configPath: string | undefined;
  if (options.file !== false) {
    configPath = join(dir, "config.yaml");
    writeFileSync(
      configPath,
      options.file ?? "# my config\nport: 8317\nampcode:\n  upstream-url: https://ampcode.com # keep\n",
    );
  }
  const s = await startServer(
    t,
    {
      remoteManagement: { allowRemote: false, secretKey: KEY, disableControlPanel: false },
      ...options.config,
      ampcode: { ...DEFAULT_AMP, ...options.amp },
    },
    { configPath, env: options.env },
  );
  const call = async (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = { authorization: `Bearer ${KEY}` },
  ) => {
    const res = await fetch(`${s.url}/v0/management${path}`, { method, body, headers });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const file = () => (configPath ? parse(readFileSync(configPath, "utf8")) : undefined);
  return { s, call, file, configPath };
}

test("S-37 key mapping via API: PUT normalises and persists, DELETE validates its body", async (t) => {
  const { call, file } = await setup(t);
  const put = await call(
    "PUT",
    "/ampcode/upstream-api-keys",
    JSON.stringify({ value: [{ "upstream-api-key": "  u1  ", "api-keys": ["  k1  ", "", "k2"] }] }),
  );
  assert.deepEqual([put.status, put.json], [200, { status: "ok" }]);
  assert.deepEqual(file().ampcode["upstream-api-keys"], [{ "upstream-api-key": "u1", "api-keys": ["k1", "k2"] }]);
  assert.deepEqual((await call("GET", "/ampcode")).json.ampcode["upstream-api-keys"], [
    { "upstream-api-key": "u1", "api-keys": ["k1", "k2"] },
  ]);
  assert.deepEqual(await call("DELETE", "/ampcode/upstream-api-keys").then((r) => [r.status, r.json]), [
    400,
    { error: "invalid body" },
  ]);
  assert.deepEqual(
    await call("DELETE", "/ampcode/upstream-api-keys", '{"value":null}').then((r) => [r.status, r.json]),
    [400, { error: "missing value" }],
  );
  assert.deepEqual(
    await call("DELETE", "/ampcode/upstream-api-keys", '{"value":["  "]}').then((r) => [r.status, r.json]),
    [400, { error: "empty value" }],
  );
  assert.equal((await call("DELETE", "/ampcode/upstream-api-keys", '{"value":[]}')).status, 200);
  assert.deepEqual((await call("GET", "/ampcode/upstream-api-keys")).json, { "upstream-api-keys": [] });
  assert.equal("upstream-api-keys" in (await call("GET", "/ampcode")).json.ampcode, false);
});

test("upstream-api-keys PATCH upserts by trimmed key and DELETE removes listed keys", async (t) => {
  const { call } = await setup(t, {
    amp: {
      upstreamApiKeys: [
        { upstreamApiKey: "u1", apiKeys: ["a"] },
        { upstreamApiKey: "u2", apiKeys: ["b"] },
      ],
    },
  });
  await call(
    "PATCH",
    "/ampcode/upstream-api-keys",
    JSON.stringify({
      value: [
        { "upstream-api-key": " u1 ", "api-keys": ["c"] },
        { "upstream-api-key": "u3" },
        { "upstream-api-key": " " },
      ],
    }),
  );
  assert.deepEqual((await call("GET", "/ampcode/upstream-api-keys")).json["upstream-api-keys"], [
    { "upstream-api-key": "u1", "api-keys": ["c"] },
    { "upstream-api-key": "u2", "api-keys": ["b"] },
    { "upstream-api-key": "u3", "api-keys": [] },
  ]);
  await call("DELETE", "/ampcode/upstream-api-keys", '{"value":[" u2 ","nope"]}');
  assert.deepEqual(
    (await call("GET", "/ampcode/upstream-api-keys")).json["upstream-api-keys"].map((e: any) => e["upstream-api-key"]),
    ["u1", "u3"],
  );
  assert.equal((await call("PUT", "/ampcode/upstream-api-keys", '{"value":[1]}')).status, 400);
  assert.equal((await call("PUT", "/ampcode/upstream-api-keys", '{"value":{}}')).status, 400);
  assert.equal((await call("DELETE", "/ampcode/upstream-api-keys", '{"value":[1]}')).status, 400);
});

test("S-38 mapping workflow: PUT, PATCH and DELETE leave exactly the expected mappings", async (t) => {
  const { call, file } = await setup(t);
  const m = (from: string, to: string) => ({ from, to });
  assert.equal(
    (
      await call(
        "PUT",
        "/ampcode/model-mappings",
        JSON.stringify({ value: [m("m1", "t1"), m("m2", "t2"), m("m3", "t3"), m("m4", "t4")] }),
      )
    ).status,
    200,
  );
  await call("PATCH", "/ampcode/model-mappings", JSON.stringify({ value: [m("m2", "t2-updated"), m("m5", "t5")] }));
  await call("DELETE", "/ampcode/model-mappings", JSON.stringify({ value: ["m1", "m3"] }));
  const want = [m("m2", "t2-updated"), m("m4", "t4"), m("m5", "t5")];
  assert.deepEqual((await call("GET", "/ampcode/model-mappings")).json, { "model-mappings": want });
  assert.deepEqual(file().ampcode["model-mappings"], want);
  await call("PUT", "/ampcode/model-mappings", '{"value":[]}');
  assert.deepEqual((await call("GET", "/ampcode/model-mappings")).json, { "model-mappings": [] });
});

test("model-mappings keeps regex, rejects PUT {} and malformed DELETE (N16), and clears on empty DELETE", async (t) => {
  const { call } = await setup(t, { amp: { modelMappings: [{ from: "a", to: "b", regex: false }] } });
  for (const body of ["{}", '{"value":null}', "nope", '{"value":[{"from":1}]}', '{"value":["x"]}']) {
    assert.deepEqual(
      await call("PUT", "/ampcode/model-mappings", body).then((r) => [r.status, r.json]),
      [400, { error: "invalid body" }],
      body,
    );
  }
  assert.equal((await call("DELETE", "/ampcode/model-mappings", "{bad")).status, 400);
  assert.equal((await call("DELETE", "/ampcode/model-mappings", '{"value":[1]}')).status, 400);
  assert.equal((await call("DELETE", "/ampcode/model-mappings", "[]")).status, 400);
  assert.deepEqual((await call("GET", "/ampcode/model-mappings")).json["model-mappings"], [{ from: "a", to: "b" }]);
  await call("PATCH", "/ampcode/model-mappings", '{"value":[{"from":"^x","to":"y","regex":true}]}');
  assert.deepEqual((await call("GET", "/ampcode/model-mappings")).json["model-mappings"][1], {
    from: "^x",
    to: "y",
    regex: true,
  });
  for (const body of [undefined, "{}", '{"value":[]}']) {
    await call("PUT", "/ampcode/model-mappings", '{"value":[{"from":"a","to":"b"}]}');
    assert.equal((await call("DELETE", "/ampcode/model-mappings", body)).status, 200);
    assert.deepEqual((await call("GET", "/ampcode/model-mappings")).json["model-mappings"], [], String(body));
  }
});

test("S-39 scalar fields: bool and string setters, DELETE empties, and the prioritize alias", async (t) => {
  const { call, file } = await setup(t, { file: "ampcode:\n  prioritize-model-mappings: true\n" });
  assert.deepEqual(await call("PUT", "/ampcode/force-model-mappings", "{}").then((r) => [r.status, r.json]), [
    400,
    { error: "invalid body" },
  ]);
  assert.equal((await call("PUT", "/ampcode/force-model-mappings", '{"value":"yes"}')).status, 400);
  assert.equal((await call("PUT", "/ampcode/force-model-mappings", '{"value":true}')).status, 200);
  assert.deepEqual((await call("GET", "/ampcode/force-model-mappings")).json, { "force-model-mappings": true });
  assert.deepEqual(file().ampcode, { "force-model-mappings": true });
  await call("PATCH", "/ampcode/upstream-url", '{"value":" https://x.example "}');
  assert.deepEqual((await call("GET", "/ampcode/upstream-url")).json, { "upstream-url": "https://x.example" });
  await call("PUT", "/ampcode/upstream-api-key", '{"value":"k"}');
  assert.equal((await call("DELETE", "/ampcode/upstream-api-key")).status, 200);
  assert.deepEqual((await call("GET", "/ampcode/upstream-api-key")).json, { "upstream-api-key": "" });
  await call("DELETE", "/ampcode/upstream-url");
  assert.deepEqual((await call("GET", "/ampcode/upstream-url")).json, { "upstream-url": "" });
  assert.equal((await call("PUT", "/prioritize-model-mappings", '{"value":false}')).status, 200);
  assert.deepEqual((await call("GET", "/ampcode/force-model-mappings")).json, { "force-model-mappings": false });
  assert.deepEqual((await call("GET", "/prioritize-model-mappings")).json, { "prioritize-model-mappings": false });
  await call("PUT", "/ampcode/restrict-management-to-localhost", '{"value":true}');
  assert.deepEqual((await call("GET", "/ampcode/restrict-management-to-localhost")).json, {
    "restrict-management-to-localhost": true,
  });
  assert.equal((await call("PUT", "/ampcode/model-fallback", '{"value":"never"}')).status, 400);
  await call("PUT", "/ampcode/model-fallback", '{"value":"deny"}');
  assert.deepEqual((await call("GET", "/ampcode/model-fallback")).json, { "model-fallback": "deny" });
  assert.equal(file().ampcode["model-fallback"], "deny");
});

test("GET /ampcode shows effective defaults when nothing is configured (MG-3, N15)", async (t) => {
  const { call } = await setup(t);
  assert.deepEqual((await call("GET", "/ampcode")).json, {
    ampcode: {
      "upstream-url": "https://ampcode.com",
      "upstream-api-key": "",
      "restrict-management-to-localhost": false,
      "model-mappings": [],
      "force-model-mappings": false,
      "model-fallback": "upstream",
      "upstream-timeout": "10m",
    },
  });
});

test("a change is applied in memory and persisted without touching other lines", async (t) => {
  const { s, call, configPath } = await setup(t);
  await call("PUT", "/ampcode/force-model-mappings", '{"value":true}');
  assert.equal(s.app.config().ampcode.forceModelMappings, true);
  const text = readFileSync(configPath!, "utf8");
  assert.match(text, /^# my config\nport: 8317\nampcode:\n  upstream-url: https:\/\/ampcode.com # keep\n/);
});

test("a save moves legacy amp-* keys under ampcode and removes them from the file (CFG-10)", async (t) => {
  const { call, file } = await setup(t, {
    file: "amp-upstream-url: https://legacy.example\nport: 8317\n",
    amp: { upstreamUrl: "https://legacy.example" },
  });
  await call("PUT", "/ampcode/model-fallback", '{"value":"deny"}');
  const doc = file();
  assert.equal(doc["amp-upstream-url"], undefined);
  assert.equal(doc.port, 8317);
  assert.equal(doc.ampcode["upstream-url"], "https://legacy.example");
  assert.equal(doc.ampcode["model-fallback"], "deny");
});

test("a failed save answers 500 and rolls the in-memory change back (N14)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-mgmt-"));
  const s = await startServer(
    t,
    { remoteManagement: { allowRemote: false, secretKey: KEY, disableControlPanel: false } },
    { configPath: join(dir, "missing-dir", "config.yaml") },
  );
  const res = await fetch(`${s.url}/v0/management/ampcode/force-model-mappings`, {
    method: "PUT",
    body: '{"value":true}',
    headers: { authorization: `Bearer ${KEY}` },
  });
  assert.equal(res.status, 500);
  assert.match(((await res.json()) as any).error, /^failed to save config: /);
  assert.equal(s.app.config().ampcode.forceModelMappings, false);
});

test("without a config file a change is applied in memory, answered 200 and logged as not persisted", async (t) => {
  const { s, call } = await setup(t, { file: false });
  assert.equal((await call("PUT", "/ampcode/upstream-api-key", '{"value":"x"}')).status, 200);
  assert.equal(s.app.config().ampcode.upstreamApiKey, "x");
  assert.ok(s.logs.some((l) => l.includes("not persisted")));
});

test("ampEdits() moves legacy keys under ampcode and drops the old force name", () => {
  const amp = { ...DEFAULT_AMP, upstreamUrl: "https://u", forceModelMappings: true };
  const edits = ampEdits(
    amp,
    ["model-fallback"],
    "amp-upstream-url: https://u\nampcode:\n  prioritize-model-mappings: true\n",
  );
  assert.deepEqual(
    edits.map((e) => [e.path.join("."), e.value]),
    [
      ["ampcode.model-fallback", "upstream"],
      ["ampcode.upstream-url", "https://u"],
      ["ampcode.upstream-api-key", ""],
      ["ampcode.restrict-management-to-localhost", false],
      ["ampcode.model-mappings", []],
      ["ampcode.force-model-mappings", true],
      ["amp-upstream-url", undefined],
      ["amp-upstream-api-key", undefined],
      ["amp-restrict-management-to-localhost", undefined],
      ["amp-model-mappings", undefined],
      ["ampcode.prioritize-model-mappings", undefined],
    ],
  );
  assert.deepEqual(formatDuration(90_000), "90s");
  assert.deepEqual([formatDuration(3_600_000), formatDuration(250), formatDuration(0)], ["1h", "250ms", "0ms"]);
});

test("S-41 fallback denied: explain describes the decision without sending anything", async (t) => {
  const { call } = await setup(t, { amp: { modelFallback: "deny" } });
  const r = await call("GET", "/ampcode/explain?model=claude-opus-9");
  assert.equal(r.status, 200);
  assert.equal(r.json.route_type, "FALLBACK_DENIED");
  assert.equal(r.json.requested_model, "claude-opus-9");
  assert.match(r.json.reason, /ampcode\.model-fallback is deny/);
  assert.deepEqual(await call("GET", "/ampcode/explain").then((x) => x.status), 400);
});

test("management auth: 404 with an empty body without a secret, 401 without or with a wrong key", async (t) => {
  const off = await startServer(t, {});
  const res = await fetch(`${off.url}/v0/management/ampcode`);
  assert.deepEqual([res.status, await res.text()], [404, ""]);
  const { call } = await setup(t);
  assert.deepEqual(await call("GET", "/ampcode", undefined, {}).then((r) => [r.status, r.json]), [
    401,
    { error: "missing management key" },
  ]);
  assert.deepEqual(
    await call("GET", "/ampcode", undefined, { authorization: "Bearer nope" }).then((r) => [r.status, r.json]),
    [401, { error: "invalid management key" }],
  );
  assert.equal((await call("GET", "/ampcode", undefined, { "x-management-key": KEY })).status, 200);
  assert.equal((await call("GET", "/ampcode", undefined, { authorization: KEY })).status, 200);
});

test("management auth: MANAGEMENT_PASSWORD alone enables the API, and a bcrypt secret verifies", async (t) => {
  const env = await setup(t, {
    config: { remoteManagement: { allowRemote: false, secretKey: "", disableControlPanel: false } },
    env: { MANAGEMENT_PASSWORD: "envpw" },
  });
  assert.equal((await env.call("GET", "/ampcode", undefined, { authorization: "Bearer envpw" })).status, 200);
  assert.equal((await env.call("GET", "/ampcode", undefined, { authorization: `Bearer ${KEY}` })).status, 401);
  const both = await setup(t, { env: { MANAGEMENT_PASSWORD: "envpw" } });
  assert.equal((await both.call("GET", "/ampcode", undefined, { authorization: "Bearer envpw" })).status, 200);
  assert.equal((await both.call("GET", "/ampcode", undefined, { authorization: `Bearer ${KEY}` })).status, 200);
  assert.equal((await both.call("GET", "/ampcode", undefined, { authorization: "Bearer neither" })).status, 401);
  const hashed = await setup(t, {
    config: { remoteManagement: { allowRemote: false, secretKey: bcryptHash("pw", 4), disableControlPanel: false } },
  });
  assert.equal((await hashed.call("GET", "/ampcode", undefined, { authorization: "Bearer pw" })).status, 200);
  assert.equal((await hashed.call("GET", "/ampcode", undefined, { authorization: "Bearer pw" })).status, 200);
  assert.equal((await hashed.call("GET", "/ampcode", undefined, { authorization: "Bearer px" })).status, 401);
});

test("requireManagement() refuses remote peers unless allow-remote or MANAGEMENT_PASSWORD", async () => {
  const ctx = (peer: string, allowRemote: boolean, env: Record<string, string> = {}) =>
    ({
      peer,
      config: makeConfig({ remoteManagement: { allowRemote, secretKey: KEY, disableControlPanel: false } }),
      app: { env, version: "t", clock: { now: () => 0 }, managementLockout: new Lockout(() => 0) },
      res: { setHeader: () => undefined },
    }) as unknown as Ctx;
  const req = { headers: { authorization: `Bearer ${KEY}` } } as any;
  let reached = 0;
  const h = requireManagement(async () => void reached++);
  await assert.rejects(
    h(req, ctx("10.0.0.1", false)),
    (e: unknown) => e instanceof HttpError && e.status === 403 && e.message === "remote management disabled",
  );
  await h(req, ctx("10.0.0.1", true));
  await h({ headers: { authorization: "Bearer e" } } as any, ctx("10.0.0.1", false, { MANAGEMENT_PASSWORD: "e" }));
  await h(req, ctx("::ffff:127.0.0.1", false));
  assert.equal(reached, 3);
});

test("presentedManagementKey() follows the extraction rules", () => {
  assert.equal(presentedManagementKey({ headers: { authorization: "bearer  k " } } as any), "k");
  assert.equal(
    presentedManagementKey({ headers: { authorization: "Basic x", "x-management-key": "y" } } as any),
    "Basic x",
  );
  assert.equal(presentedManagementKey({ headers: { "x-management-key": " y " } } as any), "y");
  assert.equal(presentedManagementKey({ headers: {} } as any), undefined);
});
