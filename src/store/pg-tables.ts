/**
 * The tables of the PostgreSQL store, laid out as CLIProxyAPI lays them out (internal/store/
 * postgresstore.go), so a team can move between the two: `config_store` (id, content TEXT),
 * `auth_store` (id, content JSONB) and `cooldown_store` (auth_id, model, content JSONB, deleted),
 * each with created_at/updated_at. Identifiers are quoted; every value is a `$n` parameter.
 */
import { createHash } from "node:crypto";
import { quoteIdent } from "./pg/dsn.js";
import type { PgQueryable } from "./pg/pool.js";

/** The config row's id. */
export const CONFIG_ID = "config";

/** Statements for one schema. */
export interface StoreSql {
  readonly channel: string;
  readonly create: readonly string[];
  readonly getConfig: string;
  readonly putConfig: string;
  readonly getAuth: string;
  readonly listAuth: string;
  readonly putAuth: string;
  readonly deleteAuth: string;
  readonly getCooldown: string;
  readonly listCooldowns: string;
  readonly putCooldown: string;
  readonly deleteCooldown: string;
}

/** The SQL of the store in `schema` ("" = search_path). */
export function storeSql(schema: string): StoreSql {
  const t = (name: string) => (schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name));
  const config = t("config_store"),
    auth = t("auth_store"),
    cooldown = t("cooldown_store");
  return {
    // NOTIFY channels are per database, so two schemas in one database get two channels.
    channel: `cliproxy_store_${schema || "public"}`.slice(0, 63),
    create: [
      ...(schema ? [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`] : []),
      `CREATE TABLE IF NOT EXISTS ${config} (id TEXT PRIMARY KEY, content TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW())`,
      `CREATE TABLE IF NOT EXISTS ${auth} (id TEXT PRIMARY KEY, content JSONB NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW())`,
      `CREATE TABLE IF NOT EXISTS ${cooldown} (auth_id TEXT NOT NULL, model TEXT NOT NULL DEFAULT '', content JSONB NOT NULL, deleted BOOLEAN NOT NULL DEFAULT FALSE, ` +
        `created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), PRIMARY KEY (auth_id, model))`,
    ],
    getConfig: `SELECT content FROM ${config} WHERE id = $1`,
    putConfig: `INSERT INTO ${config} (id, content, created_at, updated_at) VALUES ($1, $2, NOW(), NOW()) ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content, updated_at = NOW()`,
    getAuth: `SELECT content::text AS content FROM ${auth} WHERE id = $1`,
    listAuth: `SELECT id, content::text AS content FROM ${auth} ORDER BY id`,
    putAuth: `INSERT INTO ${auth} (id, content, created_at, updated_at) VALUES ($1, $2::jsonb, NOW(), NOW()) ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content, updated_at = NOW()`,
    deleteAuth: `DELETE FROM ${auth} WHERE id = $1`,
    getCooldown: `SELECT auth_id, model, content::text AS content, deleted FROM ${cooldown} WHERE auth_id = $1 AND model = $2`,
    listCooldowns: `SELECT auth_id, model, content::text AS content, deleted FROM ${cooldown}`,
    // As CLIProxyAPI: a row only moves forward in time, so a late writer cannot undo a newer state.
    putCooldown:
      `INSERT INTO ${cooldown} AS target (auth_id, model, content, deleted, created_at, updated_at) VALUES ($1, $2, $3::jsonb, FALSE, NOW(), $4) ` +
      `ON CONFLICT (auth_id, model) DO UPDATE SET content = EXCLUDED.content, deleted = FALSE, updated_at = EXCLUDED.updated_at WHERE target.updated_at <= EXCLUDED.updated_at`,
    deleteCooldown:
      `INSERT INTO ${cooldown} AS target (auth_id, model, content, deleted, created_at, updated_at) VALUES ($1, $2, '{}'::jsonb, TRUE, NOW(), $3) ` +
      `ON CONFLICT (auth_id, model) DO UPDATE SET content = EXCLUDED.content, deleted = TRUE, updated_at = EXCLUDED.updated_at WHERE target.updated_at <= EXCLUDED.updated_at`,
  };
}

/** Creates the schema and tables when missing. */
export async function ensureTables(db: PgQueryable, sql: StoreSql): Promise<void> {
  for (const statement of sql.create) await db.query(statement);
}

/** The advisory lock key of one credential's refresh: 64 bits of SHA-256 over the schema and file name. */
export function refreshLockKey(schema: string, file: string): string {
  return createHash("sha256").update(`cliproxy-refresh\0${schema}\0${file}`).digest().readBigInt64BE(0).toString();
}

/** SHA-256 of a JSON value with keys sorted: JSONB reorders keys, so bytes cannot be compared. */
export function canonicalHash(value: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify(canon(value)))
    .digest("hex");
}
