import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { changedLines, mgmt } from "./setup.js";

const SHARED = `# shared keys
claude-api-key:
  - api-key: shared-key-000000   # first
    base-url: https://a.example
  - api-key: shared-key-000000   # second
    base-url: https://b.example
  - api-key: other-key-0000000
`;

test("S-11 claude-api-key: PATCH by match updates base-url; DELETE by a shared api-key needs base-url, and with it removes one", async (t) => {
  const m = await mgmt(t, { file: SHARED });
  const before = m.text();
  assert.equal(
    (
      await m.call(
        "PATCH",
        "/claude-api-key",
        JSON.stringify({ match: "other-key-0000000", value: { "base-url": "https://c.example" } }),
      )
    ).status,
    200,
  );
  assert.equal(m.s.app.config().claudeApiKey[2].baseUrl, "https://c.example");
  assert.equal(m.text(), before + '    base-url: "https://c.example"\n');
  const ambiguous = await m.call("DELETE", "/claude-api-key?api-key=shared-key-000000");
  assert.deepEqual(
    [ambiguous.status, ambiguous.json],
    [400, { error: "multiple items match api-key; base-url is required" }],
  );
  assert.equal(
    (
      await m.call(
        "DELETE",
        `/claude-api-key?api-key=shared-key-000000&base-url=${encodeURIComponent("https://b.example")}`,
      )
    ).status,
    200,
  );
  assert.deepEqual(
    m.s.app.config().claudeApiKey.map((k) => k.baseUrl),
    ["https://a.example", "https://c.example"],
  );
  assert.doesNotMatch(m.text(), /# second/);
  assert.match(m.text(), /# first/);
  assert.deepEqual(await m.call("DELETE", "/claude-api-key?api-key=nope").then((r) => [r.status, r.json]), [
    404,
    { error: "item not found" },
  ]);
  assert.deepEqual(await m.call("DELETE", "/claude-api-key").then((r) => [r.status, r.json]), [
    400,
    { error: "missing api-key or index" },
  ]);
});

test("GET of a provider list shows YAML fields and each entry's auth-index", async (t) => {
  const m = await mgmt(t);
  const list = (await m.call("GET", "/claude-api-key")).json["claude-api-key"];
  assert.equal(list.length, 2);
  assert.equal(list[0]["api-key"], "sk-claude-main-0000000000");
  assert.equal(list[0]["base-url"], "https://claude.example");
  assert.match(list[0]["auth-index"], /^[0-9a-f]{16}$/);
  assert.notEqual(list[0]["auth-index"], list[1]["auth-index"]);
});

test("PUT of a provider list keeps unchanged entries' lines (and unknown keys) and normalises like the loader", async (t) => {
  const m = await mgmt(t);
  const current = (await m.call("GET", "/claude-api-key")).json["claude-api-key"];
  const before = m.text();
  const next = [current[0], { ...current[1], prefix: "/spare/", priority: 2 }];
  assert.equal((await m.call("PUT", "/claude-api-key", JSON.stringify(next))).status, 200);
  const changed = changedLines(
    before,
    m
      .text()
      .split("\n")
      .filter((l) => !/^    (prefix|priority):/.test(l))
      .join("\n"),
  );
  assert.deepEqual(changed, []);
  assert.equal(parse(m.text())["claude-api-key"][0].weight, 3);
  assert.deepEqual(
    m.s.app.config().claudeApiKey.map((k) => [k.prefix, k.priority]),
    [
      ["", 0],
      ["spare", 2],
    ],
  );
  assert.equal((await m.call("PUT", "/claude-api-key", '[{"api-key":"k","priority":"high"}]')).status, 400);
  assert.equal((await m.call("PUT", "/claude-api-key", "[1]")).status, 400);
});

test("codex entries without base-url are dropped; vertex entries need an api-key; gemini PATCH with an empty api-key deletes", async (t) => {
  const m = await mgmt(t);
  await m.call("PUT", "/codex-api-key", '[{"api-key":"cx-1"},{"api-key":"cx-2","base-url":"https://codex.example"}]');
  assert.deepEqual(
    m.s.app.config().codexApiKey.map((k) => k.apiKey),
    ["cx-2"],
  );
  assert.deepEqual(
    await m
      .call("PUT", "/vertex-api-key", '[{"api-key":"v1"},{"base-url":"https://v"}]')
      .then((r) => [r.status, r.json]),
    [400, { error: "vertex-api-key[1].api-key is required" }],
  );
  assert.equal(
    (await m.call("PUT", "/vertex-api-key", '{"items":[{"api-key":"v1","models":[{"name":"gemini-x","alias":"gx"}]}]}'))
      .status,
    200,
  );
  assert.equal(m.s.app.config().vertexApiKey[0].models[0].alias, "gx");
  await m.call("PUT", "/gemini-api-key", '[{"api-key":"g1"},{"api-key":"g2"}]');
  await m.call("PATCH", "/gemini-api-key", '{"index":0,"value":{"api-key":""}}');
  assert.deepEqual(
    m.s.app.config().geminiApiKey.map((k) => k.apiKey),
    ["g2"],
  );
  assert.deepEqual(parse(m.text())["gemini-api-key"], [{ "api-key": "g2" }]);
  assert.deepEqual(await m.call("PATCH", "/gemini-api-key", '{"index":5,"value":{}}').then((r) => [r.status, r.json]), [
    404,
    { error: "item not found" },
  ]);
  assert.equal((await m.call("PATCH", "/gemini-api-key", '{"value":{}}')).status, 400);
  await m.call(
    "PATCH",
    "/codex-api-key",
    '{"match":"cx-2","value":{"websockets":true,"headers":{"x-team":"a"},"prefix":null}}',
  );
  assert.deepEqual(
    [m.s.app.config().codexApiKey[0].websockets, m.s.app.config().codexApiKey[0].headers],
    [true, { "x-team": "a" }],
  );
  assert.equal((await m.call("DELETE", "/codex-api-key?index=0")).status, 200);
  assert.deepEqual(parse(m.text())["codex-api-key"], []);
});

test("openai-compatibility: PUT, PATCH by name, an empty base-url deletes, DELETE by name or index", async (t) => {
  const m = await mgmt(t);
  const entry = (name: string) => ({
    name,
    "base-url": `https://${name}.example/v1`,
    "api-key-entries": [{ "api-key": `${name}-key` }],
    models: [{ name: "m1", alias: "a1" }],
  });
  assert.equal(
    (await m.call("PUT", "/openai-compatibility", JSON.stringify([entry("one"), entry("two"), entry("three")]))).status,
    200,
  );
  await m.call("PATCH", "/openai-compatibility", '{"name":"TWO","value":{"prefix":"t","disabled":true}}');
  assert.deepEqual(
    [m.s.app.config().openaiCompatibility[1].prefix, m.s.app.config().openaiCompatibility[1].disabled],
    ["t", true],
  );
  await m.call("PATCH", "/openai-compatibility", '{"index":0,"value":{"base-url":""}}');
  assert.deepEqual(
    m.s.app.config().openaiCompatibility.map((c) => c.name),
    ["two", "three"],
  );
  assert.equal((await m.call("DELETE", "/openai-compatibility?name=three")).status, 200);
  assert.deepEqual(await m.call("DELETE", "/openai-compatibility").then((r) => [r.status, r.json]), [
    400,
    { error: "missing name or index" },
  ]);
  assert.equal((await m.call("DELETE", "/openai-compatibility?name=zzz")).status, 404);
  assert.deepEqual(
    (await m.call("GET", "/openai-compatibility")).json["openai-compatibility"].map((c: any) => c.name),
    ["two"],
  );
  assert.deepEqual(
    parse(m.text())["openai-compatibility"].map((c: any) => c.name),
    ["two"],
  );
  assert.equal((await m.call("DELETE", "/openai-compatibility?index=0")).status, 200);
  assert.deepEqual(m.s.app.config().openaiCompatibility, []);
});
