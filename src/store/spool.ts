/** The local spool of the PostgreSQL store: atomic 0600 writes (temp file, fsync, rename) and removals. */
import { rm } from "node:fs/promises";
import { writeFileAtomic } from "../atomic-file.js";

/** Writes `content` to `path` atomically with mode 0600, creating its folder 0700. */
export async function writeSpoolFile(path: string, content: string): Promise<void> {
  await writeFileAtomic(path, content, { mode: 0o600, dirMode: 0o700 });
}

/** Removes a spool file; a missing one is fine. */
export async function removeSpoolFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** True for an auth id the spool can hold: a plain top-level `*.json` name, as auth-dir's watcher reads. */
export function isSpoolAuthName(id: string): boolean {
  return /^[^/\\\u0000-\u001f]+\.json$/.test(id) && !id.startsWith(".") && !id.includes("..");
}
