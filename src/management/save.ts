/**
 * Applying a management change (management.md §3; amp.md MG-2: every change is saved to the file, and N14: a failed
 * save is rolled back, where CLIProxyAPI kept it in memory): the running config is swapped first, then the file is
 * edited surgically; when the write fails the swap is rolled back and the client gets 500. Changes are serialised per
 * app so two writes never interleave.
 */
import { readFile } from "node:fs/promises";
import type { Config } from "../config/schema.js";
import { noteConfigWrite } from "../config/watch.js";
import { updateConfigFile, type ConfigEdit } from "../config/write.js";
import { HttpError } from "../server/errors.js";
import type { App } from "../server/handler.js";

export type { ConfigEdit };

/** A change: the new config and the file edits that persist it, computed from the current config and file text. */
export type Change = (current: Config, fileText: string) => { config: Config; edits: ConfigEdit[] };

/** The App slot this module owns: the tail of its write queue, so management writes apply one at a time. */
declare module "../server/handler.js" {
  interface App {
    saveQueue?: Promise<unknown>;
  }
}

async function readText(path: string | undefined): Promise<string> {
  if (path === undefined) return "";
  try {
    return await readFile(path, "utf8");
  } catch {
    return "";
  }
}

async function apply(app: App, change: Change): Promise<void> {
  const before = app.config();
  const { config, edits } = change(before, await readText(app.configPath));
  if (config === before && edits.length === 0) return;
  app.setConfig(config);
  if (app.configPath === undefined) {
    app.log.info(
      "management: change applied in memory only; it is not persisted because cliproxy runs without a config file",
    );
    return;
  }
  try {
    await updateConfigFile(app.configPath, edits);
    // Already applied above: the watcher must not parse and apply these bytes a second time.
    if (edits.length > 0) noteConfigWrite(app.configPath, await readFile(app.configPath));
  } catch (err) {
    // A change that cannot be saved (amp.md N14) must not stay in force, or the next restart silently loses it.
    if (app.config() === config) app.setConfig(before);
    const cause = err instanceof Error ? err.message : String(err);
    app.log.error("management: failed to save config", { path: app.configPath, error: cause });
    throw new HttpError(500, "api_error", `failed to save config: ${cause}`);
  }
}

/** Runs `task` after every earlier change of this app has finished, holding the same lock. */
export function serialise<T>(app: App, task: () => Promise<T>): Promise<T> {
  const prev = app.saveQueue ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(task);
  app.saveQueue = next;
  return next;
}

/** Applies `change` after every earlier change of this app has finished. */
export function saveChange(app: App, change: Change): Promise<void> {
  return serialise(app, () => apply(app, change));
}
