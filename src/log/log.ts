/**
 * Levelled, structured logging: `2026-01-01T00:00:00.000Z INFO message key=value …`, every line passed
 * through redact(). Goes to stdout, or to `<logdir>/main.log` (rotated at 10 MB) with logging-to-file.
 */
import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { redact, SecretSet } from "./redact.js";

/** Log levels, least to most severe. */
export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured fields of a log line. */
export type Fields = Record<string, string | number | boolean | undefined | null>;

/** Where lines go; tests pass an array sink. */
export type Sink = (line: string) => void;

/** The logger every module uses. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** Known secrets, masked in every line. */
  readonly secrets: SecretSet;
  setLevel(level: Level): void;
  setSink(sink: Sink): void;
}

/** Rotation size of main.log. */
export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

function formatValue(v: string | number | boolean | null): string {
  const s = String(v);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

/** Formats a line: ISO time, level, message, then key=value fields (undefined fields omitted). */
export function formatLine(level: Level, msg: string, fields: Fields | undefined, now: Date): string {
  let line = `${now.toISOString()} ${level.toUpperCase()} ${msg}`;
  if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${formatValue(v)}`;
  return line;
}

/** Creates a logger writing to `sink` (stdout by default). */
export function createLogger(options: { level?: Level; sink?: Sink } = {}): Logger {
  let min = ORDER[options.level ?? "info"];
  let sink: Sink = options.sink ?? ((line) => process.stdout.write(line + "\n"));
  const secrets = new SecretSet();
  const emit = (level: Level) => (msg: string, fields?: Fields) => {
    if (ORDER[level] < min) return;
    sink(redact(formatLine(level, msg, fields, new Date()), secrets));
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    secrets,
    setLevel(level) {
      min = ORDER[level];
    },
    setSink(next) {
      sink = next;
    },
  };
}

/** A sink appending to `<dir>/main.log`, renaming it to main-<time>.log past LOG_ROTATE_BYTES. */
export function fileSink(dir: string, rotateBytes = LOG_ROTATE_BYTES): Sink & { close(): void } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "main.log");
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    size = 0;
  }
  let stream: WriteStream = createWriteStream(path, { flags: "a", mode: 0o600 });
  const sink = (line: string) => {
    const data = line + "\n";
    if (size + data.length > rotateBytes && size > 0) {
      stream.end();
      // Rotation happens at most once per 10 MB, so a synchronous rename here is not on the hot path.
      renameSync(path, join(dir, `main-${new Date().toISOString().replace(/[:.]/g, "-")}.log`));
      stream = createWriteStream(path, { flags: "a", mode: 0o600 });
      size = 0;
    }
    size += Buffer.byteLength(data);
    stream.write(data);
  };
  return Object.assign(sink, { close: () => stream.end() });
}
