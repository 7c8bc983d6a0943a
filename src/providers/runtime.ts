/**
 * Long-lived provider state: credentials, the model registry, cooldowns, round-robin cursors, usage.
 * update() rebuilds credentials and registry on every config swap; cooldowns and cursors survive for
 * credentials that survive (same id, key and root).
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import type { App } from "../server/handler.js";
import type { Config } from "../config/schema.js";
import { CooldownBook, isSuspension, type Block } from "../routing/cooldown.js";
import { Picker } from "../routing/pick.js";
import { AffinityTable } from "../routing/session.js";
import { conduct, type Attempt, type ConductRequest, type ConductResult, type Sleep } from "./conduct.js";
import { authIndex, credentialsFromConfig, stateKey } from "./credentials.js";
import { buildRegistry, closestNames, type Registry } from "./registry.js";
import { UsageStats } from "./usage.js";
import { resolveModel, type Resolved } from "./resolve.js";
import { settled } from "./outcome.js";
import type { Credential, ModelInfo, ProviderId } from "./types.js";

export type { Attempt, ConductRequest, ConductResult, ConductError, Sleep } from "./conduct.js";
export type { Resolved } from "./resolve.js";

/** One model's state on one credential, for the status page. */
export interface ModelState {
  readonly model: string;
  readonly state: "cooling" | "blocked";
  /** Epoch ms. */
  readonly until: number;
  readonly status: number;
  readonly reason: string;
}

/** One credential for the status page; never the key. */
export interface CredentialState {
  readonly id: string;
  readonly authIndex: string;
  readonly label: string;
  readonly provider: ProviderId;
  readonly kind: string;
  readonly baseUrl: string;
  readonly priority: number;
  readonly prefix: string;
  /** `ok` when no model is blocked. */
  readonly state: "ok" | "cooling" | "blocked";
  readonly models: readonly ModelState[];
}

/** Provider state shared by all requests. */
export interface ProviderRuntime {
  /** Rebuilds credentials and registry from a config (after every swap, and once at start); keeps cooldowns of surviving credentials. */
  update(config: Config): void;
  /** Adds credentials from another source (token files), replacing that source's previous set. */
  setExtraCredentials(source: string, credentials: readonly Credential[]): void;
  /** Every credential, config ones first, in order. */
  credentials(): readonly Credential[];
  /**
   * Every served id, sorted (listing endpoints); ids whose credentials are all blocked for non-quota reasons are left
   * out (providers.md §3.4).
   */
  models(): ModelInfo[];
  /** Resolves a requested model (prefix forms, suffix, force-model-prefix) to its candidates; undefined when nothing serves it. */
  resolve(model: string): Resolved | undefined;
  /** Up to `n` (default 5) served names close to `model`, for "did you mean". */
  closest(model: string, n?: number): string[];
  /** Serves a request across credentials with cooldowns and retry passes (providers.md §4.4, §5); never throws for upstream failures. */
  conduct(request: ConductRequest, attempt: Attempt): Promise<ConductResult>;
  /** Usage statistics: executors call usage.record() after a successful attempt; conduct() records failures itself. */
  readonly usage: UsageStats;
  /** The cooldown blocks (the PostgreSQL store shares them between replicas). */
  readonly cooldowns: CooldownBook;
  /** Per-credential state for the status page and management. */
  state(): CredentialState[];
  /** Clears the cooldowns of one credential by id (e.g. re-enabled in management); false when no such id. */
  clearCooldowns(id: string): boolean;
}

/**
 * The App slot this module owns. The kernel's App (server/handler.ts) knows no feature; each module adds its
 * runtime here, and the composition root (app/app.ts) fills it.
 */
declare module "../server/handler.js" {
  interface App {
    readonly providers: ProviderRuntime;
  }
}

/** Options for tests: a sleep that moves a fake clock instead of waiting. */
export interface RuntimeOptions {
  sleep?: Sleep;
}

/** Waits on a real timer; aborts with the signal. */
export const timerSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/** Creates the provider runtime for an app. A clock with a `sleep(ms, signal)` method supplies the default sleep (tests). */
export function createProviderRuntime(getApp: () => App, options: RuntimeOptions = {}): ProviderRuntime {
  const book = new CooldownBook();
  const picker = new Picker();
  const affinity = new AffinityTable();
  const usage = new UsageStats(() => getApp().clock.now());
  let configCreds: readonly Credential[] = [];
  const extra = new Map<string, readonly Credential[]>();
  let registry: Registry = buildRegistry([]);
  let current: Config | undefined;
  let routing = "";

  const now = () => getApp().clock.now();
  const sleep: Sleep = (ms, signal) => {
    if (options.sleep) return options.sleep(ms, signal);
    const clock = getApp().clock as { sleep?: Sleep };
    return clock.sleep ? clock.sleep(ms, signal) : timerSleep(ms, signal);
  };
  const blockOf = (c: Credential, model: string) =>
    current?.disableCooling || c.disableCooling ? undefined : book.get(stateKey(c), model, now());

  function rebuild(): void {
    const all = [...configCreds, ...[...extra.values()].flat()];
    registry = buildRegistry(all);
    book.retain(new Set(all.map(stateKey)));
  }

  const resolve = (requested: string) => resolveModel(registry, requested);

  const runtime: ProviderRuntime = {
    usage,
    cooldowns: book,
    update(config) {
      const { credentials, warnings } = credentialsFromConfig(config, getApp().kinds);
      for (const w of warnings) getApp().log.warn(w.message);
      // config.md §7: a routing.* change rebuilds the selector and loses session bindings.
      const next = JSON.stringify(config.routing);
      if (current && next !== routing) {
        picker.reset();
        affinity.clear();
      }
      routing = next;
      current = config;
      configCreds = credentials;
      usage.setEnabled(config.usageStatisticsEnabled);
      rebuild();
    },
    setExtraCredentials(source, credentials) {
      if (credentials.length) extra.set(source, credentials);
      else extra.delete(source);
      rebuild();
    },
    credentials: () => registry.credentials,
    models() {
      const out: ModelInfo[] = [];
      for (const id of registry.ids()) {
        const creds = registry.credentialsFor(id);
        // providers.md §3.4: an id disappears when every credential is suspended for a non-quota reason; quota
        // cooldowns stay listed.
        if (
          creds.every((c) => {
            const b = blockOf(c, id);
            return b !== undefined && isSuspension(b);
          })
        )
          continue;
        const info = registry.info(id);
        assert.ok(info, `model "${id}" is listed by the registry but has no info`);
        out.push(info);
      }
      return out;
    },
    resolve,
    closest: (model, n = 5) => closestNames(model, registry.ids(), n),
    async conduct(request, attempt) {
      const config = request.config ?? current ?? getApp().config();
      // The caller's resolution when it made one (serveLocal, Amp's decision): the name is never resolved twice.
      const resolved = request.resolved === undefined ? resolve(request.model) : (request.resolved ?? undefined);
      const candidates =
        resolved?.candidates.filter((c) => !request.providers || request.providers.includes(c.provider)) ?? [];
      if (!resolved || candidates.length === 0) {
        const suggestions = runtime.closest(request.model);
        const hint = suggestions.length ? `; did you mean: ${suggestions.join(", ")}` : "";
        return {
          kind: "unknown-model",
          status: 404,
          headers: {},
          suggestions,
          message: `model "${request.model}" is not served by any configured credential; see GET /v1/models${hint}`,
        };
      }
      if (resolved.passedThrough)
        getApp().log.info(
          `model "${resolved.model}" is in no credential's list; passing it to ${resolved.providers.join(", ")} to decide`,
        );
      return conduct(
        { config, now, sleep, book, picker, log: getApp().log, usage, affinity },
        { ...resolved, candidates },
        request,
        settled(attempt, request),
      );
    },
    clearCooldowns(id) {
      const cred = registry.credentials.find((c) => c.id === id);
      if (cred) book.clear(stateKey(cred));
      return cred !== undefined;
    },
    state() {
      const t = now();
      return registry.credentials.map((c) => {
        const models: ModelState[] = book.blocks(stateKey(c), t).map(([model, b]: [string, Block]) => ({
          model,
          state: isSuspension(b) ? "blocked" : "cooling",
          until: b.until,
          status: b.status,
          reason: b.reason,
        }));
        const state = models.some((m) => m.state === "blocked") ? "blocked" : models.length ? "cooling" : "ok";
        return {
          id: c.id,
          authIndex: authIndex(c),
          label: c.label,
          provider: c.provider,
          kind: c.kind,
          baseUrl: c.baseUrl,
          priority: c.priority,
          prefix: c.prefix,
          state,
          models,
        };
      });
    },
  };
  return runtime;
}
