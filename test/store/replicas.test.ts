/**
 * Issue #18 acceptance: cliproxy replicas on one real PostgreSQL share config, token files and
 * cooldowns. One cluster for the file (each start costs a second or two); each test its own schema.
 * Without PostgreSQL binaries every test skips and says why.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { claudeTokenAnswer, startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import { CLIENT_KEY, claudeFile, claudeMessage, endpointsYaml, expiresIn, messages, post } from "../oauth/e2e-support.js";
import { pgBinaries, startPg, type PgCluster } from "../support/pg.js";
import { seed, spawnReplica, startReplica, until } from "./replica-support.js";
import type { ReloadEvent } from "../../src/config/watch.js";
import { parseDsn } from "../../src/store/pg/dsn.js";
import { PgPool } from "../../src/store/pg/pool.js";
import { storeSql } from "../../src/store/pg-tables.js";

const bins = pgBinaries();
const skip = "why" in bins ? bins.why : false;
let pg: PgCluster;
before(async () => {
  if (!skip) pg = await startPg();
});
after(async () => {
  await pg?.destroy();
});

const MGMT = { authorization: "Bearer mgmt-pass-123", "content-type": "application/json" };

function configYaml(extra: string[] = []): string {
  return ["host: 127.0.0.1", "api-keys:", `  - "${CLIENT_KEY}"`, ...extra, ""].join("\n");
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test("a management edit on one replica is served by the other within 1 s (NOTIFY, not the reconcile)", { skip }, async (t) => {
  await seed(pg, "edit", configYaml());
  const a = await startReplica(t, pg, "edit");
  const b = await startReplica(t, pg, "edit");
  const reloaded = until<ReloadEvent>(b.started.watchers!.config!, "reload", (e) => e.kind === "reloaded");
  const before = await fetch(`${b.url}/v1/models`, { headers: { authorization: "Bearer sk-added-on-a-0001" } });
  assert.equal(before.status, 401);

  const t0 = performance.now();
  const put = await fetch(`${a.url}/v0/management/api-keys`, { method: "PUT", headers: MGMT, body: JSON.stringify([CLIENT_KEY, "sk-added-on-a-0001"]) });
  assert.equal(put.status, 200, await put.text());
  const putMs = performance.now() - t0;
  await reloaded;
  const elapsed = performance.now() - t0;
  t.diagnostic(`PUT answered after ${Math.round(putMs)} ms`);
  const after = await fetch(`${b.url}/v1/models`, { headers: { authorization: "Bearer sk-added-on-a-0001" } });
  assert.equal(after.status, 200);
  assert.ok(elapsed < 1000, `replica B served the edit after ${Math.round(elapsed)} ms`);
  t.diagnostic(`edit on A served by B after ${Math.round(elapsed)} ms`);
});

test("50 concurrent requests across both replicas with an expired token make exactly one refresh call; the other replica waits on the lock and reads the new token", { skip }, async (t) => {
  const oauth = await startFakeOAuth(t);
  const fresh = String(claudeTokenAnswer(2).access_token);
  const anthropic = await startFake(t, (r, res) => (r.headers.authorization === `Bearer ${fresh}`
    ? sendJson(res, 200, claudeMessage())
    : sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "stale token" } })));
  await seed(pg, "refresh", configYaml(endpointsYaml({ claude: { "token-url": `${oauth.url}/token`, "api-base-url": anthropic.url } })), {
    "claude-u.json": claudeFile("sk-ant-oat01-expired-000000000", { expired: expiresIn(-60_000) }),
  });
  const a = await startReplica(t, pg, "refresh");
  const b = await startReplica(t, pg, "refresh");
  // The token answer waits until the other replica is queued on the advisory lock, so the two overlap.
  const watcher = new PgPool(parseDsn(pg.dsn()));
  t.after(() => watcher.end());
  oauth.on("POST /token", async (_r, res) => {
    for (;;) {
      const { rows } = await watcher.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
      if (Number(rows[0].n) >= 1) break;
      await new Promise((r) => setImmediate(r));
    }
    sendJson(res, 200, claudeTokenAnswer(2));
  });
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(`${(i % 2 ? a : b).url}/v1/messages`, messages())));
  assert.deepEqual(answers.map((r) => r.status), Array(50).fill(200));
  assert.equal(oauth.calls("POST /token").length, 1);
  assert.ok(anthropic.requests.every((r) => r.headers.authorization === `Bearer ${fresh}`));
  const { rows } = await watcher.query(`${storeSql("refresh").getAuth}`, ["claude-u.json"]);
  assert.equal(JSON.parse(rows[0].content!).access_token, fresh);
});

test("a replica killed mid-refresh (holding the lock) leaves the credential usable: the lock goes with its connection", { skip }, async (t) => {
  const oauth = await startFakeOAuth(t);
  const fresh = String(claudeTokenAnswer(2).access_token);
  const anthropic = await startFake(t, (r, res) => (r.headers.authorization === `Bearer ${fresh}`
    ? sendJson(res, 200, claudeMessage())
    : sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "stale token" } })));
  await seed(pg, "killed", configYaml(endpointsYaml({ claude: { "token-url": `${oauth.url}/token`, "api-base-url": anthropic.url } })), {
    "claude-u.json": claudeFile("sk-ant-oat01-expired-000000000", { expired: expiresIn(-60_000) }),
  });
  const port = await freePort();
  const child = await spawnReplica(t, pg, "killed", port);
  let firstCall!: () => void;
  const refreshing = new Promise<void>((r) => (firstCall = r));
  let calls = 0;
  oauth.on("POST /token", (_r, res) => {
    if (++calls === 1) return firstCall(); // the child's refresh never gets an answer: it dies holding the lock
    sendJson(res, 200, claudeTokenAnswer(2));
  });
  const doomed = post(`http://127.0.0.1:${port}/v1/messages`, messages()).catch((e: Error) => e);
  await refreshing;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
  const lost = await doomed;
  assert.ok(lost instanceof Error || lost.status !== 200, `the killed replica answered ${lost instanceof Error ? lost.message : `${lost.status} ${await lost.text()}`}`);

  const a = await startReplica(t, pg, "killed");
  const res = await post(`${a.url}/v1/messages`, messages());
  assert.equal(res.status, 200, await res.text());
  assert.equal(calls, 2);
  assert.ok(a.logs.some((l) => l.includes("auth: refreshed claude-u.json")));
});

test("a cooldown set by one replica is honoured by the other: it answers 429 without calling the upstream", { skip }, async (t) => {
  const upstream = await startFake(t, (_r, res) => sendJson(res, 429, { type: "error", error: { type: "rate_limit_error", message: "slow down" } }, { "retry-after": "3600" }));
  await seed(pg, "cool", configYaml(["claude-api-key:", '  - api-key: "sk-ant-api-shared-000001"', `    base-url: "${upstream.url}"`]));
  const a = await startReplica(t, pg, "cool");
  const b = await startReplica(t, pg, "cool");
  const shared = until(b.started.store!.store, "cooldown");
  const first = await post(`${a.url}/v1/messages`, messages());
  assert.equal(first.status, 429);
  await shared;
  const cred = b.started.app.providers.state().find((c) => c.provider === "claude")!;
  assert.equal(cred.state, "cooling");
  const second = await post(`${b.url}/v1/messages`, messages());
  assert.equal(second.status, 429);
  assert.equal(upstream.requests.length, 1, "B did not try the credential A saw rate limited");
});

test("replicas survive a PostgreSQL restart: requests are served from the spool meanwhile, then they reconnect and edits flow again", { skip }, async (t) => {
  const upstream = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  await seed(pg, "restart", configYaml(["claude-api-key:", '  - api-key: "sk-ant-api-restart-0001"', `    base-url: "${upstream.url}"`]));
  const a = await startReplica(t, pg, "restart");
  const b = await startReplica(t, pg, "restart");
  const downA = until(a.started.store!.store.listener, "disconnected");
  const downB = until(b.started.store!.store.listener, "disconnected");
  await pg.stop();
  await Promise.all([downA, downB]);
  for (const r of [a, b]) assert.equal((await post(`${r.url}/v1/messages`, messages())).status, 200);
  const metrics = await (await fetch(`${a.url}/metrics`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).text();
  assert.match(metrics, /cliproxy_store_connected 0/);

  const upA = until(a.started.store!.store.listener, "connected");
  const upB = until(b.started.store!.store.listener, "connected");
  await pg.start();
  await Promise.all([upA, upB]);
  const reloaded = until<ReloadEvent>(b.started.watchers!.config!, "reload", (e) => e.kind === "reloaded");
  const put = await fetch(`${a.url}/v0/management/api-keys`, { method: "PUT", headers: MGMT, body: JSON.stringify([CLIENT_KEY, "sk-after-restart-0001"]) });
  assert.equal(put.status, 200);
  await reloaded;
  assert.equal((await fetch(`${b.url}/v1/models`, { headers: { authorization: "Bearer sk-after-restart-0001" } })).status, 200);
  assert.ok(a.logs.some((l) => l.includes("lost PostgreSQL")));
});
