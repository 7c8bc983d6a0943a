/**
 * Reading one auth-dir token file safely. Here, below oauth/, because the auth-dir watcher (watch-auth.ts)
 * reads the files too; oauth/store.ts re-exports these for its own loader.
 */
import { constants } from "node:fs";
import { lstat, open, realpath } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";

/** Largest token file read; real ones are a few KiB. */
export const MAX_TOKEN_FILE_BYTES = 1024 * 1024;

/**
 * Reads one token file safely: O_NOFOLLOW (a link swapped in is not followed), O_NONBLOCK (a FIFO named
 * `*.json` cannot block start-up or shutdown), regular files only, at most MAX_TOKEN_FILE_BYTES. A
 * symbolic link is followed only when its target lies inside auth-dir. Throws an Error whose message
 * says why the file was refused.
 */
export async function readTokenBytes(dir: string, name: string): Promise<Buffer> {
  let path = join(dir, name);
  const st = await lstat(path);
  if (st.isSymbolicLink()) {
    const [target, root] = await Promise.all([realpath(path), realpath(dir)]);
    const rel = relative(root, target);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel))
      throw new Error(`is a symbolic link to ${target}, outside auth-dir: not followed`);
    path = target;
  }
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error("is not a regular file");
    if (info.size > MAX_TOKEN_FILE_BYTES) throw new Error(`is larger than ${MAX_TOKEN_FILE_BYTES} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Largest config.yaml read; real ones are a few KiB. */
export const MAX_CONFIG_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Reads config.yaml: symbolic links are followed (a Kubernetes ConfigMap is one), but O_NONBLOCK and the
 * regular-file check keep a FIFO or device given as the config from blocking start-up, reloads or shutdown.
 */
export async function readConfigBytes(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error("is not a regular file");
    if (info.size > MAX_CONFIG_FILE_BYTES) throw new Error(`is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Why reading a token file failed, for a log line: the errno code, or readTokenBytes's reason. */
export function readProblem(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "ELOOP") return "is a symbolic link: not followed";
  return e.code ? `cannot read: ${e.code}` : e.message;
}
