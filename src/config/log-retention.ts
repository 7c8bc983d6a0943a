/**
 * `logs-max-total-size-mb` (config.md §2.2): once the files in the log directory add up to more
 * than the limit, the oldest are deleted until they fit. The live main.log is never deleted.
 */
import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

/** How often the log directory is checked while logging to files. */
export const LOG_PRUNE_INTERVAL_MS = 60_000;

/** Deletes the oldest files in `dir` until the total is at most `maxBytes` (0 = no limit); returns the names deleted. */
export async function pruneLogs(
  dir: string,
  maxBytes: number,
  keep: readonly string[] = ["main.log"],
): Promise<string[]> {
  if (maxBytes <= 0) return [];
  const names = await readdir(dir).catch(() => [] as string[]);
  const files: Array<{ name: string; size: number; mtime: number }> = [];
  for (const name of names) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s?.isFile()) files.push({ name, size: s.size, mtime: s.mtimeMs });
  }
  let total = files.reduce((sum, f) => sum + f.size, 0);
  const deleted: string[] = [];
  for (const f of files.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : 1))) {
    if (total <= maxBytes) break;
    if (keep.includes(f.name)) continue;
    await unlink(join(dir, f.name)).then(
      () => {
        total -= f.size;
        deleted.push(f.name);
      },
      () => undefined,
    );
  }
  return deleted;
}
