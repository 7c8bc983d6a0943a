/**
 * Long-lived Amp state, rebuilt on config change (amp.md §5): the validated upstream target (CFG-1, CFG-9, HR-3: an
 * invalid new URL keeps the old one), the upstream-key store (PX-6/PX-7; HR-4: its caches reset when the keys change)
 * the last routing decisions and one-time log keys. Handlers read it through their request's config snapshot, so in-flight requests keep theirs.
 */
import { EventEmitter } from "node:events";
import type { Config } from "../config/schema.js";
import type { App } from "../server/handler.js";
import { createSecretStore, type SecretStore } from "./secret.js";
import { RecentDecisions } from "./recent.js";
import { createActorTokens, type ActorTokens } from "./actor-tokens.js";

/** The open WebSocket tunnels, for the status page and shutdown. */
export interface Tunnels {
  /** How many are open now. */
  readonly open: number;
  /** How many were opened since start. */
  readonly opened: number;
  /** Tracks an open tunnel; `close` ends it at shutdown. Returns the untrack function. */
  add(close: () => void): () => void;
  /** Closes every open tunnel (shutdown: a socket has no natural end to drain to). */
  closeAll(): void;
  /** Emits "closed" with the close line's fields when a tunnel has closed on both sides. */
  readonly events: EventEmitter;
}

function createTunnels(): Tunnels {
  const open = new Set<() => void>();
  let opened = 0;
  return {
    events: new EventEmitter(),
    get open() {
      return open.size;
    },
    get opened() {
      return opened;
    },
    add(close) {
      opened++;
      open.add(close);
      return () => void open.delete(close);
    },
    closeAll() {
      for (const close of [...open]) close();
    },
  };
}

/** A validated Amp upstream. */
export interface UpstreamTarget {
  readonly url: URL;
  /** `scheme://host[:port]`, to warn when an ampcode.com key goes to another origin (amp.md N8). */
  readonly origin: string;
}

/** Amp state shared by all requests. */
export interface AmpRuntime {
  /** Called after every config swap (and once at start). */
  update(config: Config): void;
  /**
   * The upstream for a config snapshot; undefined when Amp's upstream is off and management routes answer 503 (amp.md
   * RT-9).
   */
  upstream(config: Config): UpstreamTarget | undefined;
  /** Upstream keys: per-client map and the cached secrets file. */
  readonly secrets: SecretStore;
  /** wsTokens relayed to authenticated clients (actor upgrades present them). */
  readonly actorTokens: ActorTokens;
  /** Open WebSocket tunnels. */
  readonly tunnels: Tunnels;
  /** The last routing decisions, for the status page. */
  readonly recent: RecentDecisions;
  /** True the first time `key` is passed (for log lines written once), false afterwards. */
  firstTime(key: string): boolean;
}

/**
 * The App slot this module owns. The kernel's App (server/handler.ts) knows no feature; each module adds its
 * runtime here, and the composition root (app/app.ts) fills it.
 */
declare module "../server/handler.js" {
  interface App {
    readonly amp: AmpRuntime;
  }
}

/** Cap on remembered one-time log keys, so a client inventing paths cannot grow memory forever. */
const MAX_ONCE_KEYS = 1024;

/** Parses `ampcode.upstream-url` (amp.md CFG-9): http(s) with a host, else an error naming the key. */
export function parseUpstreamUrl(raw: string): UpstreamTarget | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`ampcode.upstream-url "${text}" is not a valid URL; use a full URL such as "https://ampcode.com"`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new Error(
      `ampcode.upstream-url "${text}" must be an http or https URL with a host, such as "https://ampcode.com"`,
    );
  }
  return { url, origin: url.origin };
}

/** Creates the Amp runtime for an app. */
export function createAmpRuntime(getApp: () => App): AmpRuntime {
  const targets = new WeakMap<Config, UpstreamTarget | undefined>();
  let started = false;
  let current: { url: string; key: string; target: UpstreamTarget | undefined } = {
    url: "",
    key: "",
    target: undefined,
  };
  const once = new Set<string>();
  const secrets = createSecretStore(getApp);

  return {
    secrets,
    actorTokens: createActorTokens({ now: () => getApp().clock.now() }),
    tunnels: createTunnels(),
    recent: new RecentDecisions(),
    update(config) {
      const log = getApp().log;
      const url = config.ampcode.upstreamUrl.trim();
      let target = current.target;
      if (!started || url !== current.url) {
        try {
          target = parseUpstreamUrl(url);
        } catch (err) {
          // An invalid URL (amp.md CFG-9): at start the upstream stays off; on reload the previous one stays in force.
          if (started)
            log.error(
              `amp config: failed to update upstream: ${(err as Error).message}; keeping the previous upstream`,
            );
          else log.error(`amp config: ${(err as Error).message}; the Amp upstream is disabled`);
        }
      }
      // A new key or a (re-)enabled upstream may mean a new secrets file is wanted: drop the cache (amp.md HR-4, PX-6).
      if (config.ampcode.upstreamApiKey !== current.key || target?.origin !== current.target?.origin)
        secrets.invalidate();
      if (started && target?.origin !== current.target?.origin) {
        log.info(
          target ? `amp upstream: now ${target.url.href}` : "amp upstream: disabled (ampcode.upstream-url is empty)",
        );
      }
      current = { url: target === current.target ? current.url : url, key: config.ampcode.upstreamApiKey, target };
      targets.set(config, target);
      // rebuilt now so the duplicate-client-key warning (amp.md CFG-3) appears at load, not at first use
      secrets.clientMap(config);
      started = true;
    },
    upstream(config) {
      if (targets.has(config)) return targets.get(config);
      try {
        return parseUpstreamUrl(config.ampcode.upstreamUrl);
      } catch {
        return current.target;
      }
    },
    firstTime(key) {
      if (once.has(key) || once.size >= MAX_ONCE_KEYS) return false;
      once.add(key);
      return true;
    },
  };
}
