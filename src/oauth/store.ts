/**
 * Token files in auth-dir (config.md §6, oauth.md §6): the reader of every type CLIProxyAPI writes, and
 * the one writer (atomic-file.ts with mode 0600: temp file, fsync, rename), so a crash or a reader
 * sees the old file or the new one, never half of either. Unknown keys survive every rewrite.
 */
import { chmod, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import { providerOfType } from "./endpoints.js";
import { urlProblem } from "../config/reader.js";
import { MAX_TOKEN_FILE_BYTES, readProblem, readTokenBytes } from "../config/token-read.js";
import { isObject } from "../plain-object.js";

export { MAX_TOKEN_FILE_BYTES, readProblem, readTokenBytes };

/** One credential read from a token file (a multi-project Gemini file yields one per project). */
export interface TokenFileCredential {
  /** File name relative to auth-dir; `<file>::<project>` for the projects of a multi-project Gemini file. */
  id: string;
  /** The file it lives in (equal to `id` except for multi-project children). */
  file: string;
  type: "claude" | "codex" | "gemini" | "antigravity" | "vertex" | "kimi" | "xai" | (string & {});
  /** Routing provider: `gemini` files route as `gemini-cli`. */
  provider: string;
  email?: string;
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
  /** Epoch ms. */
  lastRefresh?: number;
  projectId?: string;
  accountId?: string;
  baseUrl?: string;
  prefix?: string;
  priority: number;
  disabled: boolean;
  /** Why it is disabled when cliproxy disabled it (e.g. an invalid_grant refresh). */
  disabledReason?: string;
  excludedModels: string[];
  headers: Record<string, string>;
  proxyUrl?: string;
  disableCooling?: boolean;
  /** The file's own `request_retry` (config.md §6); default the global `request-retry`. */
  requestRetry?: number;
  refreshIntervalSeconds?: number;
  note?: string;
  label?: string;
  /** The file's JSON as read; rewritten with every key kept. */
  raw: Record<string, unknown>;
}

/** Result of reading auth-dir: credentials plus one line per file that was skipped. */
export interface AuthDirContents {
  credentials: TokenFileCredential[];
  problems: string[];
  /** Things fixed or worth saying about the folder itself (its mode). */
  notices: string[];
}

/**
 * auth-dir holds bearer tokens: it should be 0700 (README). A folder others can read or enter is set to
 * 0700, saying so; when that fails (not the owner), the returned notice says how to fix it.
 */
export async function secureAuthDir(dir: string): Promise<string | undefined> {
  if (process.platform === "win32") return undefined;
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory() || (st.mode & 0o077) === 0) return undefined;
  const was = (st.mode & 0o777).toString(8).padStart(4, "0");
  try {
    await chmod(dir, 0o700);
    return `auth-dir ${dir} was mode ${was}, readable by other users; set it to 0700`;
  } catch (err) {
    return `auth-dir ${dir} is mode ${was}, readable by other users, and cannot be changed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run: chmod 700 ${dir}`;
  }
}

const EXPIRY_KEYS = ["expired", "expire", "expires_at", "expiresAt", "expiry", "expires"];
const LAST_REFRESH_KEYS = ["last_refresh", "lastRefresh", "last_refreshed_at", "lastRefreshedAt"];
const INTERVAL_KEYS = ["refresh_interval_seconds", "refreshIntervalSeconds", "refresh_interval", "refreshInterval"];

/** Parses a time as CLIProxyAPI writes it: RFC 3339 (any offset), `YYYY-MM-DD HH:MM[:SS]` (UTC), Unix s or ms. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return v > 1e12 ? v : v * 1000;
  if (typeof v !== "string" || !v.trim()) return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return parseTime(Number(s));
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?$/.exec(s);
  const ms = local ? Date.parse(`${local[1]}T${local[2]}${local[3] ?? ":00"}Z`) : Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Formats a time as cliproxy writes it: UTC RFC 3339 without fraction (`2026-06-14T05:47:03Z`). */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Reduces server data (an email, a plan) to one safe path segment: no `/`, `\`, `..` or control characters. */
export function safeSegment(s: string): string {
  const out = s
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, "_")
    .replace(/\.{2,}/g, "_")
    .replace(/^[.\s]+|\s+$/g, "");
  return out || "unknown";
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

function firstTime(o: Record<string, unknown> | undefined, keys: readonly string[]): number | undefined {
  if (!o) return undefined;
  for (const k of keys) if (o[k] !== undefined && o[k] !== null && o[k] !== "") return parseTime(o[k]);
  return undefined;
}

function objectOf(v: unknown): Record<string, unknown> | undefined {
  return isObject(v) ? v : undefined;
}

/** The expiry of a token file's JSON, per the key order of config.md §6 (Antigravity: `timestamp` + `expires_in`). */
export function expiryOf(raw: Record<string, unknown>): number | undefined {
  const direct = firstTime(raw, EXPIRY_KEYS) ?? firstTime(objectOf(raw.token), EXPIRY_KEYS);
  if (direct !== undefined) return direct;
  const issued = parseTime(raw.timestamp);
  const life = Number(raw.expires_in);
  return issued !== undefined && Number.isFinite(life) && life > 0 ? issued + life * 1000 : undefined;
}

/** Builds the credentials of one token file's JSON; a reason string when the file is not a credential. */
export function parseTokenFile(file: string, raw: unknown): TokenFileCredential[] | string {
  const o = objectOf(raw);
  if (!o) return `${file}: not a JSON object`;
  const type = str(o.type)?.trim().toLowerCase();
  if (!type) return `${file}: no "type" field`;
  const token = objectOf(o.token);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(objectOf(o.headers) ?? {})) if (typeof v === "string") headers[k] = v;
  const excluded = o.excluded_models ?? o["excluded-models"];
  const priority = Number(o.priority);
  const intervalKey = INTERVAL_KEYS.find((k) => o[k] !== undefined);
  const interval = intervalKey ? Number(o[intervalKey]) : NaN;
  const cooling = o.disable_cooling ?? o["disable-cooling"];
  const retryRaw = o.request_retry ?? o["request-retry"];
  // A URL that cannot work would fail every request it serves: the file is refused, saying which field.
  for (const [field, kind] of [
    ["base_url", "http"],
    ["proxy_url", "proxy"],
  ] as const) {
    const problem = typeof o[field] === "string" ? urlProblem(o[field] as string, kind) : undefined;
    if (problem) return `${file}: ${field}: ${problem}`;
  }
  const retry =
    typeof retryRaw === "number" || (typeof retryRaw === "string" && retryRaw.trim() !== "") ? Number(retryRaw) : NaN;
  const base: TokenFileCredential = {
    id: file,
    file,
    type,
    provider: providerOfType(type),
    email: str(o.email),
    // Gemini keeps tokens under `token`; upstream also writes them at the top level after use (oauth.md §4.2).
    accessToken: str(token?.access_token) ?? str(o.access_token) ?? "",
    refreshToken: str(token?.refresh_token) ?? str(o.refresh_token),
    expiresAt: expiryOf(o),
    lastRefresh: firstTime(o, LAST_REFRESH_KEYS),
    projectId: str(o.project_id)?.trim(),
    accountId: str(o.account_id),
    baseUrl: str(o.base_url)?.trim(),
    prefix: str(o.prefix)?.trim(),
    priority: Number.isFinite(priority) ? priority : 0,
    disabled: o.disabled === true,
    excludedModels: Array.isArray(excluded)
      ? excluded.filter((x): x is string => typeof x === "string" && x.trim() !== "")
      : [],
    headers,
    proxyUrl: str(o.proxy_url)?.trim(),
    disableCooling: typeof cooling === "boolean" ? cooling : undefined,
    requestRetry: Number.isInteger(retry) && retry >= 0 ? retry : undefined,
    refreshIntervalSeconds: Number.isFinite(interval) && interval > 0 ? interval : undefined,
    note: str(o.note),
    label: str(o.label),
    raw: o,
  };
  const projects =
    type === "gemini"
      ? (base.projectId ?? "")
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean)
      : [];
  if (projects.length <= 1) return [base];
  // config.md §6: one disabled parent plus one routable credential per project, sharing the token.
  const children = projects.map((p) => ({ ...base, id: `${file}::${p.replace(/[/\\ ]/g, "_")}`, projectId: p }));
  return [{ ...base, disabled: true, disabledReason: "multi-project parent" }, ...children];
}

/** Reads every `*.json` at the top level of auth-dir; temp files (never ending in `.json`) are not read. */
export async function loadAuthDir(dir: string): Promise<AuthDirContents> {
  const out: AuthDirContents = { credentials: [], problems: [], notices: [] };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw err;
  }
  const notice = await secureAuthDir(dir);
  if (notice) out.notices.push(notice);
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    let text: string;
    try {
      text = (await readTokenBytes(dir, name)).toString("utf8");
    } catch (err) {
      out.problems.push(`${name}: ${readProblem(err)}`);
      continue;
    }
    if (!text.trim()) {
      out.problems.push(`${name}: empty file`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      out.problems.push(`${name}: not valid JSON: ${(err as Error).message}`);
      continue;
    }
    const parsed = parseTokenFile(name, json);
    if (typeof parsed === "string") out.problems.push(parsed);
    else out.credentials.push(...parsed);
  }
  return out;
}

/** The bytes cliproxy writes for a token file: 2-space JSON and a newline. */
export function serialiseTokenFile(data: Record<string, unknown>): string {
  return JSON.stringify(data, null, 2) + "\n";
}

/**
 * Writes a token file atomically: directory 0700, temp `.<name>.tmp-<random>` 0600 in the same
 * directory, fsync, rename. Returns the bytes written (the auth-dir watcher skips its own writes by hash).
 */
export async function writeTokenFile(dir: string, name: string, data: Record<string, unknown>): Promise<string> {
  if (name !== safeSegment(name) || !name.endsWith(".json"))
    throw new Error(`Cannot write token file "${name}": not a plain .json file name`);
  const content = serialiseTokenFile(data);
  await writeFileAtomic(join(dir, name), content, { mode: 0o600, dirMode: 0o700 });
  return content;
}
