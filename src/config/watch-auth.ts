/**
 * Watches the top level of auth-dir for token files (`*.json`) and reports additions, changes and
 * removals (config.md §7, oauth.md §8). Each path's events settle for 50 ms first, so a remove
 * followed by a re-create (an atomic replace) is seen as a change, and repeated removes as one.
 * Content whose SHA-256 is already known (unchanged, or written by cliproxy itself) is not reported.
 */
import { EventEmitter } from "node:events";
import { mkdirSync, watch, type FSWatcher } from "node:fs";
import { readdir } from "node:fs/promises";
import { readProblem, readTokenBytes } from "./token-read.js";
import { join } from "node:path";
import type { Logger } from "../log/log.js";
import { sha256 } from "./watch.js";

/** Settling time of one token file's events. */
export const AUTH_SETTLE_MS = 50;

/** One token file that appeared, changed or went away. */
export interface AuthFileEvent {
  readonly kind: "added" | "changed" | "removed";
  /** File name relative to auth-dir: the credential id. */
  readonly file: string;
  readonly path: string;
  /** The parsed JSON object (added, changed). */
  readonly data?: Record<string, unknown>;
}

/** Emits "file" (AuthFileEvent), "invalid" ({file, path}) for a *.json that is not an object, and "rescan" ({dir}) when auth-dir changes. */
export interface AuthDirWatcher extends EventEmitter {
  readonly dir: string;
  /** Points the watcher at a new directory (auth-dir changed in config) and emits "rescan". */
  setDir(dir: string): Promise<void>;
  /** Records content cliproxy wrote itself, so its own write is not reported back. */
  noteWritten(file: string, content: string | Buffer): void;
  close(): void;
}

/** Starts watching `dir` (created 0700 when missing). */
export async function watchAuthDir(dir: string, log: Logger, settleMs = AUTH_SETTLE_MS): Promise<AuthDirWatcher> {
  const emitter = new EventEmitter() as AuthDirWatcher & { dir: string };
  const hashes = new Map<string, string>();
  const timers = new Map<string, NodeJS.Timeout>();
  let watcher: FSWatcher | undefined;
  let generation = 0;

  const settle = async (file: string, gen: number) => {
    timers.delete(file);
    const path = join(emitter.dir, file);
    let bytes: Buffer | undefined;
    try {
      bytes = await readTokenBytes(emitter.dir, file);
    } catch (err) {
      // Gone, or refused (a FIFO, a link out of auth-dir): either way it serves nothing from now on.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") log.warn(`auth: ignoring ${file}: ${readProblem(err)}`);
      bytes = undefined;
    }
    if (gen !== generation) return;
    if (bytes === undefined) {
      if (hashes.delete(file)) emitter.emit("file", { kind: "removed", file, path } satisfies AuthFileEvent);
      return;
    }
    const hash = sha256(bytes);
    const known = hashes.get(file);
    if (known === hash) return;
    let data: unknown;
    try {
      data = bytes.length ? JSON.parse(bytes.toString("utf8")) : undefined;
    } catch {
      data = undefined;
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      log.warn(`auth: ignoring ${file}: not a JSON object`);
      emitter.emit("invalid", { file, path });
      return;
    }
    hashes.set(file, hash);
    emitter.emit("file", {
      kind: known ? "changed" : "added",
      file,
      path,
      data: data as Record<string, unknown>,
    } satisfies AuthFileEvent);
  };

  const arm = async (dir: string) => {
    watcher?.close();
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    hashes.clear();
    const gen = ++generation;
    emitter.dir = dir;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      watcher = watch(dir, (_event, filename) => {
        const file = filename?.toString();
        if (!file || !file.endsWith(".json") || file.includes("/") || file.includes("\\")) return;
        clearTimeout(timers.get(file));
        timers.set(
          file,
          setTimeout(() => void settle(file, gen), settleMs),
        );
      });
      watcher.on("error", (err) => log.warn(`auth: stopped watching ${dir}: ${err.message}`));
    } catch (err) {
      watcher = undefined;
      log.warn(`auth: cannot watch ${dir}: ${(err as Error).message}`);
      return;
    }
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const file of names.filter((n) => n.endsWith(".json"))) {
      const bytes = await readTokenBytes(dir, file).catch(() => undefined);
      if (bytes && gen === generation) hashes.set(file, sha256(bytes));
    }
  };

  emitter.setDir = async (dir) => {
    if (dir === emitter.dir) return;
    await arm(dir);
    log.info(`auth: watching ${dir}`);
    emitter.emit("rescan", { dir });
  };
  emitter.noteWritten = (file, content) => void hashes.set(file, sha256(content));
  emitter.close = () => {
    generation++;
    watcher?.close();
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  };
  await arm(dir);
  return emitter;
}
