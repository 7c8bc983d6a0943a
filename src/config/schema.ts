/**
 * The configuration as cliproxy uses it: camelCase, typed, every default filled. YAML keys stay
 * kebab-case as CLIProxyAPI users write them (config.md); config/load.ts maps one to the other.
 * A Config is immutable once built: a reload builds a new one and swaps it whole.
 */

/** Default request body cap: 32 MiB (configurable as `body-limit-mb`; server/body.ts enforces it). */
export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;

/** One model a credential serves: `alias` (else `name`) is served, `name` is sent upstream. */
export interface ModelEntry {
  readonly name: string;
  readonly alias: string;
  /** openai-compatibility only: the model may serve /v1/images/*. */
  readonly image?: boolean;
  /** openai-compatibility only: thinking support; absent = levels low, medium, high. */
  readonly thinking?: ThinkingSupport;
}

/** An `openai-compatibility` model's `thinking` block. */
export interface ThinkingSupport {
  readonly min?: number;
  readonly max?: number;
  readonly zeroAllowed?: boolean;
  readonly dynamicAllowed?: boolean;
  readonly levels?: readonly string[];
}

/** An entry of an API-key list (`gemini-api-key`, `claude-api-key`, …; config/kinds.ts ApiKeyList). */
export interface ProviderKey {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly prefix: string;
  readonly priority: number;
  readonly proxyUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly models: readonly ModelEntry[];
  readonly excludedModels: readonly string[];
  readonly disableCooling: boolean;
  /** codex-api-key only: use the websocket transport. */
  readonly websockets?: boolean;
}

/** An `openai-compatibility` entry: one upstream with its keys and served models. */
export interface OpenAICompat {
  readonly name: string;
  readonly baseUrl: string;
  readonly apiKeyEntries: ReadonlyArray<{ readonly apiKey: string; readonly proxyUrl: string }>;
  readonly models: readonly ModelEntry[];
  readonly prefix: string;
  readonly priority: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly disableCooling: boolean;
  /** `disabled: true` skips the whole entry. */
  readonly disabled?: boolean;
  /** `support-prompt-cache-key: true`: send a derived `prompt_cache_key` (HEAD openai_compat_executor.go; default off as there). */
  readonly supportPromptCacheKey?: boolean;
}

/** One Amp model mapping: `from` → `to`, `from` a case-insensitive regex when `regex` (amp.md CFG-7). */
export interface AmpModelMapping {
  readonly from: string;
  readonly to: string;
  readonly regex: boolean;
}

/** The `ampcode` block (amp.md §1). */
export interface AmpConfig {
  /** "" disables the Amp upstream. */
  readonly upstreamUrl: string;
  readonly upstreamApiKey: string;
  readonly upstreamApiKeys: ReadonlyArray<{ readonly upstreamApiKey: string; readonly apiKeys: readonly string[] }>;
  readonly restrictManagementToLocalhost: boolean;
  readonly forceModelMappings: boolean;
  readonly modelMappings: readonly AmpModelMapping[];
  readonly modelFallback: "upstream" | "deny";
  readonly upstreamTimeoutMs: number;
  /** `rivet-token`: the publishable Rivet token added to actor upgrades that lack one ("" adds none). */
  readonly rivetToken: string;
  /** `rivet-namespace`: the Rivet namespace added to actor upgrades that lack one ("" adds none). */
  readonly rivetNamespace: string;
  /** `tunnel-idle-timeout`: a tunnelled socket with no byte either way for this long is closed (0 = never). */
  readonly tunnelIdleTimeoutMs: number;
  /** `tunnel-handshake-timeout`: the Amp upstream must answer an upgrade within this time. */
  readonly tunnelHandshakeTimeoutMs: number;
}

/** The whole configuration. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly enable: boolean; readonly cert: string; readonly key: string };
  readonly apiKeys: readonly string[];
  readonly wsAuth: boolean;
  readonly remoteManagement: {
    readonly allowRemote: boolean;
    readonly secretKey: string;
    readonly disableControlPanel: boolean;
    readonly disableAutoUpdatePanel?: boolean;
    readonly panelGithubRepository?: string;
  };
  /** Absolute path (a leading ~ already expanded). */
  readonly authDir: string;
  readonly debug: boolean;
  readonly loggingToFile: boolean;
  readonly logsMaxTotalSizeMb: number;
  readonly errorLogsMaxFiles: number;
  readonly requestLog: boolean;
  readonly usageStatisticsEnabled: boolean;
  readonly proxyUrl: string;
  readonly requestRetry: number;
  readonly maxRetryCredentials: number;
  /** Seconds. */
  readonly maxRetryInterval: number;
  readonly disableCooling: boolean;
  /** `claude-auto-cache-control`: add CLIProxyAPI's automatic cache_control breakpoints to Claude requests that carry none (and to cloaked ones). */
  readonly claudeAutoCacheControl: boolean;
  readonly quotaExceeded: {
    readonly switchProject: boolean;
    readonly switchPreviewModel: boolean;
    readonly antigravityCredits: boolean;
  };
  readonly routing: {
    readonly strategy: "round-robin" | "fill-first";
    readonly sessionAffinity: boolean;
    readonly sessionAffinityTtlMs: number;
  };
  readonly forceModelPrefix: boolean;
  readonly passthroughHeaders: boolean;
  readonly streaming: { readonly keepaliveSeconds: number; readonly bootstrapRetries: number };
  readonly nonstreamKeepaliveInterval: number;
  readonly claudeHeaderDefaults: Readonly<Record<string, string>>;
  /**
   * Each API-key provider kind's entries, under its YAML key in camelCase (`claude-api-key` → `claudeApiKey`):
   * the kinds table (config/kinds.ts) says which lists exist, so a new kind needs no field here.
   */
  readonly [apiKeyList: `${string}ApiKey`]: readonly ProviderKey[];
  readonly openaiCompatibility: readonly OpenAICompat[];
  readonly oauthModelAlias: Readonly<
    Record<string, ReadonlyArray<{ readonly name: string; readonly alias: string; readonly fork: boolean }>>
  >;
  readonly oauthExcludedModels: Readonly<Record<string, readonly string[]>>;
  /** Kept as parsed; applied by the providers layer. */
  readonly payload: unknown;
  readonly ampcode: AmpConfig;
  // cliproxy-only keys (config.md §9 and the foundation issue)
  /** `body-limit-mb`: request body cap in bytes. */
  readonly bodyLimitBytes: number;
  /** `shutdown-timeout`: how long in-flight requests and streams may drain on SIGTERM. */
  readonly shutdownTimeoutMs: number;
  /** `upstream-connect-timeout`: connect timeout for every upstream. */
  readonly upstreamConnectTimeoutMs: number;
  /** `upstream-response-timeout`: a provider call must send its response head within this time (504 past it). */
  readonly upstreamResponseTimeoutMs: number;
  /** `upstream-idle-timeout`: a provider answer that sends nothing for this long is cut (504, or an error event mid-stream). */
  readonly upstreamIdleTimeoutMs: number;
  /** `api-key-lockout-failures`: wrong client keys from one source before its wrong keys get 429 (0 turns the lockout off). */
  readonly apiKeyLockoutFailures: number;
  /** `api-key-lockout-duration`: how long such a source's wrong keys get 429. */
  readonly apiKeyLockoutMs: number;
  readonly enableGeminiCliEndpoint: boolean;
  readonly commercialMode: boolean;
  readonly redisUsageQueueRetentionSeconds: number;
  readonly authAutoRefreshWorkers: number;
  /** `workers`: processes serving the port (app/cluster.ts); 1 = this process alone. Needs a restart. */
  readonly workers: number;
  /** `codex-header-defaults`, keyed by YAML name (`user-agent`, `beta-features`). */
  readonly codexHeaderDefaults: Readonly<Record<string, string>>;
  readonly disableImageGeneration: boolean | "chat" | "passthrough";
  readonly gptImage2BaseModel: string;
  readonly antigravitySignatureCacheEnabled: boolean;
  readonly antigravitySignatureBypassStrict: boolean;
  /** `oauth-endpoints` (oauth.md §9): provider → YAML field name → URL (`api-base-urls` is a list). */
  readonly oauthEndpoints: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** Amp's defaults (amp.md §1; upstream-url defaults to ampcode.com in cliproxy, where CLIProxyAPI had none: N18). */
export const DEFAULT_AMP: AmpConfig = Object.freeze<AmpConfig>({
  upstreamUrl: "https://ampcode.com",
  upstreamApiKey: "",
  upstreamApiKeys: [],
  restrictManagementToLocalhost: false,
  forceModelMappings: false,
  modelMappings: [],
  modelFallback: "upstream",
  upstreamTimeoutMs: 10 * 60_000,
  // The publishable token every copy of the native Amp CLI carries (amp-cli-latest-traffic.md, "The Rivet routing token").
  rivetToken: "pk_9tm4qz3zrMerdZXTlBRLRsmJIzSQIPH24meKBqiL6vVpscTvc4w1YPiBgymXf9Az",
  rivetNamespace: "default",
  tunnelIdleTimeoutMs: 10 * 60_000,
  tunnelHandshakeTimeoutMs: 30_000,
});

/** Every default, as used when no config file exists. */
export const DEFAULT_CONFIG: Config = Object.freeze<Config>({
  host: "127.0.0.1",
  port: 8317,
  tls: { enable: false, cert: "", key: "" },
  apiKeys: [],
  wsAuth: false,
  remoteManagement: {
    allowRemote: false,
    secretKey: "",
    disableControlPanel: false,
    disableAutoUpdatePanel: false,
    panelGithubRepository: "https://github.com/router-for-me/Cli-Proxy-API-Management-Center",
  },
  authDir: "~/.cli-proxy-api",
  debug: false,
  loggingToFile: false,
  logsMaxTotalSizeMb: 0,
  errorLogsMaxFiles: 10,
  requestLog: false,
  usageStatisticsEnabled: false,
  proxyUrl: "",
  requestRetry: 0,
  maxRetryCredentials: 0,
  maxRetryInterval: 0,
  disableCooling: false,
  claudeAutoCacheControl: true,
  quotaExceeded: { switchProject: false, switchPreviewModel: false, antigravityCredits: false },
  routing: { strategy: "round-robin" as const, sessionAffinity: false, sessionAffinityTtlMs: 3_600_000 },
  forceModelPrefix: false,
  passthroughHeaders: false,
  streaming: { keepaliveSeconds: 0, bootstrapRetries: 0 },
  nonstreamKeepaliveInterval: 0,
  claudeHeaderDefaults: {},
  // The built-in kinds' lists, empty (the embedded default and makeConfig() callers fill them).
  geminiApiKey: [],
  claudeApiKey: [],
  codexApiKey: [],
  vertexApiKey: [],
  openaiCompatibility: [],
  oauthModelAlias: {},
  oauthExcludedModels: {},
  payload: undefined,
  ampcode: DEFAULT_AMP,
  bodyLimitBytes: DEFAULT_BODY_LIMIT,
  shutdownTimeoutMs: 30_000,
  upstreamConnectTimeoutMs: 30_000,
  upstreamResponseTimeoutMs: 10 * 60_000,
  upstreamIdleTimeoutMs: 5 * 60_000,
  apiKeyLockoutFailures: 10,
  apiKeyLockoutMs: 15 * 60_000,
  enableGeminiCliEndpoint: false,
  commercialMode: false,
  redisUsageQueueRetentionSeconds: 60,
  authAutoRefreshWorkers: 16,
  workers: 1,
  codexHeaderDefaults: {},
  disableImageGeneration: false,
  gptImage2BaseModel: "gpt-5.4-mini",
  antigravitySignatureCacheEnabled: true,
  antigravitySignatureBypassStrict: false,
  oauthEndpoints: {},
});

/** A ProviderKey with defaults for every field but the key. */
export function providerKey(apiKey: string, fields: Partial<ProviderKey> = {}): ProviderKey {
  return {
    apiKey,
    baseUrl: "",
    prefix: "",
    priority: 0,
    proxyUrl: "",
    headers: {},
    models: [],
    excludedModels: [],
    disableCooling: false,
    ...fields,
  };
}

/** A config built from defaults plus overrides; tests and the embedded default use it. */
export function makeConfig(
  overrides: Partial<Omit<Config, "ampcode">> & { ampcode?: Partial<AmpConfig> } = {},
): Config {
  return { ...DEFAULT_CONFIG, ...overrides, ampcode: { ...DEFAULT_AMP, ...overrides.ampcode } };
}
