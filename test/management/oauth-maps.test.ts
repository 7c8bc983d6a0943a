import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { mgmt } from "./setup.js";

const FILE = `# oauth routing
oauth-excluded-models:
  claude:   # no opus on the team account
    - claude-opus-*
  codex:
    - gpt-5-codex
oauth-model-alias:
  claude:
    - name: claude-sonnet-4-5
      alias: sonnet
`;

test("oauth-excluded-models: PATCH one provider in place, an empty list deletes it, DELETE ?provider=, PUT replaces the map", async (t) => {
  const m = await mgmt(t, { file: FILE });
  assert.deepEqual((await m.call("GET", "/oauth-excluded-models")).json, {
    "oauth-excluded-models": { claude: ["claude-opus-*"], codex: ["gpt-5-codex"] },
  });
  const before = m.text();
  await m.call("PATCH", "/oauth-excluded-models", '{"provider":" Claude ","models":["Claude-Opus-*","claude-3-*"]}');
  assert.deepEqual(m.s.app.config().oauthExcludedModels.claude, ["claude-opus-*", "claude-3-*"]);
  assert.match(m.text(), /claude:   # no opus on the team account/);
  assert.equal(m.text().split("\n").length, before.split("\n").length + 1);
  await m.call("PATCH", "/oauth-excluded-models", '{"provider":"codex","models":[]}');
  assert.deepEqual(Object.keys(parse(m.text())["oauth-excluded-models"]), ["claude"]);
  assert.deepEqual(
    await m.call("PATCH", "/oauth-excluded-models", '{"provider":"codex","models":[]}').then((r) => [r.status, r.json]),
    [404, { error: "provider not found" }],
  );
  assert.deepEqual(
    await m.call("PATCH", "/oauth-excluded-models", '{"provider":" ","models":["x"]}').then((r) => [r.status, r.json]),
    [400, { error: "invalid provider" }],
  );
  assert.equal((await m.call("PATCH", "/oauth-excluded-models", '{"models":["x"]}')).status, 400);
  assert.equal((await m.call("DELETE", "/oauth-excluded-models?provider=claude")).status, 200);
  assert.deepEqual(m.s.app.config().oauthExcludedModels, {});
  assert.deepEqual(await m.call("DELETE", "/oauth-excluded-models?provider=claude").then((r) => [r.status, r.json]), [
    404,
    { error: "provider not found" },
  ]);
  assert.deepEqual(await m.call("DELETE", "/oauth-excluded-models").then((r) => [r.status, r.json]), [
    400,
    { error: "missing provider" },
  ]);
  await m.call("PUT", "/oauth-excluded-models", '{"items":{"gemini-cli":["gemini-1.5-*"]}}');
  assert.deepEqual(parse(m.text())["oauth-excluded-models"], { "gemini-cli": ["gemini-1.5-*"] });
  await m.call("PUT", "/oauth-excluded-models", '{"antigravity":["x"]}');
  assert.deepEqual(m.s.app.config().oauthExcludedModels, { antigravity: ["x"] });
  assert.equal((await m.call("PUT", "/oauth-excluded-models", "[1]")).status, 400);
});

test("oauth-model-alias: PATCH by channel or provider, empty aliases delete, DELETE ?channel=, PUT validates like the loader", async (t) => {
  const m = await mgmt(t, { file: FILE });
  assert.deepEqual((await m.call("GET", "/oauth-model-alias")).json, {
    "oauth-model-alias": { claude: [{ name: "claude-sonnet-4-5", alias: "sonnet" }] },
  });
  const before = m.text();
  await m.call(
    "PATCH",
    "/oauth-model-alias",
    '{"channel":"claude","aliases":[{"name":"claude-sonnet-4-5","alias":"fast","fork":true}]}',
  );
  const head = (text: string) => text.split("oauth-model-alias:")[0];
  assert.equal(head(m.text()), head(before), "the other map is untouched");
  assert.deepEqual(parse(m.text())["oauth-model-alias"].claude, [
    { name: "claude-sonnet-4-5", alias: "fast", fork: true },
  ]);
  assert.deepEqual(m.s.app.config().oauthModelAlias.claude, [{ name: "claude-sonnet-4-5", alias: "fast", fork: true }]);
  await m.call("PATCH", "/oauth-model-alias", '{"provider":"codex","aliases":[{"name":"gpt-5","alias":"g5"}]}');
  assert.deepEqual(Object.keys(m.s.app.config().oauthModelAlias), ["claude", "codex"]);
  assert.deepEqual(
    await m.call("PATCH", "/oauth-model-alias", '{"channel":"kimi","aliases":[]}').then((r) => [r.status, r.json]),
    [404, { error: "channel not found" }],
  );
  assert.deepEqual(
    await m.call("PATCH", "/oauth-model-alias", '{"channel":"","aliases":[]}').then((r) => [r.status, r.json]),
    [400, { error: "invalid channel" }],
  );
  assert.equal((await m.call("DELETE", "/oauth-model-alias?provider=codex")).status, 200);
  assert.equal((await m.call("DELETE", "/oauth-model-alias?channel=claude")).status, 200);
  assert.deepEqual(await m.call("DELETE", "/oauth-model-alias").then((r) => [r.status, r.json]), [
    400,
    { error: "missing channel" },
  ]);
  assert.equal((await m.call("DELETE", "/oauth-model-alias?channel=claude")).status, 404);
  assert.equal((await m.call("PUT", "/oauth-model-alias", '{"claude":[1]}')).status, 400);
  await m.call("PUT", "/oauth-model-alias", '{"claude":[{"name":"a","alias":"b"}]}');
  assert.deepEqual(parse(m.text())["oauth-model-alias"], { claude: [{ name: "a", alias: "b" }] });
});
