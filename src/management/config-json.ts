/**
 * The running Config spelled as config.yaml spells it (kebab-case keys, durations as `30s`), for
 * `GET /config` and as the item shapes of the provider-list endpoints. Empty and default fields are
 * left out of list items, as CLIProxyAPI's JSON tags (`omitempty`) do.
 */
import type { Config, ModelEntry, OpenAICompat, ProviderKey } from "../config/schema.js";
import { apiKeyLists, keyEntries, type KindTable } from "../config/kinds.js";
import { ampJson, formatDuration } from "./ampcode.js";

type Json = Record<string, unknown>;

function modelYaml(m: ModelEntry): Json {
  const o: Json = { name: m.name };
  if (m.alias) o.alias = m.alias;
  if (m.image !== undefined) o.image = m.image;
  if (m.thinking) {
    const t = m.thinking;
    const th: Json = {};
    if (t.min !== undefined) th.min = t.min;
    if (t.max !== undefined) th.max = t.max;
    if (t.zeroAllowed !== undefined) th["zero-allowed"] = t.zeroAllowed;
    if (t.dynamicAllowed !== undefined) th["dynamic-allowed"] = t.dynamicAllowed;
    if (t.levels) th.levels = [...t.levels];
    o.thinking = th;
  }
  return o;
}

/** A `*-api-key` entry as YAML writes it. */
export function keyYaml(k: ProviderKey): Json {
  const o: Json = { "api-key": k.apiKey };
  if (k.priority) o.priority = k.priority;
  if (k.prefix) o.prefix = k.prefix;
  if (k.baseUrl) o["base-url"] = k.baseUrl;
  if (k.websockets !== undefined) o.websockets = k.websockets;
  if (k.proxyUrl) o["proxy-url"] = k.proxyUrl;
  if (k.models.length) o.models = k.models.map(modelYaml);
  if (Object.keys(k.headers).length) o.headers = { ...k.headers };
  if (k.excludedModels.length) o["excluded-models"] = [...k.excludedModels];
  if (k.disableCooling) o["disable-cooling"] = true;
  return o;
}

/** An `openai-compatibility` entry as YAML writes it. */
export function compatYaml(c: OpenAICompat): Json {
  const o: Json = { name: c.name };
  if (c.priority) o.priority = c.priority;
  if (c.prefix) o.prefix = c.prefix;
  if (c.disabled) o.disabled = true;
  o["base-url"] = c.baseUrl;
  if (c.apiKeyEntries.length)
    o["api-key-entries"] = c.apiKeyEntries.map((e) =>
      e.proxyUrl ? { "api-key": e.apiKey, "proxy-url": e.proxyUrl } : { "api-key": e.apiKey },
    );
  if (c.models.length) o.models = c.models.map(modelYaml);
  if (Object.keys(c.headers).length) o.headers = { ...c.headers };
  if (c.disableCooling) o["disable-cooling"] = true;
  if (c.supportPromptCacheKey) o["support-prompt-cache-key"] = true;
  return o;
}

/** The running config for `GET /config`: YAML key names; host, port, auth-dir and remote-management left out. */
export function configJson(c: Config, kinds: KindTable): Json {
  const out: Json = {
    tls: { ...c.tls },
    "api-keys": [...c.apiKeys],
    "ws-auth": c.wsAuth,
    debug: c.debug,
    "logging-to-file": c.loggingToFile,
    "logs-max-total-size-mb": c.logsMaxTotalSizeMb,
    "error-logs-max-files": c.errorLogsMaxFiles,
    "request-log": c.requestLog,
    "usage-statistics-enabled": c.usageStatisticsEnabled,
    "proxy-url": c.proxyUrl,
    "request-retry": c.requestRetry,
    "max-retry-credentials": c.maxRetryCredentials,
    "max-retry-interval": c.maxRetryInterval,
    "disable-cooling": c.disableCooling,
    "claude-auto-cache-control": c.claudeAutoCacheControl,
    "quota-exceeded": {
      "switch-project": c.quotaExceeded.switchProject,
      "switch-preview-model": c.quotaExceeded.switchPreviewModel,
      "antigravity-credits": c.quotaExceeded.antigravityCredits,
    },
    routing: {
      strategy: c.routing.strategy,
      "session-affinity": c.routing.sessionAffinity,
      "session-affinity-ttl": formatDuration(c.routing.sessionAffinityTtlMs),
    },
    "force-model-prefix": c.forceModelPrefix,
    "passthrough-headers": c.passthroughHeaders,
    streaming: { "keepalive-seconds": c.streaming.keepaliveSeconds, "bootstrap-retries": c.streaming.bootstrapRetries },
    "nonstream-keepalive-interval": c.nonstreamKeepaliveInterval,
    "claude-header-defaults": { ...c.claudeHeaderDefaults },
    "codex-header-defaults": { ...c.codexHeaderDefaults },
    ...Object.fromEntries(apiKeyLists(kinds).map(({ list }) => [list.key, keyEntries(c, list).map(keyYaml)])),
    "openai-compatibility": c.openaiCompatibility.map(compatYaml),
    "oauth-model-alias": Object.fromEntries(
      Object.entries(c.oauthModelAlias).map(([k, list]) => [k, list.map((a) => ({ ...a }))]),
    ),
    "oauth-excluded-models": Object.fromEntries(
      Object.entries(c.oauthExcludedModels).map(([k, list]) => [k, [...list]]),
    ),
    ampcode: ampJson(c.ampcode),
    "body-limit-mb": Math.round(c.bodyLimitBytes / 1024 / 1024),
    "shutdown-timeout": formatDuration(c.shutdownTimeoutMs),
    "upstream-connect-timeout": formatDuration(c.upstreamConnectTimeoutMs),
    "upstream-response-timeout": formatDuration(c.upstreamResponseTimeoutMs),
    "upstream-idle-timeout": formatDuration(c.upstreamIdleTimeoutMs),
    "api-key-lockout-failures": c.apiKeyLockoutFailures,
    "api-key-lockout-duration": formatDuration(c.apiKeyLockoutMs),
    "enable-gemini-cli-endpoint": c.enableGeminiCliEndpoint,
    "commercial-mode": c.commercialMode,
    "redis-usage-queue-retention-seconds": c.redisUsageQueueRetentionSeconds,
    "auth-auto-refresh-workers": c.authAutoRefreshWorkers,
    workers: c.workers,
    "disable-image-generation": c.disableImageGeneration,
    "gpt-image-2-base-model": c.gptImage2BaseModel,
    "antigravity-signature-cache-enabled": c.antigravitySignatureCacheEnabled,
    "antigravity-signature-bypass-strict": c.antigravitySignatureBypassStrict,
    "oauth-endpoints": c.oauthEndpoints,
  };
  if (c.payload !== undefined) out.payload = c.payload;
  return out;
}
