/**
 * Settings a deployment fixes whatever the config file says, applied to every config a management
 * PUT brings (the file watcher applies them through its `adjust`): the PostgreSQL store pins auth-dir
 * to its spool, so a stored config written on another host cannot point this replica elsewhere.
 */
import type { Config } from "./schema.js";

/** What holds the pin: the App (its `pin` slot, server/handler.ts). */
export interface Pinnable {
  pin?: (config: Config) => Config;
}

/** Makes `pin` apply to every config management writes for `app`. */
export function pinConfig(app: Pinnable, pin: (config: Config) => Config): void {
  app.pin = pin;
}

/** `config` with the app's pinned settings applied (unchanged when none). */
export function pinned(app: Pinnable, config: Config): Config {
  return app.pin?.(config) ?? config;
}
