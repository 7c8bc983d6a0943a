/**
 * A real PostgreSQL for the store tests: Debian's binaries (/usr/lib/postgresql/<v>/bin, or $PG_BIN),
 * initdb in a temp dir, the server on a loopback ephemeral port with its socket in the temp dir, roles
 * for scram-sha-256 and md5, TLS with a self-signed certificate when openssl is available. One cluster
 * per test file; stop() and start() restart it on the same port; destroy() removes everything.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";

/** Passwords of the test roles. */
export const PG_PASSWORD = "test-pw-Sup3r";

/** A running test cluster. */
export interface PgCluster {
  readonly port: number;
  readonly dir: string;
  /** True when the server has TLS (openssl was found). */
  readonly tls: boolean;
  /** Path of the server's self-signed certificate (its own CA), when tls. */
  readonly certFile: string;
  /** A DSN for `user` (postgres: scram-sha-256 superuser; md5user: md5) over TCP. */
  dsn(user?: string, extra?: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** The directory holding initdb and postgres, or why there is none. */
export function pgBinaries(): { dir: string } | { why: string } {
  const candidates = process.env.PG_BIN
    ? [process.env.PG_BIN]
    : existsSync("/usr/lib/postgresql")
      ? readdirSync("/usr/lib/postgresql")
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : [];
  const dir = candidates.find((d) => existsSync(join(d, "initdb")) && existsSync(join(d, "postgres")));
  return dir
    ? { dir }
    : {
        why: "PostgreSQL binaries not found (apt-get install -y postgresql, or set PG_BIN); skipping the PostgreSQL tests",
      };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts a cluster; throws when binaries are missing (call pgBinaries() first to skip). */
export async function startPg(): Promise<PgCluster> {
  const bins = pgBinaries();
  if ("why" in bins) throw new Error(bins.why);
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-pg-"));
  // initdb and postgres refuse to run as root: run them as the postgres account when we are root.
  const asRoot = userInfo().uid === 0;
  const pgUser = asRoot ? spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }) : undefined;
  const ids = asRoot
    ? {
        uid: Number(pgUser!.stdout.trim()),
        gid: Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim()),
      }
    : {};
  if (asRoot && !Number.isInteger(ids.uid))
    throw new Error("running as root and there is no postgres account to run PostgreSQL as");
  const own = (p: string) => asRoot && chownSync(p, ids.uid!, ids.gid!);
  own(dir);
  const data = join(dir, "data");
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, PG_PASSWORD + "\n");
  own(pwfile);
  const init = spawnSync(
    join(bins.dir, "initdb"),
    [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=scram-sha-256",
      "--auth-local=trust",
      `--pwfile=${pwfile}`,
      "-E",
      "UTF8",
      "--no-sync",
      "--no-instructions",
    ],
    { ...ids, encoding: "utf8" },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  writeFileSync(
    join(data, "pg_hba.conf"),
    ["local all all trust", "host all md5user 127.0.0.1/32 md5", "host all all 127.0.0.1/32 scram-sha-256", ""].join(
      "\n",
    ),
  );
  own(join(data, "pg_hba.conf"));
  const certFile = join(data, "server.crt");
  const ssl = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(data, "server.key"),
      "-out",
      certFile,
    ],
    { encoding: "utf8" },
  );
  const tls = ssl.status === 0;
  if (tls) {
    own(join(data, "server.key"));
    own(certFile);
    spawnSync("chmod", ["600", join(data, "server.key")]);
    appendFileSync(
      join(data, "postgresql.conf"),
      "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
    );
  }
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      join(bins.dir, "postgres"),
      [
        "-D",
        data,
        "-p",
        String(port),
        "-k",
        dir,
        "-h",
        "127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "synchronous_commit=off",
      ],
      { ...ids, stdio: ["ignore", "ignore", "pipe"] },
    );
    const p = proc;
    await new Promise<void>((resolve, reject) => {
      let log = "";
      p.stderr!.on("data", (b: Buffer) => {
        log += b.toString();
        if (log.includes("database system is ready to accept connections")) resolve();
      });
      p.once("exit", (code) => reject(new Error(`postgres exited with ${code}: ${log}`)));
    });
  };
  await start();
  // Roles: md5user stores an md5 hash so the server asks for md5; the store's tests get their own database.
  const psql = (sql: string) => {
    const r = spawnSync(
      join(bins.dir, "psql"),
      ["-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
      { ...ids, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  };
  psql(`SET password_encryption = 'md5'; CREATE ROLE md5user LOGIN PASSWORD '${PG_PASSWORD}'`);
  psql("CREATE DATABASE cliproxy OWNER postgres");
  psql("GRANT ALL ON DATABASE cliproxy TO md5user");
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGINT"); // fast shutdown: clients are disconnected
    await exited;
  };
  return {
    port,
    dir,
    tls,
    certFile,
    dsn: (user = "postgres", extra = "sslmode=disable") =>
      `postgres://${user}:${PG_PASSWORD}@127.0.0.1:${port}/cliproxy?${extra}`,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The cluster of one test file: started in before(), destroyed in after(). `skip` is the reason the binaries
 * are missing (tests pass it to test() and skip), else false; `pg` is the running cluster inside tests.
 */
export function usePgCluster(): { readonly skip: string | false; readonly pg: PgCluster } {
  const bins = pgBinaries();
  const skip = "why" in bins ? bins.why : false;
  let cluster: PgCluster | undefined;
  before(async () => {
    if (!skip) cluster = await startPg();
  });
  after(async () => {
    await cluster?.destroy();
  });
  return {
    skip,
    get pg() {
      if (!cluster) throw new Error("the PostgreSQL cluster is not running (used outside a test, or skipped)");
      return cluster;
    },
  };
}
