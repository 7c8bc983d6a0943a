/**
 * Settings a deployment fixes whatever the config file says, applied to every config a management
 * PUT brings (the file watcher applies them through its `adjust`): the PostgreSQL store pins auth-dir
 * to its spool, so a stored config written on another host cannot point this replica elsewhere.
 */
import type { App } from "../server/handler.js";
import type { Config } from "./schema.js";

const PINS = new WeakMap<App, (config: Config) => Config>();

/** Makes `pin` apply to every config management writes for `app`. */
export function pinConfig(app: App, pin: (config: Config) => Config): void {
  PINS.set(app, pin);
}

/** `config` with the app's pinned settings applied (unchanged when none). */
export function pinned(app: App, config: Config): Config {
  return PINS.get(app)?.(config) ?? config;
}
