/**
 * `workers: 2` as a user runs it (issue #17): one cliproxy process forks two workers on one port, and
 * they act as one proxy — a token refreshed once, a 429 cooldown honoured by both, usage summed.
 * One cluster serves the tests of this file in order (a start costs seconds on a loaded machine).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sendJson, startFake, type FakeUpstream, type Recorded } from "../support/fake-upstream.js";
import { claudeTokenAnswer, startFakeOAuth, type FakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import { CLIENT_KEY, claudeFile, claudeMessage, endpointsYaml, expiresIn, messages } from "../oauth/e2e-support.js";
import { fresh, startCluster, type Cluster } from "../support/cluster.js";

const MGMT = "mgmt-pass-cluster-1";
const auth = { authorization: `Bearer ${CLIENT_KEY}` };
let anthropic: FakeUpstream;
let oauth: FakeOAuth;
let cluster: Cluster;
/** Refresh tokens the fake OAuth server was sent, in order. */
const refreshed: string[] = [];

/** The key or token a request to the fake Anthropic carried. */
const keyOf = (r: Recorded) => String(r.headers["x-api-key"] ?? r.headers.authorization?.replace(/^Bearer /, ""));

/** Sends `n` requests at once, each on its own connection; returns them with the worker pid that answered. */
async function burst(n: number, model: string) {
  const answers = await Promise.all(
    Array.from({ length: n }, () =>
      fresh(`${cluster.url}/v1/messages`, { headers: auth, body: { ...messages(), model } }),
    ),
  );
  return answers.map((a) => ({ ...a, pid: String(a.headers["x-cliproxy-worker"]) }));
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-cluster-"));
  const authDir = join(dir, "auth");
  mkdirSync(authDir, { mode: 0o700 });
  // u: expired when the workers start (their background refresh); v: not expired, but the upstream refuses it (401).
  writeFileSync(
    join(authDir, "claude-u.json"),
    JSON.stringify(claudeFile("sk-ant-oat01-expired-u-0000", { expired: expiresIn(-60_000) })),
  );
  writeFileSync(join(authDir, "claude-v.json"), JSON.stringify(claudeFile("sk-ant-oat01-stale-v-00000")));
  const good = new Set([claudeTokenAnswer(2).access_token, claudeTokenAnswer(3).access_token, "sk-ant-good-key-1"]);
  anthropic = await startFake(undefined, (r, res) => {
    const key = keyOf(r);
    if (key === "sk-ant-limited-key-1")
      return sendJson(
        res,
        429,
        { type: "error", error: { type: "rate_limit_error", message: "slow down" } },
        { "retry-after": "3600" },
      );
    if (good.has(key)) return sendJson(res, 200, claudeMessage());
    sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "stale token" } });
  });
  oauth = await startFakeOAuth(undefined as never);
  // A refresh is answered only once another worker waits on the same file's lock (the primary logs it), so
  // the two always overlap; a second refresh call of the file (no lock shared) releases it too, and fails the test.
  const second = new Map<string, () => void>();
  oauth.on("POST /token", async (r, res) => {
    const token = String(r.json?.refresh_token ?? "");
    refreshed.push(token);
    const file = token.includes("-u-") ? "claude-u\\.json" : "claude-v\\.json";
    second.get(file)?.();
    await Promise.race([
      new Promise<void>((resolve) => second.set(file, resolve)),
      cluster0.then((c) => c.waitFor(new RegExp(`worker \\d waits for the refresh of ${file}`))),
    ]);
    sendJson(res, 200, claudeTokenAnswer(token.includes("-u-") ? 2 : 3));
  });
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    [
      "host: 127.0.0.1",
      "workers: 2",
      "debug: true",
      "usage-statistics-enabled: true",
      `api-keys: ["${CLIENT_KEY}"]`,
      `auth-dir: "${authDir}"`,
      "claude-api-key:",
      ...["sk-ant-limited-key-1", "sk-ant-good-key-1"].flatMap((k) => [
        `  - api-key: "${k}"`,
        `    base-url: "${anthropic.url}"`,
        "    models:",
        '      - name: "claude-haiku-4-5"',
        '        alias: "cool-model"',
      ]),
      ...endpointsYaml({ claude: { "token-url": `${oauth.url}/token`, "api-base-url": anthropic.url } }),
      "",
    ].join("\n"),
  );
  cluster0 = startCluster(undefined, config, dir, { MANAGEMENT_PASSWORD: MGMT });
  cluster = await cluster0;
});
let cluster0: Promise<Cluster>;

after(async () => {
  await cluster?.stop();
  await anthropic?.close();
  await oauth?.fake.close();
});

test("two workers share one port and both answer", async () => {
  const pids = new Set<string>();
  for (let i = 0; i < 20 && pids.size < 2; i++) {
    const r = await fresh(`${cluster.url}/v1/models`, { headers: auth });
    assert.equal(r.status, 200);
    pids.add(String(r.headers["x-cliproxy-worker"]));
  }
  assert.equal(pids.size, 2, cluster.out());
});

test("50 concurrent requests across both workers with an expired and a refused token make one refresh call per file", async () => {
  const answers = await burst(50, "claude-sonnet-4-5");
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(50).fill(200),
    answers.find((a) => a.status !== 200)?.body,
  );
  assert.equal(new Set(answers.map((a) => a.pid)).size, 2);
  assert.deepEqual([...refreshed].sort(), [
    "sk-ant-oat01-expired-u-0000-refresh",
    "sk-ant-oat01-stale-v-00000-refresh",
  ]);
});

test("a 429 one worker saw rests the credential in the other worker too", async () => {
  const limited = () => anthropic.requests.filter((r) => keyOf(r) === "sk-ant-limited-key-1").length;
  const [first] = await burst(1, "cool-model");
  assert.equal(first.status, 200, first.body);
  assert.equal(limited(), 1);
  // A scrape of /metrics asks the other worker through the primary, after the cooldown went the same way (an IPC
  // channel keeps its order): once it is answered, both workers know.
  await fresh(`${cluster.url}/metrics`, { headers: auth });
  const seen = new Set([first.pid]);
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const [r] = await burst(1, "cool-model");
    assert.equal(r.status, 200, r.body);
    seen.add(r.pid);
  }
  assert.equal(seen.size, 2);
  assert.equal(limited(), 1, "the other worker skipped the credential at rest");
});

test("usage statistics and /metrics count the requests of both workers", async () => {
  const mgmt = { authorization: `Bearer ${MGMT}` };
  const total = async () =>
    JSON.parse((await fresh(`${cluster.url}/v0/management/usage`, { headers: mgmt })).body).usage
      .total_requests as number;
  const metric = async () => {
    const text = (await fresh(`${cluster.url}/metrics`, { headers: auth })).body;
    return [
      ...text.matchAll(/^cliproxy_upstream_requests_total\{[^}]*model="claude-haiku-4-5"[^}]*\} (\d+)$/gm),
    ].reduce((n, m) => n + Number(m[1]), 0);
  };
  const queue = async () =>
    JSON.parse(
      (await fresh(`${cluster.url}/v0/management/usage-queue?count=1000`, { headers: mgmt })).body,
    ) as unknown[];
  await queue(); // empties both workers' queues
  const [usage0, metric0] = [await total(), await metric()];
  const answers = await burst(10, "cool-model");
  assert.equal(new Set(answers.map((a) => a.pid)).size, 2);
  assert.equal((await total()) - usage0, 10);
  assert.equal((await metric()) - metric0, 10);
  assert.equal((await queue()).length, 10, "the queue is popped from both workers");
  assert.deepEqual(await queue(), []);
  // The 50 answers of the refresh test, by token file, as management's auth-files list counts them.
  const files = JSON.parse((await fresh(`${cluster.url}/v0/management/auth-files`, { headers: mgmt })).body)
    .files as Array<{ name: string; success: number }>;
  assert.equal(
    files.filter((f) => /^claude-[uv]\.json$/.test(f.name)).reduce((n, f) => n + f.success, 0),
    50,
  );
});
