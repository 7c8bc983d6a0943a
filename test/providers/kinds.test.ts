/**
 * PROVIDER_KINDS is the one table of provider kinds: a kind added from outside with one registry entry and one
 * executor file (test/fixtures/echo-kind/) works from config.yaml to the upstream and back, and every place
 * that used to keep its own list of kinds (validation, secret masking, start-up counts, management, usage)
 * follows from that entry.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "../../src/app/start.js";
import { ConfigError, parseConfig } from "../../src/config/load.js";
import { apiKeyLists, listField } from "../../src/config/kinds.js";
import { createLogger } from "../../src/log/log.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";
import { KINDS_WITH_ECHO } from "../fixtures/echo-kind/kind.js";
import { sendJson, startFake, type FakeUpstream } from "../support/fake-upstream.js";

const ECHO_KEY = "echo-upstream-key-5f3a9c1d";
const CLIENT_KEY = "client-key-echo-test";
const MANAGEMENT = "management-pass-echo";

function echoConfig(baseUrl: string): string {
  return `api-keys: [${CLIENT_KEY}]
usage-statistics-enabled: true
echo-api-key:
  - api-key: ${ECHO_KEY}
    base-url: ${baseUrl}
    models:
      - name: echo-upstream-1
        alias: echo-model
`;
}

function chatAnswer(model: string) {
  return {
    id: "chatcmpl-echo",
    object: "chat.completion",
    created: 1_731_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "echoed" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
  };
}

async function startEcho(t: TestContext) {
  const fake: FakeUpstream = await startFake(t, (req, res) => sendJson(res, 200, chatAnswer(req.json?.model)));
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-kinds-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, echoConfig(fake.url));
  const lines: string[] = [];
  const s = await start({
    configPath,
    cwd: dir,
    homeDir: dir,
    port: 0,
    env: { MANAGEMENT_PASSWORD: MANAGEMENT },
    log: createLogger({ level: "debug", sink: (l) => lines.push(l) }),
    kinds: KINDS_WITH_ECHO,
  });
  t.after(() => s.stop(100));
  const chat = (body: unknown) =>
    fetch(`${s.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const manage = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}/v0/management${path}`, {
      method,
      headers: { authorization: `Bearer ${MANAGEMENT}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  return { s, fake, lines, configPath, chat, manage };
}

test("a kind added with one registry entry and one executor file serves its model from config.yaml through its upstream", async (t) => {
  const { s, fake, lines, chat } = await startEcho(t);
  assert.match(lines.join("\n"), /providers: echo=1;/, "counted at start");

  const res = await chat({ model: "echo-model", messages: [{ role: "user", content: "hi" }] });
  assert.equal(res.status, 200);
  const body = (await res.json()) as any;
  assert.equal(body.choices[0].message.content, "echoed");
  const up = fake.requests[0];
  assert.equal(up.url, "/v1/chat/completions");
  assert.equal(up.json.model, "echo-upstream-1", "the alias is sent as the upstream name");
  assert.equal(up.headers["x-echo-key"], ECHO_KEY);
  assert.ok(!JSON.stringify(up.headers).includes(CLIENT_KEY), "the client's key stays here");

  const models = (await (
    await fetch(`${s.url}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
  ).json()) as any;
  assert.ok(
    models.data.some((m: any) => m.id === "echo-model"),
    "listed by /v1/models",
  );
});

test("the added kind's key is masked in logs and in what the client sees, though no code lists it", async (t) => {
  const { s, fake, lines, chat } = await startEcho(t);
  fake.handle((_req, res) =>
    sendJson(res, 401, {
      error: { message: `Incorrect API key provided: ${ECHO_KEY}`, type: "invalid_request_error" },
    }),
  );
  const res = await chat({ model: "echo-model", messages: [{ role: "user", content: "hi" }] });
  assert.equal(res.status, 403, "a provider refusing our key is reported as a 403 naming the credential");
  const text = await res.text();
  assert.match(text, /provider echo .*rejected/);
  assert.ok(!text.includes(ECHO_KEY), `the answer hides the key: ${text}`);
  s.app.log.info(`an upstream echoed ${ECHO_KEY}`);
  const log = lines.join("\n");
  assert.match(log, /an upstream echoed \S+/);
  assert.match(log, /credential="echo-api-key\[0\] \(…9c1d\)" provider=echo/, "the cooldown warning names it masked");
  assert.ok(!log.includes(ECHO_KEY), "no log line carries the key");
});

test("the added kind's entries are listed, edited and validated through /v0/management/echo-api-key", async (t) => {
  const { s, configPath, manage } = await startEcho(t);
  const listed = await manage("GET", "/echo-api-key");
  assert.equal(listed.status, 200);
  assert.equal(listed.json["echo-api-key"].length, 1);
  assert.equal(listed.json["echo-api-key"][0]["api-key"], ECHO_KEY);
  assert.match(listed.json["echo-api-key"][0]["auth-index"], /^[0-9a-f]{16}$/);

  const patched = await manage("PATCH", "/echo-api-key", { index: 0, value: { prefix: "team" } });
  assert.equal(patched.status, 200);
  assert.equal(s.app.config().echoApiKey[0].prefix, "team");
  assert.match(readFileSync(configPath, "utf8"), /prefix: "team"/, "saved to config.yaml");

  const bad = await manage("PUT", "/echo-api-key", [{ "api-key": "k2", "base-url": "ftp://nowhere" }]);
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /echo-api-key\[0\]\.base-url/);

  const config = await manage("GET", "/config");
  assert.equal(config.json["echo-api-key"][0].prefix, "team", "GET /config shows the list");
});

test("a config.yaml edit to the added kind's list is hot-reloaded, its new key masked", async (t) => {
  const { s, fake, configPath, lines } = await startEcho(t);
  const second = "echo-second-key-0a7e55b2";
  writeFileSync(
    configPath,
    readFileSync(configPath, "utf8") + `  - api-key: ${second}\n    base-url: ${fake.url}\n    prefix: two\n`,
  );
  const event = await s.watchers!.config!.reload();
  assert.equal(event.kind, "reloaded");
  assert.deepEqual(
    s.app.providers.credentials().map((c) => c.id),
    ["echo-api-key[0]", "echo-api-key[1]"],
  );
  s.app.log.info(`now using ${second}`);
  assert.ok(!lines.join("\n").includes(second), "the reloaded key is masked too");
});

test("the added kind's attempts are labelled in usage by its provider, kind and masked key", async (t) => {
  const { chat, manage } = await startEcho(t);
  assert.equal((await chat({ model: "echo-model", messages: [{ role: "user", content: "hi" }] })).status, 200);
  const [rec] = (await manage("GET", "/usage-queue")).json;
  assert.equal(rec.provider, "echo");
  assert.equal(rec.executor_type, "echo");
  assert.equal(rec.auth_type, "apikey");
  assert.match(rec.source, /^echo-api-key\[0\] \(/);
  assert.ok(!rec.source.includes(ECHO_KEY), "the label masks the key");
  assert.equal(rec.tokens.input_tokens, 11);
  assert.equal(rec.tokens.output_tokens, 3);
});

test("config.yaml entries of the added kind are validated like every list: bad values stop the load, incomplete entries are dropped with a warning", () => {
  const options = { homeDir: "/home/u", env: {}, kinds: KINDS_WITH_ECHO };
  assert.throws(
    () => parseConfig("echo-api-key:\n  - api-key: k\n    base-url: ftp://nowhere\n", options),
    (err: unknown) =>
      err instanceof ConfigError && /echo-api-key\[0\]\.base-url at line 3, column \d+: /.test(err.problems[0]),
  );
  const { config, warnings } = parseConfig("echo-api-key:\n  - api-key: k\n", options);
  assert.deepEqual(config.echoApiKey, []);
  assert.match(
    warnings.join("\n"),
    /echo-api-key\[0\].*entry without base-url dropped \(echo has no default endpoint\)/,
  );
  // Without the kind in the table, the key is unknown, as any misspelt key is.
  const plain = parseConfig("echo-api-key:\n  - api-key: k\n", { ...options, kinds: PROVIDER_KINDS });
  assert.deepEqual(plain.unknownKeys, ["echo-api-key"]);
});

test("every built-in API-key list lands in the Config field its key names", () => {
  const text = apiKeyLists(PROVIDER_KINDS)
    .map(({ list }) => `${list.key}:\n  - api-key: key-${list.key}\n    base-url: https://up.example\n`)
    .join("");
  const { config } = parseConfig(text, { homeDir: "/home/u", env: {}, kinds: PROVIDER_KINDS });
  for (const { list } of apiKeyLists(PROVIDER_KINDS))
    assert.equal(config[listField(list.key)][0].apiKey, `key-${list.key}`, list.key);
  assert.deepEqual(
    apiKeyLists(PROVIDER_KINDS).map(({ list }) => listField(list.key)),
    ["claudeApiKey", "geminiApiKey", "codexApiKey", "vertexApiKey"],
  );
});
