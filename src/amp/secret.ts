/**
 * The key cliproxy sends to the Amp upstream (amp.md PX-5..PX-7, CFG-2, CFG-3, N7, N8, N19), first found wins: a
 * per-client mapping first, then `ampcode.upstream-api-key`, then AMP_API_KEY, then the key `amp login` stored in
 * ~/.local/share/amp/secrets.json (cached 5 minutes, empty results included).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AmpConfig, Config } from "../config/schema.js";
import { AMP_ERRORS, HttpError } from "../errors.js";
import type { App, Ctx } from "../server/handler.js";

/** The secrets.json property holding the ampcode.com key. */
export const SECRETS_PROPERTY = "apiKey@https://ampcode.com/";
/** How long a secrets-file result (including an empty or failed one) is reused. */
export const SECRET_FILE_TTL_MS = 5 * 60_000;
/** The warning for a client key mapped twice (the first mapping wins, amp.md CFG-3), as CLIProxyAPI wrote it. */
export const DUPLICATE_CLIENT_KEY_WARNING =
  "amp upstream-api-keys: client API key appears in multiple entries; using first mapping.";
/** No upstream key anywhere: nothing is sent and the client is told the fix (amp.md N19). */
export const MISSING_KEY_MESSAGE = "No Amp upstream key: set ampcode.upstream-api-key or AMP_API_KEY, or run amp login";

/** Where a resolved key came from. */
export type KeySource = "client-map" | "config" | "env" | "file";

/** The outcome of a key lookup: a key and its source, or none and why. */
export type ResolvedKey = { key: string; source: KeySource } | { key: ""; reason: string };

/** What reading secrets.json gave: a key (maybe ""), and an error when the file was unusable. */
export interface FileSecret {
  readonly key: string;
  readonly error?: string;
}

/** Upstream-key state shared by requests. */
export interface SecretStore {
  /** The client-key → upstream-key map for a config, rebuilt when the list changes (amp.md CFG-3). */
  clientMap(config: Config): ReadonlyMap<string, string>;
  /** The secrets-file key, from the 5-minute cache or a fresh read. */
  fileKey(): Promise<FileSecret>;
  /** Drops the cached file result: a changed upstream-api-key invalidates it (amp.md HR-4). */
  invalidate(): void;
  /** True when a missing-key warning for `reason` is due (once until a key resolves again); undefined resets. */
  warnMissing(reason: string | undefined): boolean;
}

/**
 * Builds the client-key → upstream-key map (amp.md CFG-3): values trimmed, blank ones skipped, the first mapping of a
 * client key wins.
 */
export function buildClientMap(
  entries: AmpConfig["upstreamApiKeys"],
  warn: (msg: string) => void,
): Map<string, string> {
  const map = new Map<string, string>();
  let duplicate = false;
  for (const entry of entries) {
    const upstream = entry.upstreamApiKey.trim();
    if (upstream === "") continue;
    for (const raw of entry.apiKeys) {
      const client = raw.trim();
      if (client === "") continue;
      if (map.has(client)) duplicate = true;
      else map.set(client, upstream);
    }
  }
  if (duplicate) warn(DUPLICATE_CLIENT_KEY_WARNING);
  return map;
}

/** Reads the key from a secrets.json (any JSON object; a non-string property counts as absent, amp.md N7). */
export async function readSecretsFile(path: string): Promise<FileSecret> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { key: "" };
    return { key: "", error: `Cannot read Amp secrets file "${path}": ${code ?? (err as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { key: "", error: `Cannot read Amp secrets file "${path}": invalid JSON (${(err as Error).message})` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { key: "", error: `Cannot read Amp secrets file "${path}": expected a JSON object` };
  }
  const key = (value as Record<string, unknown>)[SECRETS_PROPERTY];
  return { key: typeof key === "string" ? key.trim() : "" };
}

/** The secrets.json path under a home directory. */
export function secretsPath(homeDir: string): string {
  return join(homeDir, ".local", "share", "amp", "secrets.json");
}

/** Creates the store; the file is read with fs/promises, one read at a time (concurrent lookups share it). */
export function createSecretStore(getApp: () => App): SecretStore {
  let cached: { value: FileSecret; expires: number } | undefined;
  let pending: Promise<FileSecret> | undefined;
  let generation = 0;
  let mapFor: { entries: string; map: Map<string, string> } | undefined;
  const byList = new WeakMap<object, Map<string, string>>();
  let warned: string | undefined;

  return {
    clientMap(config) {
      const list = config.ampcode.upstreamApiKeys;
      const hit = byList.get(list);
      if (hit) return hit;
      // Rebuilt in full when the effective mapping differs, blank entries and spacing aside (amp.md HR-4).
      let duplicate = false;
      const map = buildClientMap(list, () => (duplicate = true));
      const entries = JSON.stringify([...map]);
      if (mapFor?.entries !== entries) {
        mapFor = { entries, map };
        if (duplicate) getApp().log.warn(DUPLICATE_CLIENT_KEY_WARNING);
      }
      byList.set(list, mapFor.map);
      return mapFor.map;
    },
    fileKey() {
      const app = getApp();
      if (cached && app.clock.now() < cached.expires) return Promise.resolve(cached.value);
      if (pending) return pending;
      const gen = generation;
      pending = readSecretsFile(secretsPath(app.homeDir))
        .then((value) => {
          // A result read before an invalidate() must not refill the cache.
          if (gen === generation) cached = { value, expires: app.clock.now() + SECRET_FILE_TTL_MS };
          if (value.key) app.log.secrets.add(value.key);
          return value;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    invalidate() {
      cached = undefined;
      pending = undefined;
      generation++;
    },
    warnMissing(reason) {
      const due = reason !== undefined && reason !== warned;
      warned = reason;
      return due;
    },
  };
}

/**
 * Resolves the upstream key for a request, first non-empty wins (amp.md PX-6, PX-7): mapped client key, config,
 * AMP_API_KEY (read on every lookup), secrets.json. Never throws; `reason` says why there is none.
 */
export async function resolveUpstreamKey(ctx: Pick<Ctx, "app" | "config" | "clientKey">): Promise<ResolvedKey> {
  const { app, config } = ctx;
  if (ctx.clientKey !== undefined) {
    const mapped = app.amp.secrets.clientMap(config).get(ctx.clientKey.trim());
    if (mapped) return { key: mapped, source: "client-map" };
  }
  const configured = config.ampcode.upstreamApiKey.trim();
  if (configured) return { key: configured, source: "config" };
  const env = (app.env.AMP_API_KEY ?? "").trim();
  let found: ResolvedKey | undefined = env ? { key: env, source: "env" } : undefined;
  let fileError: string | undefined;
  if (!found) {
    const file = await app.amp.secrets.fileKey();
    if (file.key) found = { key: file.key, source: "file" };
    fileError = file.error;
  }
  if (!found)
    return {
      key: "",
      reason: fileError ?? `no ampcode.upstream-api-key, no AMP_API_KEY, no key in "${secretsPath(app.homeDir)}"`,
    };
  warnForeignOrigin(ctx, found.source);
  return found;
}

/** A key meant for ampcode.com is about to go to another upstream; say so once per origin (amp.md N8). */
function warnForeignOrigin(ctx: Pick<Ctx, "app" | "config">, source: KeySource): void {
  const origin = ctx.app.amp.upstream(ctx.config)?.origin;
  if (origin === undefined || origin === "https://ampcode.com") return;
  if (!ctx.app.amp.firstTime(`foreign-origin:${source}:${origin}`)) return;
  const from = source === "env" ? "AMP_API_KEY" : `"${secretsPath(ctx.app.homeDir)}"`;
  ctx.app.log.warn(
    `amp upstream: sending the ampcode.com key from ${from} to ${origin}; set ampcode.upstream-api-key if that server needs its own key`,
  );
}

/**
 * The upstream key, or a 503 `amp_upstream_key_missing` (amp.md N19: never send a request without a key) with one
 * warning naming the fix. Management routes get CLIProxyAPI's bare JSON; model routes the same message in their
 * dialect.
 */
export async function requireUpstreamKey(ctx: Pick<Ctx, "app" | "config" | "clientKey" | "dialect">): Promise<string> {
  const resolved = await resolveUpstreamKey(ctx);
  if (resolved.key !== "") {
    ctx.app.amp.secrets.warnMissing(undefined);
    return resolved.key;
  }
  const reason = "reason" in resolved ? resolved.reason : "";
  if (ctx.app.amp.secrets.warnMissing(reason)) {
    ctx.app.log.warn(`amp upstream: ${MISSING_KEY_MESSAGE} (${reason})`);
  }
  const { status, code } = AMP_ERRORS.keyMissing;
  throw new HttpError(status, code, MISSING_KEY_MESSAGE, {
    body: ctx.dialect === "plain" ? { error: code, message: MISSING_KEY_MESSAGE } : undefined,
  });
}
