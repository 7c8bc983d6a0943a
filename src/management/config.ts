/**
 * The whole config (management.md §4.1): `GET /config` as JSON, `GET /config.yaml` as the file's bytes,
 * `PUT /config.yaml` to replace the file. A PUT is parsed and fully validated before anything is
 * written, so a rejected body leaves the file and the running config as they were; an accepted one is
 * written atomically (atomic-file.ts, the old mode kept) and applied at once. A body is also refused when
 * it would hold example keys, lock the admin out, or repoint auth-dir (see refusePut).
 */
import { pinned } from "../config/pinned.js";
import { readFile } from "node:fs/promises";
import { keepRestartOnly } from "../config/diff.js";
import { ConfigError, parseConfig } from "../config/load.js";
import { exampleKeysRefusal } from "../config/safe-mode.js";
import type { Config } from "../config/schema.js";
import { noteConfigWrite } from "../config/watch.js";
import { replaceConfigFile } from "../config/write.js";
import { parseYaml, YamlError } from "../config/yaml.js";
import { HttpError } from "../server/errors.js";
import type { App, Handler } from "../server/handler.js";
import { hashPlaintextSecret } from "./auth.js";
import { configJson } from "./config-json.js";
import { readText, reply } from "./http.js";
import { serialise } from "./save.js";

function fail(status: number, error: string, message: string): HttpError {
  return new HttpError(status, error, message, { body: { error, message } });
}

/** 422 invalid_config: a write that would leave a config cliproxy must not serve; nothing is changed. */
export function invalidConfig(message: string): HttpError {
  return fail(422, "invalid_config", message);
}

/**
 * Why `next` must not replace the running config through the API: example keys (start() would serve
 * only safe mode), a removed secret-key that is the only way in (the admin would be locked out of the
 * API that could restore it), or another auth-dir (the token-file endpoints would serve whatever
 * credentials lie there, ~/.config/gcloud say); the file watcher still follows an edit of the file.
 */
export function refusePut(app: App, next: Config): HttpError | undefined {
  const examples = exampleKeysRefusal(next);
  if (examples) return invalidConfig(examples);
  const running = app.config();
  const envPassword = (app.env.MANAGEMENT_PASSWORD ?? "").trim() !== "";
  if (
    running.remoteManagement.secretKey.trim() !== "" &&
    next.remoteManagement.secretKey.trim() === "" &&
    !envPassword
  ) {
    return invalidConfig(
      "remote-management.secret-key is missing: the body would disable the management API; keep the secret-key, or set MANAGEMENT_PASSWORD before removing it",
    );
  }
  if (next.authDir !== running.authDir)
    return invalidConfig("auth-dir can only be changed in the file, and takes effect after a restart");
  return undefined;
}

/** `GET /config`: the running config with YAML key names. */
export const getConfig: Handler = async (_req, ctx) => reply(ctx, 200, configJson(ctx.app.config(), ctx.app.kinds));

/** `GET /config.yaml`: the config file exactly as it is on disk. */
export const getConfigYaml: Handler = async (_req, ctx) => {
  const path = ctx.app.configPath;
  let bytes: Buffer;
  try {
    if (path === undefined) throw new Error("no config file");
    bytes = await readFile(path);
  } catch {
    throw fail(404, "not_found", "config file not found");
  }
  ctx.res
    .writeHead(200, {
      "content-type": "application/yaml; charset=utf-8",
      "content-length": bytes.length,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    })
    .end(bytes);
};

/** `PUT /config.yaml`: validates the whole body, then writes and applies it. */
export const putConfigYaml: Handler = async (req, ctx) => {
  const app = ctx.app;
  const path = app.configPath;
  if (path === undefined) throw fail(404, "not_found", "config file not found: cliproxy was started without one");
  const text = await readText(req);
  if (text.trim() === "") throw fail(400, "invalid_yaml", "the body is empty");
  try {
    parseYaml(text);
  } catch (err) {
    if (err instanceof YamlError) throw fail(400, "invalid_yaml", err.message);
    throw err;
  }
  let loaded;
  try {
    loaded = parseConfig(text, { path, homeDir: app.homeDir, env: app.env, kinds: app.kinds });
    loaded = { ...loaded, config: pinned(app, loaded.config) };
  } catch (err) {
    if (err instanceof ConfigError) throw fail(422, "invalid_config", err.problems.join("; "));
    throw err;
  }
  await serialise(app, async () => {
    // Checked under the write lock, against the config this write replaces.
    const refusal = refusePut(app, loaded.config);
    if (refusal) throw refusal;
    try {
      await replaceConfigFile(path, text);
    } catch (err) {
      throw fail(
        500,
        "write_failed",
        `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    noteConfigWrite(path, text);
    const { config, needsRestart } = keepRestartOnly(app.config(), loaded.config);
    app.setConfig(config);
    for (const w of loaded.warnings) app.log.warn(`config: ${w}`);
    for (const key of needsRestart)
      app.log.warn(`config: ${key} changed through the management API; needs restart to take effect`);
    app.log.info(`management: replaced ${path}`);
  });
  await hashPlaintextSecret(app);
  reply(ctx, 200, { ok: true, changed: ["config"] });
};
