/**
 * PROVIDER_KINDS: the one table of provider kinds. Each entry is a whole kind: the config list its API keys come
 * from and how its entries read (config/kinds.ts KindData: config/, management/ and start-up read that part) and
 * the executor that speaks to its upstream (providers/<kind>.ts). Adding a kind is one entry here and one
 * executor file: ProviderKind is this table's key type, and an entry missing a part does not compile. A
 * deployment or test adds kinds of its own through createApp({ kinds }) / start({ kinds }), which take this
 * table extended.
 */
import type { KindData } from "../config/kinds.js";
import type { Executor } from "./executor.js";
import { ANTIGRAVITY } from "./antigravity.js";
import { CLAUDE } from "./claude.js";
import { CODEX } from "./codex.js";
import { GEMINI } from "./gemini.js";
import { GEMINI_CLI } from "./gemini-cli.js";
import { OPENAI_COMPAT } from "./openai-compat.js";
import { VERTEX } from "./vertex.js";

/** One provider kind: its config data and its executor. */
export interface KindSpec extends KindData {
  readonly executor: Executor;
}

/** Provider kinds by id, in the order their credentials are built and counted. */
export type Kinds = Readonly<Record<string, KindSpec>>;

const CLOAK = "cloaking is not done by cliproxy: requests go out as the client wrote them (ignored)";

/** The built-in kinds. */
const BUILT_IN = {
  claude: {
    provider: "claude",
    list: {
      shape: "api-keys",
      key: "claude-api-key",
      defaultBaseUrl: "https://api.anthropic.com",
      ignored: { cloak: CLOAK, "experimental-cch-signing": CLOAK },
    },
    executor: CLAUDE,
  },
  gemini: {
    provider: "gemini",
    list: {
      shape: "api-keys",
      key: "gemini-api-key",
      defaultBaseUrl: "https://generativelanguage.googleapis.com",
      oldKeys: ["generative-language-api-key"],
      dedupe: true,
      fixedModels: true,
      emptyKeyDeletes: true,
    },
    executor: GEMINI,
  },
  codex: {
    provider: "codex",
    list: {
      shape: "api-keys",
      key: "codex-api-key",
      requireBaseUrl: "the default Codex endpoint takes only OAuth tokens",
      websockets: true,
    },
    executor: CODEX,
  },
  vertex: {
    provider: "vertex",
    list: {
      shape: "api-keys",
      key: "vertex-api-key",
      defaultBaseUrl: "https://aiplatform.googleapis.com",
      dedupe: true,
      modelsNeedAlias: true,
      noDisableCooling: true,
      putNeedsKey: true,
    },
    executor: VERTEX,
  },
  "openai-compat": {
    provider: "openai-compatibility", // an entry's `name` is its provider; this names unnamed ones
    list: { shape: "openai-compatibility", key: "openai-compatibility" },
    executor: OPENAI_COMPAT,
  },
  "gemini-cli": { provider: "gemini-cli", executor: GEMINI_CLI },
  antigravity: { provider: "antigravity", executor: ANTIGRAVITY },
} as const satisfies Record<string, KindSpec>;

/** The built-in provider kinds' ids: the keys of PROVIDER_KINDS, so a new entry is a new ProviderKind. */
export type ProviderKind = keyof typeof BUILT_IN;

/** The built-in kinds, each a complete KindSpec (no Partial: an entry without its executor does not compile). */
export const PROVIDER_KINDS: Readonly<Record<ProviderKind, KindSpec>> = Object.freeze(BUILT_IN);

declare module "../server/handler.js" {
  interface App {
    /** The provider kinds this App serves: PROVIDER_KINDS, plus any createApp({ kinds }) added. */
    readonly kinds: Kinds;
  }
}
