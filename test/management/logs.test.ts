import { test } from "node:test";
import assert from "node:assert/strict";
import { lineTime, tail } from "../../src/management/logs.js";
import { KEY } from "./setup.js";
import { withTraffic } from "./traffic.js";

test("S-18 GET /logs?limit=5 returns at most 5 lines and latest-timestamp; after= returns only newer lines; no key or token in any line", async (t) => {
  const m = await withTraffic(t);
  await m.send("claude-sonnet-4-5");
  await m.send("claude-sonnet-4-5", "/api/provider/anthropic/v1/messages");
  m.s.app.log.info("a line naming a key", { key: "sk-ant-fake-000001", auth: `Bearer ${KEY}` });
  const last5 = (await m.call("GET", "/logs?limit=5")).json;
  assert.ok(last5.lines.length <= 5 && last5.lines.length > 0);
  assert.ok(last5["line-count"] >= last5.lines.length);
  assert.ok(Math.abs(last5["latest-timestamp"] - Date.now() / 1000) < 60);
  const after = last5["latest-timestamp"];
  const newer = (await m.call("GET", `/logs?after=${after}`)).json;
  for (const line of newer.lines) assert.ok(lineTime(line)! > after, line);
  const all = (await m.call("GET", "/logs")).json.lines.join("\n");
  assert.match(all, /a line naming a key/);
  for (const secret of [KEY, "sk-ant-fake-000001", "amp-default"]) assert.equal(all.includes(secret), false, secret);
  assert.deepEqual(await m.call("GET", "/logs?limit=0").then((r) => [r.status, r.json]), [
    400,
    { error: "limit must be a positive integer" },
  ]);
  assert.equal((await m.call("GET", "/logs?after=soon")).status, 400);
});

test("DELETE /logs forgets the kept lines", async (t) => {
  const m = await withTraffic(t);
  m.s.app.log.info("before clearing");
  assert.deepEqual((await m.call("DELETE", "/logs")).json, {
    success: true,
    message: "Logs cleared successfully",
    removed: 0,
  });
  const lines = (await m.call("GET", "/logs")).json.lines.join("\n");
  assert.doesNotMatch(lines, /before clearing/);
});

test("tail() keeps undated lines with the dated line before them and the last `limit` lines", () => {
  const lines = [
    "2026-01-01T00:00:01.000Z INFO one",
    "  continued one",
    "2026-01-01T00:00:03.000Z INFO three",
    "  continued three",
    "2026-01-01T00:00:05.000Z INFO five",
  ];
  const t1 = Date.parse("2026-01-01T00:00:01Z") / 1000;
  assert.deepEqual(tail(lines, t1, undefined).lines, lines.slice(2));
  assert.deepEqual(tail(lines, undefined, 2).lines, lines.slice(3));
  assert.equal(tail(lines, undefined, undefined).latest, t1 + 4);
  assert.equal(lineTime("no stamp"), undefined);
});
