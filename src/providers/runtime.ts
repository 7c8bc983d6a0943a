/**
 * Long-lived provider state: credentials, the model registry, cooldowns, round-robin cursors, usage.
 * update() rebuilds credentials and registry on every config swap; cooldowns and cursors survive for
 * credentials that survive (same id, key and root).
 */
import { setTimeout as delay } from "node:timers/promises";
import type { App } from "../server/handler.js";
import type { Config } from "../config/schema.js";
import { CooldownBook, isSuspension, type Block } from "../routing/cooldown.js";
import { Picker } from "../routing/pick.js";
import { AffinityTable } from "../routing/session.js";
import { conduct, type Attempt, type ConductRequest, type ConductResult, type Sleep } from "./conduct.js";
import { authIndex, credentialsFromConfig, matchesWildcard, stateKey } from "./credentials.js";
import { buildRegistry, closestNames, splitThinkingSuffix, type Registry } from "./registry.js";
import { UsageStats } from "./usage.js";
import { alternativeSpellings } from "./model-names.js";
import type { Credential, ModelInfo, ProviderId } from "./types.js";

export type { Attempt, ConductRequest, ConductResult, ConductError, Sleep } from "./conduct.js";

/** A requested model resolved against the registry. */
export interface Resolved {
  /** The served id routed on: the requested name minus its thinking suffix (or the whole name when only that is served). */
  readonly model: string;
  /** The base name without suffix (equal to `model` unless the full suffixed name is itself served). */
  readonly base: string;
  /** The thinking suffix value, `high` for `name(high)`. */
  readonly suffix?: string;
  /** Providers serving it, ordered as providersFor(). */
  readonly providers: readonly ProviderId[];
  /** Credentials serving it, in config order (blocked ones included; conduct() skips those). */
  readonly candidates: readonly Credential[];
  /** Set when no credential lists the model and it goes to the credentials of its family unlisted. */
  readonly passedThrough?: boolean;
  /** How the requested name was respelled to find it (`provider prefix stripped`), when it was. */
  readonly spelling?: string;
}

/** Model families and the credential kinds that serve them (never openai-compatibility, whose lists are explicit). */
const FAMILIES: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/^claude-/i, ["claude"]],
  [/^(gpt-|codex-|o\d)/i, ["codex"]],
  [/^gemini-/i, ["gemini", "gemini-cli", "vertex", "antigravity"]],
];

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
   * Providers serving a model (thinking suffix stripped): most credentials first, ties by name (the Amp provider order,
   * amp.md PR-13); [] if none.
   */
  providersFor(model: string): ProviderId[];
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

  function lookup(requested: string): Resolved | undefined {
    const trimmed = requested.trim();
    const { base, suffix } = splitThinkingSuffix(trimmed);
    // providers.md §1.3: the base name first; when nothing serves it, the full string with its suffix.
    // Then the base name ignoring case, as CLIProxyAPI's alias lookups do.
    const tries: Array<[string, string | undefined]> = [
      [base, suffix],
      [trimmed, undefined],
      [registry.canonical(base) ?? base, suffix],
    ];
    for (const [model, sfx] of tries) {
      const candidates = registry.credentialsFor(model);
      if (candidates.length) return { model, base, suffix: sfx, providers: registry.providersFor(model), candidates };
    }
    return undefined;
  }

  /**
   * A model no credential lists but of a family one serves (`claude-opus-4-8` on a Claude credential
   * listing other claude-* models): passed to that upstream to decide, never a 404 of cliproxy's own.
   */
  function byFamily(base: string, suffix: string | undefined): Resolved | undefined {
    const kinds = FAMILIES.find(([re]) => re.test(base))?.[1];
    if (!kinds) return undefined;
    const family = FAMILIES.find(([re]) => re.test(base))![0];
    const candidates = registry.credentials.filter(
      (c) =>
        kinds.includes(c.kind) &&
        c.prefix === "" &&
        c.catalogExclusions !== undefined &&
        !c.catalogExclusions.some((p) => matchesWildcard(p, base)) &&
        [...c.models.keys()].some((id) => family.test(id)),
    );
    if (candidates.length === 0) return undefined;
    return {
      model: base,
      base,
      suffix,
      providers: [...new Set(candidates.map((c) => c.provider))],
      candidates,
      passedThrough: true,
    };
  }

  function resolve(requested: string): Resolved | undefined {
    const found = lookup(requested);
    if (found) return found;
    // Router spellings (model-names.ts), only once the name as sent is not served.
    const { base, suffix } = splitThinkingSuffix(requested.trim());
    for (const alt of alternativeSpellings(base)) {
      const hit = lookup(suffix === undefined ? alt.name : `${alt.name}(${suffix})`);
      if (hit) return { ...hit, spelling: alt.how };
    }
    // Only when no spelling of the name is served: the family's credentials decide.
    return byFamily(base, suffix);
  }

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
    providersFor: (model) => resolve(model)?.providers.slice() ?? [],
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
        out.push(registry.info(id)!);
      }
      return out;
    },
    resolve,
    closest: (model, n = 5) => closestNames(model, registry.ids(), n),
    async conduct(request, attempt) {
      const config = request.config ?? current ?? getApp().config();
      const resolved = resolve(request.model);
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
        resolved.model,
        candidates,
        request,
        attempt,
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
