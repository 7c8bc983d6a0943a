/**
 * The one atomic file write. A temp file beside the target (same folder, so rename stays on one file system) is
 * created exclusively with its final mode, written, fsynced and renamed over the target: a crash or a reader
 * running at the same time sees the old file or the new one, never half of one, and a failed write leaves the
 * target as it was and no temp file behind. Temp names start with a dot and never end in `.json` or the target's
 * name, so the auth-dir and config watchers skip them.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** How writeFileAtomic creates the file. */
export interface AtomicWriteOptions {
  /** Mode of the new file (the umask applies); default 0600, as for every file that may hold a secret. */
  readonly mode?: number;
  /** When given, a missing folder is created first with this mode. */
  readonly dirMode?: number;
}

/** Replaces the file at `path` with `content` atomically: temp file, fsync, rename. */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  if (options.dirMode !== undefined) await mkdir(dir, { recursive: true, mode: options.dirMode });
  const temp = join(dir, `.${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
  const handle = await open(temp, "wx", options.mode ?? 0o600);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
