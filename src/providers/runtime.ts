/** Long-lived provider state: credentials, the model registry, cooldowns, usage. Rebuilt on config change. */
import type { App } from "../server/handler.js";
import type { Config } from "../config/schema.js";

/** Provider state shared by all requests. */
export interface ProviderRuntime {
  /** Called after every config swap (and once at start). */
  update(config: Config): void;
}

/** Creates the provider runtime for an app. */
export function createProviderRuntime(_app: () => App): ProviderRuntime {
  return { update() {} };
}
