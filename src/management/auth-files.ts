/**
 * Token files in auth-dir (management.md §4.7): list (never the tokens), download, upload (multipart or
 * raw JSON), delete, and enable/disable. Uploads must be JSON objects with a known `type` (upstream
 * answers 500 for invalid JSON and accepts any type); they are written 0600 atomically by oauth/store.ts
 * and handed to the OAuth runtime at once, as are deletions and status changes.
 */
import { constants } from "node:fs";
import { lstat, open, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { loadAuthDir, safeSegment, writeTokenFile, type TokenFileCredential } from "../oauth/store.js";
import { HttpError } from "../server/errors.js";
import type { App, Handler } from "../server/handler.js";
import { MANAGEMENT_BODY_LIMIT, badRequest, notFound, readJsonBody, readObject, reply } from "./http.js";
import { readBody } from "../server/body.js";
import { boundaryOf, fileParts } from "./multipart.js";
import { isObject } from "../plain-object.js";
import { usageSnapshot } from "./usage.js";

/** Token file types cliproxy reads (oauth/store.ts). */
export const KNOWN_TYPES: ReadonlySet<string> = new Set([
  "claude",
  "codex",
  "gemini",
  "antigravity",
  "vertex",
  "kimi",
  "xai",
]);

/**
 * A plain `<name>.json` file name, exactly as oauth/store.ts would write it (safeSegment), or a 400
 * naming the problem: anything the store would refuse must be refused here, not end as a 500.
 */
export function checkName(raw: string, reduce = false): string {
  // Control characters anywhere in what was sent, before trimming: CR/LF would also reach the
  // Content-Disposition header of a download.
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw badRequest("invalid name: control characters are not allowed");
  const name = reduce ? (raw.split(/[/\\]/).at(-1) ?? "").trim() : raw.trim();
  if (name === "" || /[/\\]/.test(name) || /^[a-zA-Z]:/.test(name) || name.startsWith("."))
    throw badRequest("invalid name");
  if (/["*?<>|:]/.test(name))
    throw badRequest(`invalid name ${JSON.stringify(name)}: the characters " * ? < > | : are not allowed`);
  if (!name.endsWith(".json")) throw badRequest("file must be .json");
  if (safeSegment(name) !== name) throw badRequest(`invalid name ${JSON.stringify(name)}: not a plain file name`);
  return name;
}

/**
 * The path of token file `name` (already through checkName, so a single segment) in `dir`: 404 when it
 * is missing, 400 when it is a symbolic link or not a regular file. A link in auth-dir could point at
 * any file cliproxy can read (download) or copy into auth-dir (status and fields edits); refusing links
 * at the last segment keeps every path's real location inside auth-dir.
 */
async function ownFile(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  const st = await lstat(path).catch(() => undefined);
  if (!st) throw notFound("auth file not found");
  if (st.isSymbolicLink())
    throw badRequest(`auth file "${name}" is a symbolic link: only regular files inside auth-dir are served`);
  if (!st.isFile()) throw badRequest(`auth file "${name}" is not a regular file`);
  return path;
}

/** Reads a token file; O_NOFOLLOW refuses a link swapped in after ownFile's check. */
async function readOwnFile(dir: string, name: string): Promise<Buffer> {
  const path = await ownFile(dir, name);
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    throw notFound("auth file not found");
  }
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function tokenFile(app: App, name: string, fromDisk: TokenFileCredential | undefined): TokenFileCredential | undefined {
  return app.oauth?.tokens.get(name) ?? fromDisk;
}

/** `GET /auth-files`: `{"files":[…]}` sorted by name, case-insensitively. */
export const listAuthFiles: Handler = async (_req, ctx) => {
  const app = ctx.app;
  const dir = ctx.config.authDir;
  const { credentials } = await loadAuthDir(dir);
  const pool = new Map(app.providers.state().map((s) => [s.id, s]));
  const usage = new Map((await usageSnapshot(app)).credentials.map((c) => [c.id, c])); // every worker's counts
  const files = [];
  for (const disk of credentials.filter((c) => c.id === c.file)) {
    const c = tokenFile(app, disk.file, disk) ?? disk;
    const st = await stat(join(dir, c.file)).catch(() => undefined);
    const state = pool.get(c.id);
    const cooling = state?.models ?? [];
    const counts = usage.get(c.id);
    const entry: Record<string, unknown> = {
      id: c.file,
      auth_index: state?.authIndex ?? "",
      name: c.file,
      type: c.type,
      provider: c.provider,
      label: c.label ?? c.email ?? c.file,
      status: c.disabled ? "disabled" : cooling.length ? "unavailable" : "active",
      status_message:
        c.disabledReason ?? (cooling.length ? cooling.map((m) => `${m.model}: ${m.reason}`).join("; ") : ""),
      disabled: c.disabled,
      unavailable: cooling.length > 0,
      runtime_only: false,
      source: "file",
      size: st?.size ?? 0,
      success: counts ? counts.requests - counts.failures : 0,
      failed: counts?.failures ?? 0,
      recent_requests: (counts?.recent ?? []).map((b) => ({
        time: new Date(b.start).toISOString(),
        success: b.success,
        failed: b.failed,
      })),
      path: join(dir, c.file),
      priority: c.priority,
    };
    if (c.email) entry.email = c.email;
    if (c.projectId) entry.project_id = c.projectId;
    if (c.accountId) entry.account = c.accountId;
    if (c.note) entry.note = c.note;
    if (st) entry.modtime = st.mtime.toISOString();
    if (c.lastRefresh) entry.last_refresh = new Date(c.lastRefresh).toISOString();
    if (cooling.length) entry.next_retry_after = new Date(Math.min(...cooling.map((m) => m.until))).toISOString();
    files.push(entry);
  }
  files.sort((a, b) => String(a.name).toLowerCase().localeCompare(String(b.name).toLowerCase()));
  reply(ctx, 200, { files });
};

/** `GET /auth-files/download?name=x.json`: the file's bytes as an attachment. */
export const downloadAuthFile: Handler = async (_req, ctx) => {
  const name = checkName(ctx.url.searchParams.get("name") ?? "");
  const bytes = await readOwnFile(ctx.config.authDir, name);
  ctx.res
    .writeHead(200, {
      "content-type": "application/json",
      "content-length": bytes.length,
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
    })
    .end(bytes);
};

async function saveUpload(app: App, dir: string, rawName: string, bytes: Buffer): Promise<string> {
  const name = checkName(rawName, true);
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw badRequest(`invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(data)) throw badRequest("auth file must be a JSON object");
  const type = typeof data.type === "string" ? data.type.trim().toLowerCase() : "";
  if (!KNOWN_TYPES.has(type))
    throw badRequest(
      `unknown auth file type ${JSON.stringify(data.type ?? "")}: expected one of ${[...KNOWN_TYPES].join(", ")}`,
    );
  await writeTokenFile(dir, name, data);
  app.oauth?.tokens.set(name, data);
  app.log.info(`management: uploaded auth file ${name}`);
  return name;
}

/** `POST /auth-files`: multipart (one or many files) or a raw JSON body with `?name=`. */
export const uploadAuthFiles: Handler = async (req, ctx) => {
  const body = await readBody(req, MANAGEMENT_BODY_LIMIT, { decode: true });
  const boundary = boundaryOf(req.headers["content-type"]);
  const dir = ctx.config.authDir;
  if (!boundary) {
    await saveUpload(ctx.app, dir, ctx.url.searchParams.get("name") ?? "", body);
    return reply(ctx, 200, { status: "ok" });
  }
  let parts;
  try {
    parts = fileParts(body, boundary);
  } catch (err) {
    throw badRequest(`invalid multipart body: ${(err as Error).message}`);
  }
  if (parts.length === 0) throw badRequest("no file in the upload");
  if (parts.length === 1) {
    await saveUpload(ctx.app, dir, parts[0].filename, parts[0].data);
    return reply(ctx, 200, { status: "ok" });
  }
  const files: string[] = [];
  const failed: Array<{ name: string; error: string }> = [];
  for (const p of parts) {
    try {
      files.push(await saveUpload(ctx.app, dir, p.filename, p.data));
    } catch (err) {
      failed.push({ name: p.filename, error: err instanceof HttpError ? err.message : "write failed" });
    }
  }
  if (failed.length === 0) return reply(ctx, 200, { status: "ok", uploaded: files.length, files });
  reply(ctx, files.length ? 207 : 400, {
    status: files.length ? "partial" : "error",
    error: failed[0].error,
    uploaded: files.length,
    files,
    failed,
  });
};

async function namesToDelete(req: Parameters<Handler>[0], url: URL): Promise<string[]> {
  const q = url.searchParams.getAll("name").filter((n) => n.trim() !== "");
  if (q.length) return q;
  const body = await readJsonBody(req);
  const v = body?.value;
  if (Array.isArray(v)) return v.filter((n): n is string => typeof n === "string");
  if (isObject(v) && typeof v.name === "string") return [v.name];
  if (isObject(v) && Array.isArray(v.names)) return v.names.filter((n): n is string => typeof n === "string");
  throw badRequest("name is required");
}

async function removeFile(app: App, dir: string, raw: string): Promise<string> {
  const name = checkName(raw);
  const path = await ownFile(dir, name);
  try {
    await rm(path);
  } catch {
    throw notFound("auth file not found");
  }
  app.oauth?.tokens.remove(name);
  app.log.info(`management: deleted auth file ${name}`);
  return name;
}

/** `DELETE /auth-files`: `?all=true`, repeated `?name=`, or a body naming the files. */
export const deleteAuthFiles: Handler = async (req, ctx) => {
  const dir = ctx.config.authDir;
  if (/^(true|1|\*)$/i.test(ctx.url.searchParams.get("all") ?? "")) {
    const names = (await readdir(dir).catch(() => [] as string[])).filter(
      (n) => n.endsWith(".json") && !n.startsWith("."),
    );
    let deleted = 0;
    for (const n of names)
      deleted += await removeFile(ctx.app, dir, n).then(
        () => 1,
        () => 0,
      ); // links and bad names stay
    return reply(ctx, 200, { status: "ok", deleted });
  }
  const names = await namesToDelete(req, ctx.url);
  if (names.length === 1) {
    await removeFile(ctx.app, dir, names[0]);
    return reply(ctx, 200, { status: "ok" });
  }
  const files: string[] = [];
  const failed: Array<{ name: string; error: string }> = [];
  for (const n of names) {
    try {
      files.push(await removeFile(ctx.app, dir, n));
    } catch (err) {
      failed.push({ name: n, error: (err as Error).message });
    }
  }
  if (failed.length === 0) return reply(ctx, 200, { status: "ok", deleted: files.length, files });
  reply(ctx, 207, { status: "partial", deleted: files.length, files, failed });
};

/** A token file's JSON object: 404 when it cannot be read, 400 when it is not an object. */
async function readTokenObject(dir: string, name: string): Promise<Record<string, unknown>> {
  const bytes = await readOwnFile(dir, name);
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw notFound("auth file not found");
  }
  if (!isObject(data)) throw badRequest("auth file is not a JSON object");
  return data;
}

/** `PATCH /auth-files/status {"name","disabled"}`: persists `disabled` in the file and applies it at once. */
export const patchAuthFileStatus: Handler = async (req, ctx) => {
  const body = await readObject(req);
  if (typeof body.name !== "string" || body.name.trim() === "") throw badRequest("name is required");
  if (typeof body.disabled !== "boolean") throw badRequest("disabled is required");
  const name = checkName(body.name);
  const dir = ctx.config.authDir;
  const data = await readTokenObject(dir, name);
  const next = { ...data, disabled: body.disabled };
  await writeTokenFile(dir, name, next);
  ctx.app.oauth?.tokens.set(name, next);
  if (!body.disabled) ctx.app.providers.clearCooldowns(name);
  reply(ctx, 200, { status: "ok", disabled: body.disabled });
};

/** `GET /auth-files/models?name=x.json`: the models a token file's credential serves. */
export const authFileModels: Handler = async (_req, ctx) => {
  const name = checkName(ctx.url.searchParams.get("name") ?? "");
  const creds = ctx.app.providers.credentials().filter((c) => c.id === name || c.id.startsWith(`${name}::`));
  if (creds.length === 0) throw notFound("auth file not found");
  const ids = [...new Set(creds.flatMap((c) => [...c.models.keys()]))].sort();
  const provider = creds[0].provider;
  reply(ctx, 200, { models: ids.map((id) => ({ id, display_name: id, type: provider, owned_by: provider })) });
};

/** `PATCH /auth-files/fields {"name", "<dotted.path>": value, …}`: sets keys of a token file (`headers` merged) and applies them at once. */
export const patchAuthFileFields: Handler = async (req, ctx) => {
  const body = await readObject(req);
  if (typeof body.name !== "string" || body.name.trim() === "") throw badRequest("name is required");
  const name = checkName(body.name);
  const fields = Object.entries(body).filter(([k]) => k !== "name");
  if (fields.length === 0) throw badRequest("no fields to update");
  const dir = ctx.config.authDir;
  const data = await readTokenObject(dir, name);
  const next: Record<string, unknown> = structuredClone(data);
  for (const [path, value] of fields) {
    const keys = path.split(".").filter((k) => k !== "");
    if (keys.length === 0 || keys.some((k) => k === "__proto__" || k === "constructor" || k === "prototype"))
      throw badRequest(`invalid field "${path}"`);
    let at = next;
    for (const k of keys.slice(0, -1))
      at = isObject(at[k]) ? (at[k] as Record<string, unknown>) : ((at[k] = {}) as Record<string, unknown>);
    const last = keys[keys.length - 1];
    if (path === "headers" && isObject(value)) at.headers = { ...(isObject(at.headers) ? at.headers : {}), ...value };
    else if (value === null) delete at[last];
    else at[last] = value;
  }
  await writeTokenFile(dir, name, next);
  ctx.app.oauth?.tokens.set(name, next);
  reply(ctx, 200, { status: "ok" });
};
