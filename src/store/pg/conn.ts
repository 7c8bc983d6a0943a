/**
 * One PostgreSQL connection (protocol 3.0): TCP or Unix socket, optional TLS after SSLRequest,
 * password authentication, and queries over the extended protocol (Parse/Bind/Describe/Execute/Sync,
 * parameters as text, results as text). Queries run one at a time in call order. NotificationResponse
 * messages are emitted as "notification"; "close" is emitted once when the connection ends.
 */
import { EventEmitter } from "node:events";
import { readFile } from "node:fs/promises";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { md5Password, ScramSession } from "./auth.js";
import type { PgSettings } from "./dsn.js";
import { PgConnectionError, PgError } from "./errors.js";
import { BodyReader, MessageReader, MessageWriter, parseFields, type BackendMessage } from "./wire.js";

/** A value sent as a parameter: text format; objects are sent as JSON. */
export type PgParam = string | number | bigint | boolean | null | undefined | Date | Buffer | object;

/** A result row: column name → text value (null for SQL NULL). */
export type PgRow = Record<string, string | null>;

/** What a query returned. */
export interface PgResult {
  readonly rows: PgRow[];
  /** The command tag, e.g. `INSERT 0 1`. */
  readonly command: string;
}

/** A NOTIFY received on a channel this connection listens to. */
export interface PgNotification {
  readonly pid: number;
  readonly channel: string;
  readonly payload: string;
}

interface Pending {
  resolve(r: PgResult): void;
  reject(e: Error): void;
  rows: PgRow[];
  names: string[];
  command: string;
  error?: PgError;
  context: string;
}

/** Encodes one parameter in text format. */
export function encodeParam(v: PgParam): Buffer | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return Buffer.from("\\x" + v.toString("hex"));
  if (v instanceof Date) return Buffer.from(v.toISOString());
  if (typeof v === "object") return Buffer.from(JSON.stringify(v));
  if (typeof v === "boolean") return Buffer.from(v ? "t" : "f");
  return Buffer.from(String(v));
}

/** An open, authenticated connection. */
export class PgConnection extends EventEmitter {
  readonly #reader = new MessageReader();
  readonly #queue: Pending[] = [];
  #closed = false;
  #onMessage: (m: BackendMessage) => void = () => undefined;
  /** Server parameters (server_version, …). */
  readonly parameters = new Map<string, string>();

  private constructor(
    private socket: Socket | TLSSocket,
    private readonly settings: PgSettings,
  ) {
    super();
  }

  /** Connects, negotiates TLS per sslmode, authenticates, and waits for ReadyForQuery. */
  static async open(settings: PgSettings): Promise<PgConnection> {
    const where = settings.host.startsWith("/")
      ? `${settings.host}/.s.PGSQL.${settings.port}`
      : `${settings.host}:${settings.port}`;
    const socket = await openSocket(settings, where);
    const conn = new PgConnection(socket, settings);
    try {
      const secured = await conn.negotiateTls(where);
      conn.attach(secured);
      await conn.startup(where);
    } catch (err) {
      conn.socket.destroy();
      throw err;
    }
    return conn;
  }

  private async negotiateTls(where: string): Promise<Socket | TLSSocket> {
    const s = this.settings;
    if (s.sslmode === "disable" || s.host.startsWith("/")) return this.socket;
    this.socket.write(new MessageWriter().int32(80877103).finish());
    const answer = await new Promise<string>((resolve, reject) => {
      const fail = (e: Error) =>
        reject(new PgConnectionError(`Cannot connect to PostgreSQL at ${where}: ${e.message}`, { cause: e }));
      this.socket.once("error", fail);
      this.socket.once("data", (b: Buffer) => {
        this.socket.off("error", fail);
        resolve(String.fromCharCode(b[0]));
      });
    });
    if (answer !== "S") {
      if (s.sslmode === "prefer") return this.socket;
      throw new PgConnectionError(
        `PostgreSQL at ${where} does not accept TLS, but sslmode is ${s.sslmode} (enable ssl on the server or set sslmode=disable)`,
      );
    }
    const verify = s.sslmode === "verify-ca" || s.sslmode === "verify-full";
    const ca = verify && s.sslrootcert ? await readFile(s.sslrootcert) : undefined;
    const tls = tlsConnect({
      socket: this.socket,
      ca,
      rejectUnauthorized: verify,
      servername: /^[\d.:]+$/.test(s.host) ? undefined : s.host,
      ...(s.sslmode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
      ...(s.sslmode === "verify-full" ? { host: s.host } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      tls.once("secureConnect", resolve);
      tls.once("error", (e) =>
        reject(
          new PgConnectionError(`TLS with PostgreSQL at ${where} failed (sslmode=${s.sslmode}): ${e.message}`, {
            cause: e,
          }),
        ),
      );
    });
    this.socket = tls;
    return tls;
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on("data", (chunk: Buffer) => {
      let messages: BackendMessage[];
      try {
        messages = this.#reader.push(chunk);
      } catch (err) {
        return this.fail(err as Error);
      }
      for (const m of messages) this.#onMessage(m);
    });
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new PgConnectionError("PostgreSQL closed the connection")));
  }

  private startup(where: string): Promise<void> {
    const s = this.settings;
    const w = new MessageWriter().int32(196608);
    for (const [k, v] of [
      ["user", s.user],
      ["database", s.database],
      ["application_name", s.applicationName],
      ["client_encoding", "UTF8"],
    ])
      w.cstring(k).cstring(v);
    this.socket.write(w.cstring("").finish());
    return new Promise<void>((resolve, reject) => {
      let scram: ScramSession | undefined;
      const fail = (e: Error) => {
        this.off("close", onClose);
        reject(e);
      };
      const onClose = (e: Error) =>
        reject(new PgConnectionError(`Cannot connect to PostgreSQL at ${where}: ${e.message}`, { cause: e }));
      this.once("close", onClose);
      this.#onMessage = (m) => {
        const r = new BodyReader(m.body);
        if (m.type === "E")
          return fail(new PgError(parseFields(m.body), `Cannot connect to PostgreSQL at ${where} as "${s.user}"`));
        if (m.type === "S") return void this.parameters.set(r.cstring(), r.cstring());
        if (m.type === "Z") {
          this.off("close", onClose);
          this.#onMessage = (msg) => this.dispatch(msg);
          return resolve();
        }
        if (m.type !== "R") return;
        const code = r.int32();
        const send = (body: MessageWriter) => this.socket.write(body.finish("p"));
        if (code === 0) return;
        if (code === 3) return send(new MessageWriter().cstring(s.password));
        if (code === 5) return send(new MessageWriter().cstring(md5Password(s.user, s.password, r.bytes(4))));
        if (code === 10) {
          const mechanisms: string[] = [];
          for (let mech = r.cstring(); mech; mech = r.cstring()) mechanisms.push(mech);
          if (!mechanisms.includes("SCRAM-SHA-256"))
            return fail(
              new PgConnectionError(
                `PostgreSQL at ${where} offers only ${mechanisms.join(", ")}; cliproxy speaks SCRAM-SHA-256`,
              ),
            );
          scram = new ScramSession(s.password);
          const first = Buffer.from(scram.first());
          return send(new MessageWriter().cstring("SCRAM-SHA-256").int32(first.length).bytes(first));
        }
        if (code === 11 && scram) {
          const serverFirst = r.rest().toString();
          scram.final(serverFirst).then(
            (fin) => send(new MessageWriter().bytes(Buffer.from(fin))),
            (e: Error) => fail(new PgConnectionError(e.message)),
          );
          return;
        }
        if (code === 12 && scram) {
          try {
            scram.verify(r.rest().toString());
          } catch (e) {
            fail(new PgConnectionError((e as Error).message));
            this.socket.destroy();
          }
          return;
        }
        fail(
          new PgConnectionError(
            `PostgreSQL at ${where} asked for authentication method ${code}, which cliproxy does not speak (use scram-sha-256 or md5)`,
          ),
        );
      };
    });
  }

  private dispatch(m: BackendMessage): void {
    const r = new BodyReader(m.body);
    if (m.type === "A") {
      const pid = r.int32();
      this.emit("notification", { pid, channel: r.cstring(), payload: r.cstring() } satisfies PgNotification);
      return;
    }
    if (m.type === "S") return void this.parameters.set(r.cstring(), r.cstring());
    if (m.type === "N" || m.type === "K") return;
    const p = this.#queue[0];
    if (!p) {
      if (m.type === "E") this.fail(new PgError(parseFields(m.body), "PostgreSQL ended the session"));
      return;
    }
    switch (m.type) {
      case "T": {
        const n = r.int16();
        p.names = [];
        for (let i = 0; i < n; i++) {
          p.names.push(r.cstring());
          r.bytes(18);
        }
        return;
      }
      case "D": {
        const n = r.int16();
        const row: PgRow = {};
        for (let i = 0; i < n; i++) {
          const len = r.int32();
          row[p.names[i] ?? String(i)] = len < 0 ? null : r.bytes(len).toString("utf8");
        }
        p.rows.push(row);
        return;
      }
      case "C":
        p.command = r.cstring();
        return;
      case "E":
        p.error ??= new PgError(parseFields(m.body), p.context);
        return;
      case "Z":
        this.#queue.shift();
        if (p.error) p.reject(p.error);
        else p.resolve({ rows: p.rows, command: p.command });
        return;
      default:
        return; // ParseComplete, BindComplete, NoData, EmptyQueryResponse
    }
  }

  /** Runs one statement with `$1…` parameters; rejects with PgError carrying the server's fields. */
  query(sql: string, params: readonly PgParam[] = []): Promise<PgResult> {
    if (this.#closed) return Promise.reject(new PgConnectionError("PostgreSQL connection is closed"));
    const w = new MessageWriter().cstring("").cstring(sql).int16(0);
    const parse = w.finish("P");
    const b = new MessageWriter().cstring("").cstring("").int16(0).int16(params.length);
    for (const v of params) {
      const enc = encodeParam(v);
      if (enc === null) b.int32(-1);
      else b.int32(enc.length).bytes(enc);
    }
    const bind = b.int16(0).finish("B");
    const describe = new MessageWriter().bytes(Buffer.from("P\0")).finish("D");
    const execute = new MessageWriter().cstring("").int32(0).finish("E");
    const sync = new MessageWriter().finish("S");
    return new Promise<PgResult>((resolve, reject) => {
      this.#queue.push({
        resolve,
        reject,
        rows: [],
        names: [],
        command: "",
        context: sql.trim().split(/\s+/).slice(0, 3).join(" "),
      });
      this.socket.write(Buffer.concat([parse, bind, describe, execute, sync]));
    });
  }

  /** True once the connection has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  private fail(err: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.destroy();
    const e =
      err instanceof PgError || err instanceof PgConnectionError
        ? err
        : new PgConnectionError(`PostgreSQL connection lost: ${err.message}`, { cause: err });
    for (const p of this.#queue.splice(0)) p.reject(e);
    this.emit("close", e);
  }

  /** Sends Terminate and closes. */
  close(): void {
    if (this.#closed) return;
    this.socket.end(new MessageWriter().finish("X"));
    this.fail(new PgConnectionError("PostgreSQL connection closed by cliproxy"));
  }
}

function openSocket(s: PgSettings, where: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = s.host.startsWith("/")
      ? netConnect(`${s.host}/.s.PGSQL.${s.port}`)
      : netConnect({ host: s.host, port: s.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new PgConnectionError(`Cannot connect to PostgreSQL at ${where}: no answer within ${s.connectTimeoutMs} ms`),
      );
    }, s.connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(socket);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new PgConnectionError(`Cannot connect to PostgreSQL at ${where}: ${e.code ?? e.message}`, { cause: e }));
    });
  });
}
