/**
 * Replicas on one PostgreSQL for the store tests: seeds a schema's config and token files straight into
 * the tables, starts cliproxy replicas in-process (start() with PGSTORE_* in its env) or as a child
 * process, and waits for store events instead of sleeping.
 */
import type { TestContext } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { start, type Started } from "../../src/app/start.js";
import { createLogger } from "../../src/log/log.js";
import { parseDsn } from "../../src/store/pg/dsn.js";
import { PgPool } from "../../src/store/pg/pool.js";
import { CONFIG_ID, ensureTables, storeSql } from "../../src/store/pg-tables.js";
import type { PgCluster } from "../support/pg.js";

/** A replica started in this process. */
export interface Replica {
  readonly url: string;
  readonly started: Started;
  readonly logs: string[];
  readonly env: Record<string, string>;
}

/** Writes config and token files of `schema` into the database. */
export async function seed(
  pg: PgCluster,
  schema: string,
  config: string,
  files: Record<string, unknown> = {},
): Promise<void> {
  const pool = new PgPool(parseDsn(pg.dsn()));
  try {
    const sql = storeSql(schema);
    await ensureTables(pool, sql);
    await pool.query(sql.putConfig, [CONFIG_ID, config]);
    for (const [id, data] of Object.entries(files)) await pool.query(sql.putAuth, [id, JSON.stringify(data)]);
  } finally {
    pool.end();
  }
}

/** The environment of a replica on `schema` with its own spool. */
export function replicaEnv(pg: PgCluster, schema: string, extra: Record<string, string> = {}): Record<string, string> {
  const local = mkdtempSync(join(tmpdir(), "cliproxy-replica-"));
  return {
    PGSTORE_DSN: pg.dsn(),
    PGSTORE_SCHEMA: schema,
    PGSTORE_LOCAL_PATH: local,
    MANAGEMENT_PASSWORD: "mgmt-pass-123",
    ...extra,
  };
}

/** Starts a replica in this process; stopped when the test ends. */
export async function startReplica(t: TestContext, pg: PgCluster, schema: string): Promise<Replica> {
  const env = replicaEnv(pg, schema);
  const logs: string[] = [];
  const log = createLogger({ level: "debug", sink: (line) => logs.push(line) });
  const started = await start({ cwd: env.PGSTORE_LOCAL_PATH, homeDir: env.PGSTORE_LOCAL_PATH, port: 0, env, log });
  t.after(() => started.stop(1000));
  return { url: started.url, started, logs, env };
}

/** A replica as its own process (`node --import tsx src/main.ts`), for killing it. */
export async function spawnReplica(t: TestContext, pg: PgCluster, schema: string, port: number): Promise<ChildProcess> {
  const env = replicaEnv(pg, schema);
  const root = resolve(import.meta.dirname, "..", "..");
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "main.ts"), "--port", String(port)], {
    cwd: root,
    env: { ...process.env, ...env, HOME: env.PGSTORE_LOCAL_PATH },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => void (child.exitCode === null && child.kill("SIGKILL")));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("listening on")) resolve();
    });
    child.stderr!.on("data", (b: Buffer) => void (out += b.toString()));
    child.once("exit", (code) => reject(new Error(`replica exited with ${code}: ${out}`)));
  });
  return child;
}

/** Resolves with the first emission of `event` on `emitter` for which `match` holds. */
export function until<T>(
  emitter: NodeJS.EventEmitter,
  event: string,
  match: (value: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const on = (value: T) => {
      if (!match(value)) return;
      emitter.off(event, on);
      resolve(value);
    };
    emitter.on(event, on);
  });
}

export { once };
