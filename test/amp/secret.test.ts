import test from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fakeClock } from "../support/server.js";
import { ampSetup, bearer, raw } from "./management-setup.js";
import {
  buildClientMap,
  DUPLICATE_CLIENT_KEY_WARNING,
  MISSING_KEY_MESSAGE,
  readSecretsFile,
  resolveUpstreamKey,
  SECRET_FILE_TTL_MS,
  secretsPath,
} from "../../src/amp/secret.js";
import { createApp } from "../../src/app/app.js";
import { makeConfig, type AmpConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";

function home(secrets?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-amp-home-"));
  if (secrets !== undefined) writeSecrets(dir, secrets);
  return dir;
}

function writeSecrets(dir: string, secrets: unknown): void {
  const path = secretsPath(dir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof secrets === "string" ? secrets : JSON.stringify(secrets));
}

function fileOf(key: string): Record<string, string> {
  return { "apiKey@https://ampcode.com/": key };
}

function appWith(
  amp: Partial<AmpConfig>,
  env: Record<string, string | undefined>,
  homeDir: string,
  clock = fakeClock(),
) {
  const logs: string[] = [];
  const app = createApp({
    config: makeConfig({ ampcode: { upstreamUrl: "https://ampcode.com", ...amp } }),
    env,
    homeDir,
    clock,
    log: createLogger({ level: "debug", sink: (l) => logs.push(l) }),
  });
  return {
    app,
    logs,
    clock,
    lookup: (clientKey?: string) => resolveUpstreamKey({ app, config: app.config(), clientKey }),
  };
}

test("PX-6 precedence table: config, env, file, whitespace falls through, missing file and all blank give no key", async () => {
  const cases: Array<[string, Partial<AmpConfig>, Record<string, string>, unknown, string]> = [
    ["config wins", { upstreamApiKey: " cfg " }, { AMP_API_KEY: "env-k" }, fileOf("file-k"), "cfg"],
    ["env next", {}, { AMP_API_KEY: "env-k" }, fileOf("file-k"), "env-k"],
    ["file last", {}, {}, fileOf("file-k"), "file-k"],
    ["whitespace config falls to env", { upstreamApiKey: "   " }, { AMP_API_KEY: "env-k" }, fileOf("file-k"), "env-k"],
    ["whitespace env falls to file", {}, { AMP_API_KEY: "  " }, fileOf(" file-k "), "file-k"],
    ["missing file", {}, {}, undefined, ""],
    ["all blank", { upstreamApiKey: " " }, { AMP_API_KEY: " " }, fileOf("  "), ""],
  ];
  for (const [name, amp, env, file, want] of cases) {
    const { lookup } = appWith(amp, env, home(file));
    const got = await lookup();
    assert.equal(got.key, want, name);
    if (want === "")
      assert.match("reason" in got ? got.reason : "", /no ampcode\.upstream-api-key, no AMP_API_KEY/, name);
  }
});

test("readSecretsFile(): missing file is no error; bad JSON, a non-object and a directory are; N7 non-string values count as absent", async () => {
  assert.deepEqual(await readSecretsFile(join(home(), "nope.json")), { key: "" });
  const bad = home("{not json");
  assert.match((await readSecretsFile(secretsPath(bad))).error ?? "", /invalid JSON/);
  assert.match((await readSecretsFile(secretsPath(home("[1,2]")))).error ?? "", /expected a JSON object/);
  const dir = home();
  mkdirSync(secretsPath(dir), { recursive: true });
  assert.match(
    (await readSecretsFile(secretsPath(dir))).error ?? "",
    /Cannot read Amp secrets file ".*secrets\.json": EISDIR/,
  );
  assert.deepEqual(await readSecretsFile(secretsPath(home({ "apiKey@https://ampcode.com/": 42 }))), { key: "" });
  assert.deepEqual(
    await readSecretsFile(secretsPath(home({ other: 1, nested: { a: [true] }, "apiKey@https://ampcode.com/": "k1" }))),
    { key: "k1" },
  );
  assert.deepEqual(await readSecretsFile(secretsPath(home({ other: "x" }))), { key: "" });
});

test("the secrets file is cached 5 minutes (fake clock), empty results included, and refreshed after", async () => {
  const dir = home(fileOf("file-k"));
  const { lookup, clock } = appWith({}, {}, dir);
  assert.equal((await lookup()).key, "file-k");
  writeSecrets(dir, fileOf("file-k2"));
  clock.advance(SECRET_FILE_TTL_MS - 1);
  assert.equal((await lookup()).key, "file-k");
  clock.advance(1);
  assert.equal((await lookup()).key, "file-k2");

  const empty = home();
  const second = appWith({}, {}, empty);
  assert.equal((await second.lookup()).key, "");
  writeSecrets(empty, fileOf("late"));
  assert.equal((await second.lookup()).key, "");
  second.clock.advance(SECRET_FILE_TTL_MS);
  assert.equal((await second.lookup()).key, "late");
});

test("concurrent lookups share one file read", async () => {
  const dir = home(fileOf("file-k"));
  const { app, lookup } = appWith({}, {}, dir);
  const first = app.amp.secrets.fileKey();
  assert.equal(app.amp.secrets.fileKey(), first);
  const results = await Promise.all([lookup(), lookup(), lookup()]);
  assert.deepEqual(
    results.map((r) => r.key),
    ["file-k", "file-k", "file-k"],
  );
});

test("HR-4: changing upstream-api-key or re-enabling the upstream drops the file cache", async () => {
  const dir = home(fileOf("file-k"));
  const { app, lookup } = appWith({}, {}, dir);
  assert.equal((await lookup()).key, "file-k");
  writeSecrets(dir, fileOf("file-k2"));
  app.setConfig(makeConfig({ ampcode: { upstreamUrl: "https://ampcode.com", upstreamApiKey: "tmp" } }));
  app.setConfig(makeConfig({ ampcode: { upstreamUrl: "https://ampcode.com" } }));
  assert.equal((await lookup()).key, "file-k2");
  writeSecrets(dir, fileOf("file-k3"));
  app.setConfig(makeConfig({ ampcode: { upstreamUrl: "" } }));
  app.setConfig(makeConfig({ ampcode: { upstreamUrl: "https://ampcode.com" } }));
  assert.equal((await lookup()).key, "file-k3");
  writeSecrets(dir, fileOf("file-k4"));
  app.setConfig(makeConfig({ ampcode: { upstreamUrl: "https://ampcode.com" } }));
  assert.equal((await lookup()).key, "file-k3");
});

test("a lookup invalidated while its read is in flight does not refill the cache with the old value", async () => {
  const dir = home(fileOf("old"));
  const { app, lookup } = appWith({}, {}, dir);
  const inFlight = lookup();
  app.amp.secrets.invalidate();
  writeSecrets(dir, fileOf("new"));
  await inFlight;
  assert.equal((await lookup()).key, "new");
});

test("AMP_API_KEY is read on every lookup, not cached", async () => {
  const env: Record<string, string | undefined> = { AMP_API_KEY: "env-1" };
  const { lookup } = appWith({}, env, home(fileOf("file-k")));
  assert.equal((await lookup()).key, "env-1");
  env.AMP_API_KEY = "env-2";
  assert.equal((await lookup()).key, "env-2");
  delete env.AMP_API_KEY;
  assert.equal((await lookup()).key, "file-k");
});

test("buildClientMap(): trims, skips blank entries, first mapping wins, one exact warning per rebuild", () => {
  const warnings: string[] = [];
  const map = buildClientMap(
    [
      { upstreamApiKey: " u1 ", apiKeys: [" k1 ", "", "  ", "k2"] },
      { upstreamApiKey: "  ", apiKeys: ["k3"] },
      { upstreamApiKey: "u2", apiKeys: ["k1", "k4"] },
    ],
    (m) => warnings.push(m),
  );
  assert.deepEqual(
    [...map],
    [
      ["k1", "u1"],
      ["k2", "u1"],
      ["k4", "u2"],
    ],
  );
  assert.deepEqual(warnings, [DUPLICATE_CLIENT_KEY_WARNING]);
  assert.equal(
    DUPLICATE_CLIENT_KEY_WARNING,
    "amp upstream-api-keys: client API key appears in multiple entries; using first mapping.",
  );
});

test("PX-7: a mapped client key uses its upstream key and skips the chain; unmapped and anonymous requests use the chain", async () => {
  const { lookup, logs } = appWith(
    { upstreamApiKey: "default", upstreamApiKeys: [{ upstreamApiKey: "u-team", apiKeys: ["ck-2", "ck-2"] }] },
    {},
    home(),
  );
  assert.deepEqual(await lookup("ck-2"), { key: "u-team", source: "client-map" });
  assert.equal((await lookup("ck-1")).key, "default");
  assert.equal((await lookup()).key, "default");
  assert.equal(logs.filter((l) => l.includes(DUPLICATE_CLIENT_KEY_WARNING)).length, 1);
});

test("S-6 per-client key: ck-2 reaches A as Bearer u-team, ck-1 as Bearer amp-default; a reload with the same effective list does not warn again; a removed key is seen", async (t) => {
  const upstreamApiKeys = [{ upstreamApiKey: " u-team ", apiKeys: ["ck-2", "ck-2", " "] }];
  const { A, s } = await ampSetup(t, { amp: { upstreamApiKeys } });
  await raw(`${s.url}/api/meta`, { headers: bearer("ck-2") });
  await raw(`${s.url}/api/meta`, { headers: bearer("ck-1") });
  assert.equal((await A.nth(1)).headers.authorization, "Bearer u-team");
  assert.equal((await A.nth(2)).headers.authorization, "Bearer amp-default");
  s.setConfig({
    apiKeys: ["ck-1", "ck-2"],
    ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default", upstreamApiKeys: [...upstreamApiKeys] },
  });
  assert.equal(s.logs.filter((l) => l.includes(DUPLICATE_CLIENT_KEY_WARNING)).length, 1);
  s.setConfig({
    apiKeys: ["ck-1", "ck-2"],
    ampcode: {
      upstreamUrl: A.url,
      upstreamApiKey: "amp-default",
      upstreamApiKeys: [
        { upstreamApiKey: " u-team", apiKeys: [" ck-2 ", "", "ck-2"] },
        { upstreamApiKey: " ", apiKeys: ["ck-1"] },
      ],
    },
  });
  assert.equal(s.logs.filter((l) => l.includes(DUPLICATE_CLIENT_KEY_WARNING)).length, 1);
  s.setConfig({
    apiKeys: ["ck-1", "ck-2"],
    ampcode: {
      upstreamUrl: A.url,
      upstreamApiKey: "amp-default",
      upstreamApiKeys: [{ upstreamApiKey: "u-new", apiKeys: ["ck-1", "ck-1"] }],
    },
  });
  await raw(`${s.url}/api/meta`, { headers: bearer("ck-1") });
  await raw(`${s.url}/api/meta`, { headers: bearer("ck-2") });
  assert.equal((await A.nth(3)).headers.authorization, "Bearer u-new");
  assert.equal((await A.nth(4)).headers.authorization, "Bearer amp-default");
  assert.equal(s.logs.filter((l) => l.includes(DUPLICATE_CLIENT_KEY_WARNING)).length, 2);
});

test("S-9 secret chain: env, then the file, and a rewritten file is seen only after 5 minutes (fake clock)", async (t) => {
  const env: Record<string, string | undefined> = { AMP_API_KEY: "env-k" };
  const clock = fakeClock();
  const dir = home(fileOf("file-k"));
  const { A, s } = await ampSetup(t, { amp: { upstreamApiKey: "" }, server: { env, clock, homeDir: dir } });
  const auth = async () => {
    await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
    return A.requests[A.requests.length - 1].headers.authorization;
  };
  assert.equal(await auth(), "Bearer env-k");
  delete env.AMP_API_KEY;
  assert.equal(await auth(), "Bearer file-k");
  writeSecrets(dir, fileOf("file-k2"));
  clock.advance(4 * 60_000);
  assert.equal(await auth(), "Bearer file-k");
  clock.advance(60_000);
  assert.equal(await auth(), "Bearer file-k2");
});

test("N8: a key from AMP_API_KEY or the file sent to an origin other than ampcode.com logs one warning per origin", async (t) => {
  const { s } = await ampSetup(t, { amp: { upstreamApiKey: "" }, server: { env: { AMP_API_KEY: "env-k" } } });
  await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(
    s.logs.filter((l) =>
      l.includes("WARN amp upstream: sending the ampcode.com key from AMP_API_KEY to http://127.0.0.1:"),
    ).length,
    1,
  );
  assert.equal(
    s.logs.some((l) => l.includes("env-k")),
    false,
  );
});

test("N8: a key from the config is sent anywhere without a warning", async (t) => {
  const { s } = await ampSetup(t);
  await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(
    s.logs.some((l) => l.includes("sending the ampcode.com key")),
    false,
  );
});

test("S-10 no key anywhere (N19): 503 amp_upstream_key_missing, A gets nothing, one warning naming the three places", async (t) => {
  const { A, s } = await ampSetup(t, { amp: { upstreamApiKey: "" } });
  for (let i = 0; i < 2; i++) {
    const res = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
    assert.equal(res.status, 503);
    assert.deepEqual(JSON.parse(res.body.toString()), {
      error: "amp_upstream_key_missing",
      message: MISSING_KEY_MESSAGE,
    });
  }
  assert.equal(A.requests.length, 0);
  const warnings = s.logs.filter((l) => l.includes("WARN amp upstream: No Amp upstream key"));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /ampcode\.upstream-api-key.*AMP_API_KEY.*amp login/);
});

test("S-10 with a malformed secrets.json: 503, the warning names the file's problem, and the server keeps serving", async (t) => {
  const dir = home("{broken");
  const { A, s } = await ampSetup(t, { amp: { upstreamApiKey: "" }, server: { homeDir: dir } });
  const res = await raw(`${s.url}/api/user`, { headers: bearer("ck-1") });
  assert.equal(res.status, 503);
  assert.equal(A.requests.length, 0);
  assert.ok(s.logs.some((l) => l.includes("No Amp upstream key") && l.includes("invalid JSON")));
  assert.equal((await raw(`${s.url}/healthz`)).status, 200);
});
