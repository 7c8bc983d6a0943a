import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { parse } from "yaml";
import { changedLines, mgmt } from "./setup.js";

test("S-10 api-keys: PUT [a,b]; PATCH {old:x,new:c} appends c; DELETE ?value=a leaves [b,c]", async (t) => {
  const m = await mgmt(t);
  assert.deepEqual((await m.call("PUT", "/api-keys", '["a","b"]')).json, { status: "ok" });
  await m.call("PATCH", "/api-keys", '{"old":"x","new":"c"}');
  await m.call("DELETE", "/api-keys?value=a");
  assert.deepEqual((await m.call("GET", "/api-keys")).json, { "api-keys": ["b", "c"] });
  assert.deepEqual(parse(m.text())["api-keys"], ["b", "c"]);
  assert.deepEqual(m.s.app.config().apiKeys, ["b", "c"]);
});

test("api-keys PATCH by index or old value edits one line in place; the new key works at once", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  await m.call("PATCH", "/api-keys", '{"index":1,"value":"team-key-9"}');
  assert.deepEqual(changedLines(before, m.text()), [["  - 'team-key-2'   # bob", "  - 'team-key-9'   # bob"]]);
  await m.call("PATCH", "/api-keys", '{"old":"team-key-1","new":"team-key-8"}');
  assert.deepEqual(m.s.app.config().apiKeys, ["team-key-8", "team-key-9"]);
  assert.equal((await fetch(`${m.s.url}/v1/models`, { headers: { authorization: "Bearer team-key-8" } })).status, 200);
  assert.equal((await fetch(`${m.s.url}/v1/models`, { headers: { authorization: "Bearer team-key-1" } })).status, 401);
  assert.match(m.text(), /# alice/);
});

test("api-keys: PUT takes {items}, drops blanks; bad bodies and selectors are 400 with upstream's messages", async (t) => {
  const m = await mgmt(t);
  await m.call("PUT", "/api-keys", '{"items":[" k1 ","", "k2"]}');
  assert.deepEqual(m.s.app.config().apiKeys, ["k1", "k2"]);
  assert.deepEqual(await m.call("PUT", "/api-keys", '{"items":[]}').then((r) => [r.status, r.json]), [
    400,
    { error: "invalid body" },
  ]);
  assert.equal((await m.call("PUT", "/api-keys", "[1]")).status, 400);
  assert.deepEqual(await m.call("PATCH", "/api-keys", '{"index":0}').then((r) => [r.status, r.json]), [
    400,
    { error: "missing fields" },
  ]);
  assert.equal((await m.call("PATCH", "/api-keys", "[]")).status, 400);
  assert.deepEqual(await m.call("DELETE", "/api-keys").then((r) => [r.status, r.json]), [
    400,
    { error: "missing index or value" },
  ]);
  assert.equal((await m.call("DELETE", "/api-keys?index=7")).status, 400);
  assert.equal((await m.call("DELETE", "/api-keys?value=absent")).status, 200);
  await m.call("DELETE", "/api-keys?index=0");
  assert.deepEqual(m.s.app.config().apiKeys, ["k2"]);
});

test("S-17 ten concurrent PATCH appends are all kept; the file parses and no temp file is left", async (t) => {
  const m = await mgmt(t);
  const keys = Array.from({ length: 10 }, (_, i) => `new-${i}`);
  const answers = await Promise.all(
    keys.map((k) => m.call("PATCH", "/api-keys", JSON.stringify({ old: `absent-${k}`, new: k }))),
  );
  assert.ok(answers.every((a) => a.status === 200));
  const inFile: string[] = parse(m.text())["api-keys"];
  assert.deepEqual([...inFile].sort(), ["team-key-1", "team-key-2", ...keys].sort());
  assert.deepEqual([...m.s.app.config().apiKeys].sort(), [...inFile].sort());
  assert.deepEqual(
    readdirSync(m.dir).filter((f) => f.includes(".tmp")),
    [],
  );
});

test("api-keys: a PUT or PATCH that would add an example key is 422 invalid_config naming it and changes nothing", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  const running = m.s.app.config();
  const writes: Array<[string, string]> = [
    ["PUT", '["mine","your-api-key-1"]'],
    ["PATCH", '{"index":0,"value":"your-api-key-2"}'],
    ["PATCH", '{"old":"absent","new":" your-api-key-3 "}'],
  ];
  for (const [method, body] of writes) {
    const res = await m.call(method, "/api-keys", body);
    assert.equal(res.status, 422, body);
    assert.equal(res.json.error, "invalid_config");
    assert.match(res.json.message, /example key "your-api-key-\d"/);
  }
  assert.equal(m.text(), before);
  assert.equal(m.s.app.config(), running);
});
