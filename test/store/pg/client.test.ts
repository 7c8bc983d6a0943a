/**
 * The PostgreSQL client against a real server (one cluster for the file): both password methods,
 * TLS per sslmode, parameters that stay values, the server's error fields, the pool, and LISTEN that
 * comes back after its connection is killed. DSN parsing needs no server.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { parseDsn, quoteIdent } from "../../../src/store/pg/dsn.js";
import { PgConnection, encodeParam, type PgNotification } from "../../../src/store/pg/conn.js";
import { PgConnectionError, PgError } from "../../../src/store/pg/errors.js";
import { Listener, PgPool } from "../../../src/store/pg/pool.js";
import { md5Password, ScramSession } from "../../../src/store/pg/auth.js";
import { MessageReader, MessageWriter } from "../../../src/store/pg/wire.js";
import { PG_PASSWORD, usePgCluster } from "../../support/pg.js";

const cluster = usePgCluster();
const { skip } = cluster;

test("parseDsn() reads URLs and key=value pairs, with libpq's defaults and names the bad part", () => {
  const u = parseDsn(
    "postgresql://bob:p%40ss@db.example:6543/store?sslmode=verify-full&sslrootcert=/ca.pem&connect_timeout=3",
  );
  assert.deepEqual(u, {
    host: "db.example",
    port: 6543,
    user: "bob",
    password: "p@ss",
    database: "store",
    sslmode: "verify-full",
    sslrootcert: "/ca.pem",
    connectTimeoutMs: 3000,
    applicationName: "cliproxy",
  });
  const k = parseDsn("host=/run/postgresql dbname=x user=al password='it''s' sslmode=allow".replace("''", "\\'"));
  assert.equal(k.host, "/run/postgresql");
  assert.equal(k.password, "it's");
  assert.equal(k.sslmode, "prefer");
  assert.equal(parseDsn("", { PGHOST: "h", PGUSER: "u" }).database, "u");
  assert.throws(() => parseDsn("postgres://h/db?sslmode=sometimes"), /sslmode "sometimes" is not one of/);
  assert.throws(() => parseDsn("host=h port=99999"), /port "99999" is not a port number/);
  assert.throws(() => parseDsn("host=h ???"), /cannot parse "\?\?\?"/);
  assert.throws(() => parseDsn("postgres://[bad"), /not a valid postgres:\/\/ URL/);
  assert.equal(quoteIdent('we"ird'), '"we""ird"');
});

test("md5Password() and SCRAM follow the RFC: a proof from the password, and a wrong server signature is refused", async () => {
  // psql's documented form: md5 + md5(md5(password || user) || salt)
  assert.match(md5Password("u", "p", Buffer.from([1, 2, 3, 4])), /^md5[0-9a-f]{32}$/);
  const s = new ScramSession("pencil");
  const first = s.first();
  assert.match(first, /^n,,n=\*,r=/);
  const nonce = first.slice("n,,n=*,r=".length);
  await assert.rejects(
    s.final(`r=other,s=${Buffer.from("salt").toString("base64")},i=4096`),
    /nonce does not extend ours/,
  );
  await assert.rejects(s.final(`r=${nonce}x,s=,i=0`), /no salt or iteration count/);
  const fin = await s.final(`r=${nonce}srv,s=${Buffer.from("salt").toString("base64")},i=16`);
  assert.match(fin, /^c=biws,r=.*,p=/);
  assert.throws(() => s.verify("v=AAAA"), /signature is wrong/);
});

test("MessageReader splits frames across chunks and refuses absurd lengths", () => {
  const framed = new MessageWriter().cstring("hello").finish("C");
  const r = new MessageReader();
  assert.deepEqual(r.push(framed.subarray(0, 3)), []);
  const [m] = r.push(framed.subarray(3));
  assert.equal(m.type, "C");
  assert.equal(m.body.toString(), "hello\0");
  assert.throws(() => new MessageReader().push(Buffer.from([0x44, 0x7f, 0xff, 0xff, 0xff])), /message length/);
  assert.equal(encodeParam(Buffer.from([255]))!.toString(), "\\xff");
  assert.equal(encodeParam(null), null);
});

test("connects with scram-sha-256 and with md5, over TCP and the Unix socket", { skip }, async () => {
  for (const [user, method] of [
    ["postgres", "SCRAM"],
    ["md5user", "md5"],
  ]) {
    const c = await PgConnection.open(parseDsn(cluster.pg.dsn(user)));
    const { rows } = await c.query("SELECT current_user AS u");
    assert.equal(rows[0].u, user, method);
    c.close();
  }
  const sock = await PgConnection.open(
    parseDsn(`host=${cluster.pg.dir} port=${cluster.pg.port} user=postgres dbname=cliproxy`),
  );
  assert.equal((await sock.query("SELECT 1 AS one")).rows[0].one, "1");
  assert.ok(sock.parameters.get("server_version"));
  sock.close();
});

test(
  "a wrong password is the server's error with its SQLSTATE, naming the server and user, not 'connection failed'",
  { skip },
  async () => {
    for (const user of ["postgres", "md5user"]) {
      const err = await PgConnection.open(parseDsn(cluster.pg.dsn(user).replace(PG_PASSWORD, "wrong"))).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof PgError, String(err));
      assert.equal(err.code, "28P01");
      assert.match(
        err.message,
        new RegExp(
          `Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${cluster.pg.port} as "${user}": PostgreSQL FATAL 28P01: password authentication failed`,
        ),
      );
    }
    const port = await closedPort();
    await assert.rejects(
      PgConnection.open(parseDsn(`postgres://u@127.0.0.1:${port}/d`)),
      (e: Error) => e instanceof PgConnectionError && /127\.0\.0\.1:\d+: ECONNREFUSED/.test(e.message),
    );
  },
);

test(
  "sslmode require and verify-full use TLS; verify-full refuses a certificate it cannot trust",
  { skip },
  async (t) => {
    if (!cluster.pg.tls) return t.skip("openssl not found; skipping the TLS test");
    const ssl = async (dsn: string) => {
      const c = await PgConnection.open(parseDsn(dsn));
      const { rows } = await c.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
      c.close();
      return rows[0].ssl;
    };
    assert.equal(await ssl(cluster.pg.dsn("postgres", "sslmode=require")), "t");
    assert.equal(await ssl(cluster.pg.dsn("postgres", "sslmode=disable")), "f");
    assert.equal(
      await ssl(
        cluster.pg
          .dsn("postgres", `sslmode=verify-full&sslrootcert=${cluster.pg.certFile}`)
          .replace("127.0.0.1", "localhost"),
      ),
      "t",
    );
    assert.equal(await ssl(cluster.pg.dsn("md5user", `sslmode=verify-ca&sslrootcert=${cluster.pg.certFile}`)), "t");
    await assert.rejects(
      PgConnection.open(parseDsn(cluster.pg.dsn("postgres", "sslmode=verify-full"))),
      /TLS with PostgreSQL at .* failed \(sslmode=verify-full\): self.signed/i,
    );
  },
);

test(
  "parameters stay values (no SQL injection), NULL and JSON round-trip, and a failed statement leaves the connection usable",
  { skip },
  async () => {
    const c = await PgConnection.open(parseDsn(cluster.pg.dsn()));
    try {
      const evil = "x'); DROP TABLE pg_class; --";
      const { rows } = await c.query(
        "SELECT $1::text AS s, $2::int IS NULL AS n, ($3::jsonb)->>'a' AS j, $4::bool AS b, $5::bytea AS bin",
        [evil, null, { a: "é" }, true, Buffer.from("hi")],
      );
      assert.deepEqual(rows[0], { s: evil, n: "t", j: "é", b: "t", bin: "\\x6869" });
      const err = await c.query("SELECT 1 / $1::int", [0]).catch((e: unknown) => e);
      assert.ok(err instanceof PgError);
      assert.equal(err.code, "22012");
      assert.match(err.message, /division by zero/);
      const syntax = (await c.query("SELEC 1").catch((e: PgError) => e)) as PgError;
      assert.equal(syntax.code, "42601");
      assert.equal(syntax.fields.position, "1");
      assert.equal((await c.query("SELECT 2 AS two")).rows[0].two, "2");
    } finally {
      c.close();
    }
    await assert.rejects(c.query("SELECT 1"), /connection is closed/);
  },
);

test(
  "the pool opens at most `max` connections, and a transaction rolls back when its body throws",
  { skip },
  async (t) => {
    const pool = new PgPool(parseDsn(cluster.pg.dsn()), 2);
    t.after(() => pool.end());
    const pids = await Promise.all(
      Array.from({ length: 8 }, () => pool.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.02)")),
    );
    assert.ok(new Set(pids.map((r) => r.rows[0].pid)).size <= 2);
    await pool.query("CREATE TEMP TABLE IF NOT EXISTS never (x int)").catch(() => undefined);
    await pool.query("CREATE TABLE IF NOT EXISTS pool_tx (x int)");
    await assert.rejects(
      pool.transaction(async (tx) => {
        await tx.query("INSERT INTO pool_tx VALUES ($1)", [1]);
        throw new Error("body failed");
      }),
      /body failed/,
    );
    assert.equal((await pool.query("SELECT count(*) AS n FROM pool_tx")).rows[0].n, "0");
    assert.equal(
      await pool.transaction(async (tx) => (await tx.query("INSERT INTO pool_tx VALUES ($1)", [2])).command),
      "INSERT 0 1",
    );
    // A connection killed by the server is dropped; the next query gets a fresh one.
    const { rows } = await pool.query("SELECT pg_backend_pid() AS pid");
    const killer = new PgPool(parseDsn(cluster.pg.dsn()), 1);
    await killer.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cliproxy' AND pid <> pg_backend_pid() AND pid = $1",
      [rows[0].pid],
    );
    killer.end();
    let ok = false;
    for (let i = 0; i < 3 && !ok; i++)
      ok = await pool.query("SELECT 1").then(
        () => true,
        () => false,
      );
    assert.ok(ok);
    pool.end();
    await assert.rejects(pool.query("SELECT 1"), /pool is closed/);
  },
);

test(
  "Listener receives NOTIFY and, when its connection is killed, reconnects and listens again",
  { skip },
  async (t) => {
    const listener = new Listener(parseDsn(cluster.pg.dsn()), ["chan_one"]);
    t.after(() => listener.stop());
    await listener.start();
    assert.equal(listener.connected, true);
    const pool = new PgPool(parseDsn(cluster.pg.dsn()), 1);
    t.after(() => pool.end());
    const got = new Promise<PgNotification>((r) => listener.once("notification", r));
    await pool.query("SELECT pg_notify($1, $2)", ["chan_one", "hello"]);
    assert.equal((await got).payload, "hello");

    const down = new Promise((r) => listener.once("disconnected", r));
    const up = new Promise((r) => listener.once("connected", r));
    await pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    );
    await down;
    await up;
    const again = new Promise<PgNotification>((r) => listener.once("notification", r));
    await pool.query("SELECT pg_notify($1, $2)", ["chan_one", "after"]);
    assert.equal((await again).payload, "after");
  },
);

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
