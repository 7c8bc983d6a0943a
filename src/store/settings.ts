/**
 * Which store holds config, token files and cooldowns. The file store (config.yaml and auth-dir on
 * this host) is the embedded default; PostgreSQL when PGSTORE_DSN is set, read exactly as CLIProxyAPI
 * reads it (upper or lower case): PGSTORE_SCHEMA, and PGSTORE_LOCAL_PATH for the local spool, whose
 * `pgstore/` folder mirrors the database so the file-based code keeps working.
 */
import { join, resolve } from "node:path";

/** Settings of the PostgreSQL store. */
export interface PgStoreSettings {
  readonly dsn: string;
  /** Schema of the tables; "" = the connection's search_path (public). */
  readonly schema: string;
  /** The spool root: `<PGSTORE_LOCAL_PATH>/pgstore`, holding `config/config.yaml` and `auths/`. */
  readonly spool: string;
}

function lookup(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const v = env[name] ?? env[name.toLowerCase()];
  return v !== undefined && v.trim() !== "" ? v.trim() : undefined;
}

/** The PostgreSQL store settings from the environment, or undefined for the file store. */
export function pgStoreSettings(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): PgStoreSettings | undefined {
  const dsn = lookup(env, "PGSTORE_DSN");
  if (!dsn) return undefined;
  const local = lookup(env, "PGSTORE_LOCAL_PATH") ?? lookup(env, "WRITABLE_PATH") ?? cwd;
  return { dsn, schema: lookup(env, "PGSTORE_SCHEMA") ?? "", spool: join(resolve(cwd, local), "pgstore") };
}
