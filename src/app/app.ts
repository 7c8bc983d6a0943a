/** Builds the App: the logger, clock, config holder and module runtimes that requests share. */
import { homedir } from "node:os";
import type { Config } from "../config/schema.js";
import { kindSecrets, type KindTable } from "../config/kinds.js";
import { PROVIDER_KINDS, type Kinds } from "../providers/kinds.js";
import { createLogger, type Logger } from "../log/log.js";
import { tapRing } from "../log/ring.js";
import { createProviderRuntime } from "../providers/runtime.js";
import { createAmpRuntime } from "../amp/runtime.js";
import type { App, Clock } from "../server/handler.js";
import { VERSION } from "../version.js";
import { Lockout } from "../server/lockout.js";
import { LoginSessions } from "../oauth/management.js";

/** Options for createApp; tests inject the clock, env, home and a capturing logger. */
export interface AppOptions {
  config: Config;
  log?: Logger;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
  homeDir?: string;
  configPath?: string;
  /**
   * The provider kinds served (default PROVIDER_KINDS). The extension point for a kind of one's own: pass
   * `{ ...PROVIDER_KINDS, mine: { provider, list, executor } }` and its config list, credentials, secret masking,
   * start-up count and management endpoints follow from that one entry (README "Adding a provider kind").
   */
  kinds?: Kinds;
}

/** Every secret in a config, so the logger masks them wherever they appear: each kind's keys come from the kinds table. */
export function configSecrets(config: Config, kinds: KindTable): string[] {
  const out: string[] = [...config.apiKeys, config.ampcode.upstreamApiKey, config.remoteManagement.secretKey];
  for (const e of config.ampcode.upstreamApiKeys) out.push(e.upstreamApiKey, ...e.apiKeys);
  out.push(...kindSecrets(config, kinds));
  return out.filter(Boolean);
}

/** Creates the shared application state. */
export function createApp(options: AppOptions): App {
  let current = options.config;
  const kinds = options.kinds ?? PROVIDER_KINDS;
  const log = options.log ?? createLogger({ level: current.debug ? "debug" : "info" });
  const env = options.env ?? process.env;
  const envSecrets = ["AMP_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "MANAGEMENT_PASSWORD"]
    .map((k) => env[k] ?? "")
    .filter(Boolean);
  log.secrets.set([...configSecrets(current, kinds), ...envSecrets]);
  const clock = options.clock ?? { now: () => Date.now() };
  let sessions: LoginSessions | undefined;
  let clientLockout: Lockout | undefined;
  let managementLockout: Lockout | undefined;
  const app: App = {
    version: VERSION,
    log,
    clock,
    env,
    homeDir: options.homeDir ?? homedir(),
    configPath: options.configPath,
    kinds,
    config: () => current,
    setConfig(next) {
      current = next;
      log.setLevel(next.debug ? "debug" : "info");
      log.secrets.set([...configSecrets(next, kinds), ...envSecrets]);
      // Token files: their secrets back into the fresh set, aliases and exclusions from the new config.
      app.oauth?.publish();
      app.providers.update(next);
      app.amp.update(next);
    },
    providers: createProviderRuntime(() => app),
    amp: createAmpRuntime(() => app),
    // Lockouts read app.clock at each call (a test may swap the clock after createApp), so they are made on first use.
    get clientLockout() {
      return (clientLockout ??= new Lockout(() => app.clock.now()));
    },
    logRing: tapRing(log),
    liveResponses: new Set(),
    get managementLockout() {
      return (managementLockout ??= new Lockout(() => app.clock.now()));
    },
    get loginSessions() {
      return (sessions ??= new LoginSessions(app));
    },
  };
  app.providers.update(current);
  app.amp.update(current);
  return app;
}
