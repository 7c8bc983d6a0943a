/**
 * config.yaml → Config: every top-level key of config.md §2 and §9, its default, its normalisation
 * (trim, drop, clamp; each with a warning) and its type problems. Provider lists live in
 * validate-providers.ts, the `ampcode` block in validate-amp.ts.
 */
import { resolve } from "node:path";
import { DEFAULT_CONFIG, type Config } from "./schema.js";
import { parseDuration, readProxyUrl, Reader, type KeyPath } from "./reader.js";
import { readProviders } from "./validate-providers.js";
import { readAmp } from "./validate-amp.js";
import { readWorkers } from "./workers.js";
import type { KindTable } from "./kinds.js";

/** What parsing needs besides the text. */
export interface ReadOptions {
  readonly homeDir: string;
  /** The provider kinds whose config lists are read (the App's table: PROVIDER_KINDS plus any added). */
  readonly kinds: KindTable;
  readonly cwd?: string;
}

/** Expands a leading ~ to the home directory. */
export function expandHome(p: string, homeDir: string): string {
  if (p === "~") return homeDir;
  return p.startsWith("~/") || p.startsWith("~\\") ? resolve(homeDir, p.slice(2)) : p;
}

/** Keys accepted for compatibility and deliberately not implemented: parsed, stored nowhere, no warning. */
const SILENT_KEYS: readonly KeyPath[] = [
  ["pprof"],
  ["plugins"],
  ["codex", "identity-confuse"],
  ["claude-header-defaults", "stabilize-device-profile"],
];

/** Keys added upstream after the reference (config.md §10): accepted with an "ignored" warning. */
const LATER_UPSTREAM_KEYS: readonly KeyPath[] = [
  ["transient-error-cooldown-seconds"],
  ["save-cooldown-status"],
  ["claude-code"],
  ["antigravity"],
  ["xai"],
  ["interactions-api-key"],
  ["disable-claude-cloak-mode"],
  ["video-result-auth-cache-ttl"],
];

/** Reads the whole document into a Config; problems and warnings accumulate on `r`. */
export function readConfig(r: Reader, options: ReadOptions): Config {
  const d = DEFAULT_CONFIG;
  r.keys([]); // a document that is not a mapping is reported here
  const host = r.has(["host"]) ? r.str(["host"]) : d.host;
  const port = r.int(["port"], d.port);
  if (port < 1 || port > 65535) r.problem(["port"], `expected a port from 1 to 65535, got ${port}`);
  const tls = { enable: r.bool(["tls", "enable"]), cert: r.str(["tls", "cert"]), key: r.str(["tls", "key"]) };
  r.keys(["tls"]);
  if (tls.enable && (!tls.cert || !tls.key))
    r.problem(["tls"], "tls.cert or tls.key is empty while tls.enable is true");

  const apiKeys = r.strings(["api-keys"], true);
  readLegacyAuthProviders(r, apiKeys);

  r.keys(["remote-management"]);
  const remoteManagement = {
    allowRemote: r.bool(["remote-management", "allow-remote"]),
    secretKey: r.str(["remote-management", "secret-key"]),
    disableControlPanel: r.bool(["remote-management", "disable-control-panel"]),
    disableAutoUpdatePanel: r.bool(["remote-management", "disable-auto-update-panel"]),
    panelGithubRepository: r.str(
      ["remote-management", "panel-github-repository"],
      d.remoteManagement.panelGithubRepository,
    ),
  };

  const authDirText = r.str(["auth-dir"]) || "~/.cli-proxy-api";
  const authDir = resolve(options.cwd ?? process.cwd(), expandHome(authDirText, options.homeDir));

  const nonNegative = (path: KeyPath, fallback: number, clampTo = 0) => {
    const v = r.int(path, fallback);
    if (v >= 0) return v;
    r.warn(path, `negative value replaced by ${clampTo}`);
    return clampTo;
  };
  const positiveOr = (path: KeyPath, fallback: number) => {
    const v = r.int(path, fallback);
    if (v > 0) return v;
    if (r.has(path)) r.warn(path, `values of 0 or less mean the default, ${fallback}`);
    return fallback;
  };

  let retention = positiveOr(["redis-usage-queue-retention-seconds"], d.redisUsageQueueRetentionSeconds);
  if (retention > 3600) {
    r.warn(["redis-usage-queue-retention-seconds"], "capped at 3600");
    retention = 3600;
  }

  r.keys(["quota-exceeded"]);
  r.keys(["routing"]);
  r.keys(["streaming"]);
  const strategyText = r.str(["routing", "strategy"], "round-robin").toLowerCase();
  const fillFirst = ["fill-first", "fillfirst", "ff"].includes(strategyText);
  if (!fillFirst && strategyText !== "round-robin" && strategyText !== "roundrobin" && strategyText !== "rr") {
    r.warn(["routing", "strategy"], `unknown strategy ${JSON.stringify(strategyText)}: using round-robin`);
  }
  const ttlText = r.str(["routing", "session-affinity-ttl"]);
  let sessionAffinityTtlMs = d.routing.sessionAffinityTtlMs;
  if (ttlText) {
    const ms = parseDuration(ttlText) ?? 0;
    if (ms > 0) sessionAffinityTtlMs = ms;
    else r.warn(["routing", "session-affinity-ttl"], 'expected a positive duration such as "1h": using 1h');
  }

  const claudeHeaderDefaults = readHeaderDefaults(
    r,
    ["claude-header-defaults"],
    ["user-agent", "package-version", "runtime-version", "os", "arch", "timeout"],
  );
  const codexHeaderDefaults = readHeaderDefaults(r, ["codex-header-defaults"], ["user-agent", "beta-features"]);

  for (const path of SILENT_KEYS) r.known(path);
  for (const k of r.keys(["codex"])) if (k !== "identity-confuse") r.ignored(["codex", k]);
  for (const path of LATER_UPSTREAM_KEYS) r.ignored(path);

  let baseModel = r.str(["gpt-image-2-base-model"]);
  if (baseModel && !/^gpt-/i.test(baseModel)) {
    r.warn(["gpt-image-2-base-model"], `must start with "gpt-": using ${d.gptImage2BaseModel}`);
    baseModel = "";
  }

  const bodyLimitMb = r.int(["body-limit-mb"], d.bodyLimitBytes / 1024 / 1024);
  if (bodyLimitMb < 1) r.problem(["body-limit-mb"], `expected a size in MB of at least 1, got ${bodyLimitMb}`);

  const providers = readProviders(r, options.kinds);
  return {
    host,
    port,
    tls,
    apiKeys,
    remoteManagement,
    authDir,
    wsAuth: r.bool(["ws-auth"]),
    enableGeminiCliEndpoint: r.bool(["enable-gemini-cli-endpoint"]),
    debug: r.bool(["debug"]),
    loggingToFile: r.bool(["logging-to-file"]),
    logsMaxTotalSizeMb: nonNegative(["logs-max-total-size-mb"], 0),
    errorLogsMaxFiles: nonNegative(["error-logs-max-files"], d.errorLogsMaxFiles, d.errorLogsMaxFiles),
    requestLog: r.bool(["request-log"]),
    commercialMode: r.bool(["commercial-mode"]),
    usageStatisticsEnabled: r.bool(["usage-statistics-enabled"]),
    redisUsageQueueRetentionSeconds: retention,
    proxyUrl: readProxyUrl(r, ["proxy-url"]),
    requestRetry: nonNegative(["request-retry"], 0),
    maxRetryCredentials: nonNegative(["max-retry-credentials"], 0),
    maxRetryInterval: nonNegative(["max-retry-interval"], 0),
    disableCooling: r.bool(["disable-cooling"]),
    claudeAutoCacheControl: r.bool(["claude-auto-cache-control"], true),
    quotaExceeded: {
      switchProject: r.bool(["quota-exceeded", "switch-project"]),
      switchPreviewModel: r.bool(["quota-exceeded", "switch-preview-model"]),
      antigravityCredits: r.bool(["quota-exceeded", "antigravity-credits"]),
    },
    routing: {
      strategy: fillFirst ? "fill-first" : "round-robin",
      sessionAffinity: r.bool(["routing", "session-affinity"]),
      sessionAffinityTtlMs,
    },
    forceModelPrefix: r.bool(["force-model-prefix"]),
    passthroughHeaders: r.bool(["passthrough-headers"]),
    streaming: {
      keepaliveSeconds: Math.max(0, r.int(["streaming", "keepalive-seconds"])),
      bootstrapRetries: Math.max(0, r.int(["streaming", "bootstrap-retries"])),
    },
    nonstreamKeepaliveInterval: Math.max(0, r.int(["nonstream-keepalive-interval"])),
    authAutoRefreshWorkers: positiveOr(["auth-auto-refresh-workers"], d.authAutoRefreshWorkers),
    workers: readWorkers(r),
    claudeHeaderDefaults,
    codexHeaderDefaults,
    disableImageGeneration: readImageGeneration(r),
    gptImage2BaseModel: baseModel || d.gptImage2BaseModel,
    antigravitySignatureCacheEnabled: r.bool(["antigravity-signature-cache-enabled"], true),
    antigravitySignatureBypassStrict: r.bool(["antigravity-signature-bypass-strict"]),
    ...providers,
    ampcode: readAmp(r),
    bodyLimitBytes: Math.max(1, bodyLimitMb) * 1024 * 1024,
    shutdownTimeoutMs: r.duration(["shutdown-timeout"], d.shutdownTimeoutMs),
    upstreamConnectTimeoutMs: r.duration(["upstream-connect-timeout"], d.upstreamConnectTimeoutMs),
    upstreamResponseTimeoutMs: r.duration(["upstream-response-timeout"], d.upstreamResponseTimeoutMs),
    upstreamIdleTimeoutMs: r.duration(["upstream-idle-timeout"], d.upstreamIdleTimeoutMs),
    apiKeyLockoutFailures: nonNegative(["api-key-lockout-failures"], d.apiKeyLockoutFailures),
    apiKeyLockoutMs: r.duration(["api-key-lockout-duration"], d.apiKeyLockoutMs),
    oauthEndpoints: readOauthEndpoints(r),
  };
}

function readHeaderDefaults(r: Reader, path: KeyPath, fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  r.keys(path);
  for (const f of fields) {
    const v = r.str([...path, f]);
    if (v) out[f] = v;
  }
  return out;
}

function readImageGeneration(r: Reader): Config["disableImageGeneration"] {
  const path = ["disable-image-generation"];
  const v = r.raw(path);
  if (v === undefined || v === null || typeof v === "boolean") return v === true;
  if (v === "chat" || v === "passthrough") return v;
  r.problem(path, 'expected false, true, "chat" or "passthrough"');
  return false;
}

/** Legacy `auth.providers[].api-keys` (type config-api-key) merge into `api-keys` (config.md §3). */
function readLegacyAuthProviders(r: Reader, apiKeys: string[]): void {
  r.keys(["auth"]);
  const n = r.list(["auth", "providers"]);
  if (n === 0) return;
  for (let i = 0; i < n; i++) {
    r.keys(["auth", "providers", i]);
    r.str(["auth", "providers", i, "name"]);
    r.str(["auth", "providers", i, "type"]);
    for (const k of r.strings(["auth", "providers", i, "api-keys"])) if (!apiKeys.includes(k)) apiKeys.push(k);
  }
  r.warn(["auth"], "deprecated: move auth.providers[].api-keys to the top-level api-keys list");
}

const OAUTH_ENDPOINT_FIELDS: Record<string, readonly string[]> = {
  claude: ["authorize-url", "token-url", "redirect-uri", "api-base-url"],
  codex: [
    "authorize-url",
    "token-url",
    "redirect-uri",
    "device-usercode-url",
    "device-token-url",
    "device-verification-url",
    "device-redirect-uri",
    "api-base-url",
  ],
  gemini: [
    "authorize-url",
    "token-url",
    "redirect-uri",
    "userinfo-url",
    "code-assist-base-url",
    "resource-manager-url",
    "service-usage-url",
  ],
  antigravity: [
    "authorize-url",
    "token-url",
    "redirect-uri",
    "userinfo-url",
    "code-assist-base-url",
    "onboard-base-url",
    "api-base-urls",
  ],
};

/** `oauth-endpoints` (oauth.md §9): overrides of OAuth URLs, for tests and mirrors. */
function readOauthEndpoints(r: Reader): Config["oauthEndpoints"] {
  const out: Record<string, Record<string, string | string[]>> = {};
  for (const provider of r.keys(["oauth-endpoints"])) {
    const fields = OAUTH_ENDPOINT_FIELDS[provider];
    if (!fields) continue; // left unread: reported as an unknown key
    const entry: Record<string, string | string[]> = {};
    r.keys(["oauth-endpoints", provider]);
    for (const f of fields) {
      const path = ["oauth-endpoints", provider, f];
      if (!r.has(path)) continue;
      const v = f === "api-base-urls" ? r.strings(path) : r.str(path);
      const urls = Array.isArray(v) ? v : [v];
      for (const u of urls)
        if (!/^https?:\/\/[^/\s]+/.test(u))
          r.problem(path, `expected an http:// or https:// URL, got ${JSON.stringify(u)}`);
      if (v.length) entry[f] = v;
    }
    out[provider] = entry;
  }
  return out;
}
