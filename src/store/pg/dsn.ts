/**
 * PostgreSQL connection strings, as libpq reads them: a URL (`postgres://user:pw@host:5432/db?sslmode=require`)
 * or `key=value` pairs (`host=/run/postgresql dbname=cliproxy`). Only the keys the store needs are read.
 */

/** How the client uses TLS (libpq's sslmode; `allow` is treated as `prefer`). */
export type SslMode = "disable" | "prefer" | "require" | "verify-ca" | "verify-full";

/** A parsed connection string. */
export interface PgSettings {
  /** Host name, address, or a Unix socket directory (starts with `/`). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly sslmode: SslMode;
  /** CA file for verify-ca / verify-full. */
  readonly sslrootcert?: string;
  readonly connectTimeoutMs: number;
  readonly applicationName: string;
}

const SSL_MODES: readonly string[] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

/** Parses a DSN; throws naming the bad part (never echoing the password). */
export function parseDsn(dsn: string, env: Readonly<Record<string, string | undefined>> = {}): PgSettings {
  const raw = new Map<string, string>();
  const text = dsn.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error("PGSTORE_DSN is not a valid postgres:// URL");
    }
    if (url.hostname) raw.set("host", decodeURIComponent(url.hostname.replace(/^\[|\]$/g, "")));
    if (url.port) raw.set("port", url.port);
    if (url.username) raw.set("user", decodeURIComponent(url.username));
    if (url.password) raw.set("password", decodeURIComponent(url.password));
    const db = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (db) raw.set("dbname", db);
    for (const [k, v] of url.searchParams) raw.set(k, v);
  } else {
    const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:\\.|[^'\\])*)'|(\S*))/gy;
    let m: RegExpExecArray | null;
    let end = 0;
    while ((m = re.exec(text))) {
      raw.set(m[1], m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]);
      end = re.lastIndex;
    }
    if (text.slice(end).trim())
      throw new Error(
        `PGSTORE_DSN: cannot parse "${text.slice(end).trim().slice(0, 20)}" (expected key=value pairs or a postgres:// URL)`,
      );
  }
  const port = Number(raw.get("port") ?? env.PGPORT ?? 5432);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`PGSTORE_DSN: port "${raw.get("port")}" is not a port number`);
  const sslmode = (raw.get("sslmode") ?? env.PGSSLMODE ?? "prefer").toLowerCase();
  if (!SSL_MODES.includes(sslmode))
    throw new Error(`PGSTORE_DSN: sslmode "${sslmode}" is not one of ${SSL_MODES.join(", ")}`);
  const user = raw.get("user") ?? env.PGUSER ?? env.USER ?? "postgres";
  const timeout = Number(raw.get("connect_timeout") ?? 10);
  return {
    host: raw.get("host") ?? env.PGHOST ?? "localhost",
    port,
    user,
    password: raw.get("password") ?? env.PGPASSWORD ?? "",
    database: raw.get("dbname") ?? env.PGDATABASE ?? user,
    sslmode: (sslmode === "allow" ? "prefer" : sslmode) as SslMode,
    sslrootcert: raw.get("sslrootcert"),
    connectTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 10_000,
    applicationName: raw.get("application_name") ?? "cliproxy",
  };
}

/** Quotes an identifier (schema, table, channel) for SQL text; values always travel as parameters instead. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
