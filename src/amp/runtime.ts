/** Long-lived Amp state: the upstream target, the secret cache, mappings. Rebuilt on config change. */
import type { App } from "../server/handler.js";
import type { Config } from "../config/schema.js";

/** Amp state shared by all requests. */
export interface AmpRuntime {
  /** Called after every config swap (and once at start). */
  update(config: Config): void;
}

/** Creates the Amp runtime for an app. */
export function createAmpRuntime(_app: () => App): AmpRuntime {
  return { update() {} };
}
