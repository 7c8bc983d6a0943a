/**
 * Levelled, structured logging: `2026-01-01T00:00:00.000Z INFO message key=value …`, every line passed
 * through redact(). Goes to stdout, or to `<logdir>/main.log` (rotated at 10 MB) with logging-to-file.
 */
import { mkdirSync, statSync } from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
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
  /** Also sends every written (redacted) line to `sink`, whatever the main sink is; returns the undo. */
  tap?(sink: Sink): () => void;
}

/** Rotation size of main.log. */
export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

/** Control characters (C0 but tab, DEL, C1, and the Unicode line and paragraph separators). */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Escapes control characters (`\n` → `\\n`, ESC → `\\u001b`) so that text a client chose (a model name,
 * a path, an upstream's error) can never start a forged log line or drive a terminal.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function formatValue(v: string | number | boolean | null): string {
  const s = String(v);
  return /^[^\s"=\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/.test(s) ? s : escapeControl(JSON.stringify(s));
}

/** Formats a line: ISO time, level, message, then key=value fields (undefined fields omitted); one physical line whatever they hold. */
export function formatLine(level: Level, msg: string, fields: Fields | undefined, now: Date): string {
  let line = `${now.toISOString()} ${level.toUpperCase()} ${escapeControl(msg)}`;
  if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${formatValue(v)}`;
  return line;
}

/**
 * A sink that gathers the lines of one event-loop turn into one write: a synchronous stdout write per
 * access-log line was half of the logger's cost on the hot path. What is pending is flushed on exit.
 */
export function batchedSink(write: (text: string) => void): Sink {
  let pending = "";
  const flush = () => {
    const text = pending;
    pending = "";
    if (text) write(text);
  };
  let hooked = false;
  return (line) => {
    if (pending === "") {
      if (!hooked) {
        hooked = true;
        process.once("exit", flush);
      }
      setImmediate(flush);
    }
    pending += line + "\n";
  };
}

/** Standard output, batched per event-loop turn. */
export const stdoutSink: Sink = batchedSink((text) => process.stdout.write(text));

/** Creates a logger writing to `sink` (stdout by default). */
export function createLogger(options: { level?: Level; sink?: Sink } = {}): Logger {
  let min = ORDER[options.level ?? "info"];
  let sink: Sink = options.sink ?? stdoutSink;
  const secrets = new SecretSet();
  const taps = new Set<Sink>();
  const emit = (level: Level) => (msg: string, fields?: Fields) => {
    if (ORDER[level] < min) return;
    const line = redact(formatLine(level, msg, fields, new Date()), secrets);
    sink(line);
    for (const t of taps) t(line);
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
    tap(extra) {
      taps.add(extra);
      return () => void taps.delete(extra);
    },
  };
}

/** A sink appending to `<dir>/main.log`, renaming it to main-<time>-<n>.log past `rotateBytes`. */
export function fileSink(dir: string, rotateBytes = LOG_ROTATE_BYTES): Sink & { close(): Promise<void> } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "main.log");
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    size = 0;
  }
  // One async writer loop owns the file: lines queue up, rotation happens between batches, never mid-line.
  const queue: string[] = [];
  let handle: FileHandle | undefined;
  let running: Promise<void> | undefined;
  let rotations = 0;
  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      // One write per run of lines that fits before the next rotation: a write per access line cost the
      // file-logging user a thread-pool round trip per request (#17).
      let chunk = "";
      let chunkBytes = 0;
      const flush = async () => {
        if (!chunk) return;
        handle ??= await open(path, "a", 0o600);
        await handle.write(chunk);
        size += chunkBytes;
        chunk = "";
        chunkBytes = 0;
      };
      for (const data of batch) {
        const bytes = Buffer.byteLength(data);
        if (size + chunkBytes > 0 && size + chunkBytes + bytes > rotateBytes) {
          await flush();
          await handle?.close();
          handle = undefined;
          await rename(path, join(dir, `main-${new Date().toISOString().replace(/[:.]/g, "-")}-${++rotations}.log`));
          size = 0;
        }
        chunk += data;
        chunkBytes += bytes;
      }
      await flush();
    }
  };
  const kick = () => {
    running ??= drain()
      .catch((err: Error) => {
        process.stderr.write(`cliproxy: cannot write ${path}: ${err.message}\n`);
      })
      .finally(() => {
        running = undefined;
        if (queue.length > 0) kick();
      });
  };
  const sink = (line: string) => {
    queue.push(line + "\n");
    kick();
  };
  return Object.assign(sink, {
    async close() {
      while (running) await running;
      await handle?.close();
      handle = undefined;
    },
  });
}
