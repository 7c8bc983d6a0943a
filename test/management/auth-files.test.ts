import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerF } from "../amp/routing-setup.js";
import { startFake } from "../support/fake-upstream.js";
import { startOAuth } from "../../src/providers/oauth-pool.js";
import { formatTime } from "../../src/oauth/store.js";
import { checkName } from "../../src/management/auth-files.js";
import { boundaryOf, fileParts } from "../../src/management/multipart.js";
import { HttpError } from "../../src/server/errors.js";
import { KEY, mgmt } from "./setup.js";

const TOKEN = "sk-ant-oat01-management-test-token";

function multipart(files: Array<[string, string]>): { body: string; type: string } {
  const b = "----cliproxy-test-boundary";
  const body =
    files
      .map(
        ([name, text], i) =>
          `--${b}\r\nContent-Disposition: form-data; name="file${i}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n${text}\r\n`,
      )
      .join("") + `--${b}\r\nContent-Disposition: form-data; name="note"\r\n\r\nnot a file\r\n--${b}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${b}` };
}

async function withOAuth(t: TestContext) {
  const F = await startFake(t, answerF);
  const m = await mgmt(t, { config: { apiKeys: ["ck-1"], usageStatisticsEnabled: true } });
  mkdirSync(m.s.app.config().authDir, { recursive: true });
  const rt = await startOAuth(m.s.app, { background: false });
  t.after(() => rt.stop());
  const token = JSON.stringify({
    type: "claude",
    access_token: TOKEN,
    email: "u@example.com",
    expired: formatTime(Date.now() + 8 * 3600_000),
    base_url: F.url,
  });
  const send = async () => {
    const res = await fetch(`${m.s.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: "Bearer ck-1", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
    });
    await res.arrayBuffer();
    return res.status;
  };
  return { m, F, token, send };
}

test("S-13 multipart upload of a valid file and a .txt: 207 with one failure; the file is 0600 and serves; DELETE ?name= removes it from disk and memory", async (t) => {
  const { m, F, token, send } = await withOAuth(t);
  const { body, type } = multipart([
    ["claude-u.json", token],
    ["notes.txt", "{}"],
  ]);
  const up = await m.call("POST", "/auth-files", body, { authorization: `Bearer ${KEY}`, "content-type": type });
  assert.equal(up.status, 207);
  assert.deepEqual(up.json, {
    status: "partial",
    error: "file must be .json",
    uploaded: 1,
    files: ["claude-u.json"],
    failed: [{ name: "notes.txt", error: "file must be .json" }],
  });
  const path = join(m.s.app.config().authDir, "claude-u.json");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(await send(), 200);
  assert.equal(F.requests.at(-1)!.headers.authorization, `Bearer ${TOKEN}`);
  const listed = (await m.call("GET", "/auth-files")).json.files;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].name, "claude-u.json");
  assert.equal(listed[0].success, 1);
  assert.equal(JSON.stringify(listed).includes(TOKEN), false, "S-19: the list never shows a token");
  const models = (await m.call("GET", "/auth-files/models?name=claude-u.json")).json.models;
  assert.ok(
    models.some((x: any) => x.id === "claude-sonnet-4-5" && x.type === "claude"),
    JSON.stringify(models),
  );
  assert.deepEqual((await m.call("DELETE", "/auth-files?name=claude-u.json")).json, { status: "ok" });
  assert.deepEqual(await m.call("GET", "/auth-files/models?name=claude-u.json").then((r) => [r.status, r.json]), [
    404,
    { error: "auth file not found" },
  ]);
  assert.equal(existsSync(path), false);
  assert.notEqual(await send(), 200);
  assert.deepEqual(await m.call("DELETE", "/auth-files?name=claude-u.json").then((r) => [r.status, r.json]), [
    404,
    { error: "auth file not found" },
  ]);
});

test("S-14 PATCH /auth-files/status disables a file on disk and in the pool; false restores it", async (t) => {
  const { m, token, send } = await withOAuth(t);
  assert.deepEqual((await m.call("POST", "/auth-files?name=claude-u.json", token)).json, { status: "ok" });
  assert.equal(await send(), 200);
  assert.deepEqual((await m.call("PATCH", "/auth-files/status", '{"name":"claude-u.json","disabled":true}')).json, {
    status: "ok",
    disabled: true,
  });
  const path = join(m.s.app.config().authDir, "claude-u.json");
  assert.equal(JSON.parse(readFileSync(path, "utf8")).disabled, true);
  assert.notEqual(await send(), 200);
  assert.equal((await m.call("GET", "/auth-files")).json.files[0].status, "disabled");
  await m.call("PATCH", "/auth-files/status", '{"name":"claude-u.json","disabled":false}');
  assert.equal(await send(), 200);
  assert.deepEqual(await m.call("PATCH", "/auth-files/status", '{"disabled":true}').then((r) => [r.status, r.json]), [
    400,
    { error: "name is required" },
  ]);
  assert.deepEqual(
    await m.call("PATCH", "/auth-files/status", '{"name":"claude-u.json"}').then((r) => [r.status, r.json]),
    [400, { error: "disabled is required" }],
  );
  assert.equal((await m.call("PATCH", "/auth-files/status", '{"name":"none.json","disabled":true}')).status, 404);
});

test("uploads must be JSON objects with a known type; download returns the bytes; delete takes several names or all", async (t) => {
  const m = await mgmt(t);
  const dir = m.s.app.config().authDir;
  assert.equal((await m.call("POST", "/auth-files?name=a.json", "{nope")).status, 400);
  assert.match(
    (await m.call("POST", "/auth-files?name=a.json", '{"type":"martian"}')).json.error,
    /unknown auth file type/,
  );
  assert.equal((await m.call("POST", "/auth-files?name=a.json", "[1]")).status, 400);
  assert.equal(
    (await m.call("POST", "/auth-files?name=../../etc/a.json", '{"type":"codex"}')).status,
    200,
    "reduced to its base name",
  );
  assert.equal(existsSync(join(dir, "a.json")), true);
  const two = multipart([
    ["b.json", '{"type":"codex"}'],
    ["c.json", '{"type":"gemini","project_id":"p1"}'],
  ]);
  assert.deepEqual(
    (await m.call("POST", "/auth-files", two.body, { authorization: `Bearer ${KEY}`, "content-type": two.type })).json,
    { status: "ok", uploaded: 2, files: ["b.json", "c.json"] },
  );
  const dl = await m.call("GET", "/auth-files/download?name=b.json");
  assert.equal(dl.text, readFileSync(join(dir, "b.json"), "utf8"));
  assert.equal(dl.headers.get("content-disposition"), 'attachment; filename="b.json"');
  assert.deepEqual(await m.call("GET", "/auth-files/download?name=..%2Fx.json").then((r) => [r.status, r.json]), [
    400,
    { error: "invalid name" },
  ]);
  assert.equal((await m.call("GET", "/auth-files/download?name=x.txt")).status, 400);
  assert.equal((await m.call("GET", "/auth-files/download?name=x.json")).status, 404);
  assert.deepEqual(
    (await m.call("GET", "/auth-files")).json.files.map((f: any) => [f.name, f.type, f.status]),
    [
      ["a.json", "codex", "active"],
      ["b.json", "codex", "active"],
      ["c.json", "gemini", "active"],
    ],
  );
  assert.deepEqual((await m.call("DELETE", "/auth-files", '{"names":["a.json","zz.json"]}')).json, {
    status: "partial",
    deleted: 1,
    files: ["a.json"],
    failed: [{ name: "zz.json", error: "auth file not found" }],
  });
  writeFileSync(join(dir, "d.json"), '{"type":"codex"}');
  assert.deepEqual((await m.call("DELETE", "/auth-files", '["b.json","d.json"]')).json, {
    status: "ok",
    deleted: 2,
    files: ["b.json", "d.json"],
  });
  assert.deepEqual((await m.call("DELETE", "/auth-files?all=true")).json, { status: "ok", deleted: 1 });
  assert.deepEqual((await m.call("GET", "/auth-files")).json, { files: [] });
  assert.deepEqual(await m.call("DELETE", "/auth-files").then((r) => [r.status, r.json]), [
    400,
    { error: "name is required" },
  ]);
  const empty = multipart([]);
  assert.equal(
    (await m.call("POST", "/auth-files", empty.body, { authorization: `Bearer ${KEY}`, "content-type": empty.type }))
      .status,
    400,
  );
  assert.equal(
    (
      await m.call("POST", "/auth-files", "garbage", {
        authorization: `Bearer ${KEY}`,
        "content-type": "multipart/form-data; boundary=zz",
      })
    ).status,
    400,
  );
});

test("checkName() and the multipart reader refuse what they cannot handle", () => {
  assert.equal(checkName("C:\\x\\a.json", true), "a.json");
  for (const bad of ["", "a/b.json", ".hidden.json", "C:a.json"]) assert.throws(() => checkName(bad), HttpError, bad);
  assert.equal(boundaryOf('multipart/form-data; boundary="q b"'), "q b");
  assert.equal(boundaryOf("application/json"), undefined);
  assert.equal(boundaryOf(undefined), undefined);
  assert.throws(() => fileParts(Buffer.from("--b\r\nContent-Disposition: form-data; name=x"), "b"), /cut short/);
});

test('checkName() refuses control characters, " * ? < > | :, names not ending in lowercase .json and anything safeSegment would change: 400 with a clear message, never a 500', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ["a\nb.json", /^invalid name: control characters are not allowed$/],
    ["a.json\r\n", /^invalid name: control characters are not allowed$/],
    ["a\u0000.json", /^invalid name: control characters are not allowed$/],
    ["a\u007f.json", /^invalid name: control characters are not allowed$/],
    ['a".json', /^invalid name "a\\".json": the characters/],
    ["a*.json", /the characters " \* \? < > \| : are not allowed$/],
    ["a?.json", /are not allowed$/],
    ["a<b>.json", /are not allowed$/],
    ["a|b.json", /are not allowed$/],
    ["ab:c.json", /are not allowed$/],
    ["A.JSON", /^file must be \.json$/],
    ["a.Json", /^file must be \.json$/],
    ["a..b.json", /^invalid name "a\.\.b\.json": not a plain file name$/],
  ];
  for (const [bad, message] of cases) {
    assert.throws(
      () => checkName(bad),
      (e: unknown) => e instanceof HttpError && e.status === 400 && message.test(e.message),
      JSON.stringify(bad),
    );
  }
  assert.equal(checkName(" claude-u@example.com.json "), "claude-u@example.com.json");
  const m = await mgmt(t);
  for (const [bad, message] of cases) {
    const q = encodeURIComponent(bad);
    for (const [method, path, body] of [
      ["POST", `/auth-files?name=${q}`, '{"type":"codex"}'],
      ["GET", `/auth-files/download?name=${q}`, undefined],
      ["DELETE", `/auth-files?name=${q}`, undefined],
      ["PATCH", "/auth-files/status", JSON.stringify({ name: bad, disabled: true })],
      ["PATCH", "/auth-files/fields", JSON.stringify({ name: bad, note: "x" })],
    ] as const) {
      const r = await m.call(method, path, body);
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(bad)}`);
      assert.match(r.json.error, message, `${method} ${path}`);
    }
  }
  const upload = multipart([
    ["x*.json", '{"type":"codex"}'],
    ["ok.json", '{"type":"codex"}'],
  ]);
  const r = await m.call("POST", "/auth-files", upload.body, {
    authorization: `Bearer ${KEY}`,
    "content-type": upload.type,
  });
  assert.equal(r.status, 207);
  assert.match(r.json.failed[0].error, /are not allowed/);
});

test("download, delete, status and fields refuse a symbolic link in auth-dir (400) and leave its target alone; a directory is refused too", async (t) => {
  const m = await mgmt(t);
  const dir = m.s.app.config().authDir;
  mkdirSync(dir, { recursive: true });
  const outside = join(mkdtempSync(join(tmpdir(), "cliproxy-outside-")), "application_default_credentials.json");
  const secret = '{"type":"gemini","client_secret":"OUTSIDE-SECRET","refresh_token":"R"}';
  writeFileSync(outside, secret);
  symlinkSync(outside, join(dir, "link.json"));
  mkdirSync(join(dir, "folder.json"));
  for (const [method, path, body] of [
    ["GET", "/auth-files/download?name=link.json", undefined],
    ["DELETE", "/auth-files?name=link.json", undefined],
    ["PATCH", "/auth-files/status", JSON.stringify({ name: "link.json", disabled: true })],
    ["PATCH", "/auth-files/fields", JSON.stringify({ name: "link.json", note: "x" })],
  ] as const) {
    const r = await m.call(method, path, body);
    assert.deepEqual(
      [r.status, r.json],
      [400, { error: 'auth file "link.json" is a symbolic link: only regular files inside auth-dir are served' }],
      `${method} ${path}`,
    );
    assert.equal(r.text.includes("OUTSIDE-SECRET"), false);
  }
  assert.equal(
    lstatSync(join(dir, "link.json")).isSymbolicLink(),
    true,
    "the link is still a link, not a copy of its target",
  );
  assert.equal(readFileSync(outside, "utf8"), secret);
  const folder = await m.call("GET", "/auth-files/download?name=folder.json");
  assert.deepEqual([folder.status, folder.json], [400, { error: 'auth file "folder.json" is not a regular file' }]);
  writeFileSync(join(dir, "real.json"), '{"type":"codex"}');
  assert.deepEqual(
    (await m.call("DELETE", "/auth-files?all=true")).json,
    { status: "ok", deleted: 1 },
    "only the regular file is deleted and counted",
  );
  assert.equal(existsSync(join(dir, "real.json")), false);
  assert.equal(lstatSync(join(dir, "link.json")).isSymbolicLink(), true);
});

test("PATCH /auth-files/fields sets dotted keys, merges headers, removes null ones, and the credential follows at once", async (t) => {
  const { m, F, token, send } = await withOAuth(t);
  await m.call(
    "POST",
    "/auth-files?name=claude-u.json",
    JSON.stringify({ ...JSON.parse(token), headers: { "x-a": "1" } }),
  );
  const r = await m.call(
    "PATCH",
    "/auth-files/fields",
    JSON.stringify({ name: "claude-u.json", headers: { "x-b": "2" }, prefix: "team", "meta.owner": "ops", note: null }),
  );
  assert.deepEqual([r.status, r.json], [200, { status: "ok" }]);
  const file = JSON.parse(readFileSync(join(m.s.app.config().authDir, "claude-u.json"), "utf8"));
  assert.deepEqual(
    [file.headers, file.prefix, file.meta, "note" in file],
    [{ "x-a": "1", "x-b": "2" }, "team", { owner: "ops" }, false],
  );
  const res = await fetch(`${m.s.url}/v1/messages`, {
    method: "POST",
    headers: { authorization: "Bearer ck-1", "content-type": "application/json" },
    body: JSON.stringify({
      model: "team/claude-sonnet-4-5",
      max_tokens: 5,
      messages: [{ role: "user", content: "hi" }],
    }),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 200, "the new prefix serves at once");
  assert.equal(F.requests.at(-1)!.headers["x-b"], "2");
  assert.equal(await send(), 200);
  assert.deepEqual(
    await m.call("PATCH", "/auth-files/fields", '{"name":"claude-u.json"}').then((x) => [x.status, x.json]),
    [400, { error: "no fields to update" }],
  );
  assert.deepEqual(await m.call("PATCH", "/auth-files/fields", '{"prefix":"x"}').then((x) => [x.status, x.json]), [
    400,
    { error: "name is required" },
  ]);
  assert.equal((await m.call("PATCH", "/auth-files/fields", '{"name":"claude-u.json","__proto__.x":1}')).status, 400);
  assert.equal((await m.call("PATCH", "/auth-files/fields", '{"name":"none.json","prefix":"x"}')).status, 404);
});
