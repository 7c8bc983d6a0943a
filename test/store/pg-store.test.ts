/**
 * The PostgreSQL store's own behaviour (issue #18), on a real server: seeding an empty database, the
 * database as the truth for token files at start, token files added and removed on one replica
 * reaching the other, records it cannot mirror, a refused start, and a change made while the
 * database was down reaching it after the reconnect. Plain helpers first (no server needed).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { CLIENT_KEY, claudeFile } from "../oauth/e2e-support.js";
import { usePgCluster } from "../support/pg.js";
import { replicaEnv, seed, startReplica, until } from "./replica-support.js";
import { createLogger } from "../../src/log/log.js";
import { start } from "../../src/app/start.js";
import { parseDsn } from "../../src/store/pg/dsn.js";
import { PgPool } from "../../src/store/pg/pool.js";
import { canonicalHash, CONFIG_ID, refreshLockKey, storeSql } from "../../src/store/pg-tables.js";
import { PgStore, SEED_CONFIG } from "../../src/store/pg-store.js";
import { decodeCooldown, encodeCooldown } from "../../src/store/replicas.js";
import { pgStoreSettings } from "../../src/store/settings.js";
import { isSpoolAuthName } from "../../src/store/spool.js";

const cluster = usePgCluster();
const { skip } = cluster;

const config = ["host: 127.0.0.1", "api-keys:", `  - "${CLIENT_KEY}"`, ""].join("\n");

test("pgStoreSettings() reads CLIProxyAPI's variables (either case); the spool is <PGSTORE_LOCAL_PATH>/pgstore, else $WRITABLE_PATH, else the working directory", () => {
  assert.equal(pgStoreSettings({}, "/srv"), undefined);
  assert.equal(pgStoreSettings({ PGSTORE_DSN: "  " }, "/srv"), undefined);
  assert.deepEqual(pgStoreSettings({ PGSTORE_DSN: "postgres://x/y" }, "/srv"), {
    dsn: "postgres://x/y",
    schema: "",
    spool: "/srv/pgstore",
  });
  assert.deepEqual(pgStoreSettings({ pgstore_dsn: "d", pgstore_schema: "s", pgstore_local_path: "data" }, "/srv"), {
    dsn: "d",
    schema: "s",
    spool: "/srv/data/pgstore",
  });
  assert.equal(pgStoreSettings({ PGSTORE_DSN: "d", WRITABLE_PATH: "/w" }, "/srv")!.spool, "/w/pgstore");
});

test("the helpers: JSON compared with keys in any order, a lock key per schema and file, spool names, cooldowns as stored", () => {
  assert.equal(canonicalHash({ a: 1, b: [{ y: 1, x: 2 }] }), canonicalHash({ b: [{ x: 2, y: 1 }], a: 1 }));
  assert.notEqual(canonicalHash({ a: 1 }), canonicalHash({ a: 2 }));
  assert.equal(refreshLockKey("s", "f.json"), refreshLockKey("s", "f.json"));
  assert.notEqual(refreshLockKey("s", "f.json"), refreshLockKey("t", "f.json"));
  assert.match(refreshLockKey("", "f.json"), /^-?\d+$/);
  for (const ok of ["claude-u@example.com.json", "a b.json"]) assert.equal(isSpoolAuthName(ok), true, ok);
  for (const bad of ["../x.json", "sub/x.json", ".hidden.json", "x.txt", "a\nb.json", "..json"])
    assert.equal(isSpoolAuthName(bad), false, bad);
  const state = {
    block: { until: 2_000_000, quota: true, status: 429, reason: "rate limited", message: "slow down", at: 1_500_000 },
    level: 3,
  };
  const stored = encodeCooldown("k", "m", state);
  assert.equal(stored.next_retry_after, new Date(2_000_000).toISOString());
  assert.deepEqual(
    decodeCooldown({ authId: "k", model: "m", content: JSON.parse(JSON.stringify(stored)) }, 1_000_000),
    state,
  );
  assert.equal(decodeCooldown({ authId: "k", model: "m", content: stored }, 3_000_000), undefined, "expired");
  assert.equal(decodeCooldown({ authId: "k", model: "m", content: { auth_id: "k" } }, 0), undefined, "not cliproxy's");
  assert.equal(decodeCooldown({ authId: "k", model: "m" }, 0), undefined, "cleared");
});

test(
  "an empty database is seeded with a minimal config that starts; token files in the spool that the database lacks are removed at start",
  { skip },
  async (t) => {
    const env = replicaEnv(cluster.pg, "seeded");
    const auths = join(env.PGSTORE_LOCAL_PATH, "pgstore", "auths");
    mkdirSync(auths, { recursive: true });
    writeFileSync(join(auths, "stale.json"), JSON.stringify(claudeFile("sk-ant-oat01-stale-0000000")));
    const lines: string[] = [];
    const s = await start({
      cwd: env.PGSTORE_LOCAL_PATH,
      homeDir: env.PGSTORE_LOCAL_PATH,
      port: 0,
      env,
      configPath: "nowhere.yaml",
      log: createLogger({ sink: (l) => lines.push(l) }),
    });
    t.after(() => s.stop(100));
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    assert.ok(
      lines.some(
        (l) => l.includes('--config \"nowhere.yaml\" is ignored') || l.includes('--config "nowhere.yaml" is ignored'),
      ),
      lines.join("\n"),
    );
    assert.equal(existsSync(join(auths, "stale.json")), false);
    assert.equal(s.app.config().authDir, auths, "auth-dir is the spool whatever the config says");
    const pool = new PgPool(parseDsn(cluster.pg.dsn()));
    t.after(() => pool.end());
    assert.equal((await pool.query(storeSql("seeded").getConfig, [CONFIG_ID])).rows[0].content, SEED_CONFIG);
  },
);

test(
  "a token file added on one replica (upload, login) reaches the database and the other replica; its removal too; the spool copy is 0600",
  { skip },
  async (t) => {
    await seed(cluster.pg, "files", config, { "../escape.json": { type: "claude" } });
    const a = await startReplica(t, cluster.pg, "files");
    const b = await startReplica(t, cluster.pg, "files");
    assert.ok(a.logs.some((l) => l.includes('skipping auth record "../escape.json"')));
    const tokensB = b.started.app.oauth!.tokens;
    const added = until(tokensB, "change", () => tokensB.get("claude-new.json") !== undefined);
    const dirA = a.started.app.config().authDir;
    writeFileSync(join(dirA, "claude-new.json"), JSON.stringify(claudeFile("sk-ant-oat01-uploaded-0000000")));
    await added;
    assert.equal(tokensB.get("claude-new.json")!.accessToken, "sk-ant-oat01-uploaded-0000000");
    const copy = join(b.started.app.config().authDir, "claude-new.json");
    assert.equal(statSync(copy).mode & 0o777, 0o600);

    const removed = until(tokensB, "change", () => tokensB.get("claude-new.json") === undefined);
    await rm(join(dirA, "claude-new.json"));
    await removed;
    assert.equal(existsSync(copy), false);
  },
);

test(
  "PUT /config.yaml with another auth-dir is accepted and stored, but auth-dir stays the spool on every replica",
  { skip },
  async (t) => {
    await seed(cluster.pg, "putyaml", config);
    const a = await startReplica(t, cluster.pg, "putyaml");
    const b = await startReplica(t, cluster.pg, "putyaml");
    const text = config + 'auth-dir: "/somewhere/else"\nrequest-retry: 2\n';
    const reloaded = until(b.started.watchers!.config!, "reload", (e: { kind: string }) => e.kind === "reloaded");
    const put = await fetch(`${a.url}/v0/management/config.yaml`, {
      method: "PUT",
      headers: { authorization: "Bearer mgmt-pass-123", "content-type": "application/yaml" },
      body: text,
    });
    assert.equal(put.status, 200, await put.text());
    await reloaded;
    for (const r of [a, b]) {
      assert.equal(r.started.app.config().requestRetry, 2);
      assert.equal(r.started.app.config().authDir, r.started.store!.store.authDir);
    }
  },
);

test("a start with a DSN that cannot log in fails, naming the store and the server's reason", { skip }, async () => {
  const env = replicaEnv(cluster.pg, "refused", { PGSTORE_DSN: cluster.pg.dsn().replace(/:[^:@/]+@/, ":wrong@") });
  await assert.rejects(
    start({
      cwd: env.PGSTORE_LOCAL_PATH,
      homeDir: env.PGSTORE_LOCAL_PATH,
      port: 0,
      env,
      log: createLogger({ sink: () => undefined }),
    }),
    /Cannot use the PostgreSQL store \(PGSTORE_DSN\): Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ as "postgres": PostgreSQL FATAL 28P01/,
  );
});

test(
  "a config edit made while PostgreSQL is down is kept in the spool and sent once it is back",
  { skip },
  async (t) => {
    await seed(cluster.pg, "offline", config);
    const a = await startReplica(t, cluster.pg, "offline");
    const store: PgStore = a.started.store!.store;
    const down = until(store.listener, "disconnected");
    await cluster.pg.stop();
    await down;
    const put = await fetch(`${a.url}/v0/management/api-keys`, {
      method: "PUT",
      headers: { authorization: "Bearer mgmt-pass-123", "content-type": "application/json" },
      body: JSON.stringify([CLIENT_KEY, "sk-made-offline-0001"]),
    });
    assert.equal(put.status, 200);
    assert.ok(readFileSync(store.configPath, "utf8").includes("sk-made-offline-0001"));
    const reconciled = until(store, "reconciled");
    await cluster.pg.start();
    await reconciled;
    const pool = new PgPool(parseDsn(cluster.pg.dsn()));
    t.after(() => pool.end());
    assert.match(
      (await pool.query(storeSql("offline").getConfig, [CONFIG_ID])).rows[0].content!,
      /sk-made-offline-0001/,
    );
    assert.ok(a.logs.some((l) => l.includes("config saved locally only")));
  },
);
