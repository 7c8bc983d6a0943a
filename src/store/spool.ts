/** The local spool of the PostgreSQL store: atomic 0600 writes (temp file, fsync, rename) and removals. */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join, basename } from "node:path";

/** Writes `content` to `path` atomically with mode 0600, creating its folder 0700. */
export async function writeSpoolFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path).catch(async (err) => {
    await rm(temp, { force: true });
    throw err;
  });
}

/** Removes a spool file; a missing one is fine. */
export async function removeSpoolFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** True for an auth id the spool can hold: a plain top-level `*.json` name, as auth-dir's watcher reads. */
export function isSpoolAuthName(id: string): boolean {
  return /^[^/\\\u0000-\u001f]+\.json$/.test(id) && !id.startsWith(".") && !id.includes("..");
}
