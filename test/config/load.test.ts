import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError,
  embeddedConfig,
  expandHome,
  loadConfigFile,
  parseConfig,
  type LoadResult,
} from "../../src/config/load.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { parseDuration } from "../../src/config/reader.js";

const HOME = "/home/tester";
import { load, problems } from "../support/config.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

test("parseConfig() fills every default from an empty file, binding 127.0.0.1 when host is absent", () => {
  const { config, warnings } = load("");
  assert.deepEqual(warnings, []);
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8317);
  assert.equal(config.authDir, join(HOME, ".cli-proxy-api"));
  assert.equal(config.ampcode.upstreamUrl, "https://ampcode.com");
  assert.equal(config.bodyLimitBytes, 32 * 1024 * 1024);
  assert.equal(config.shutdownTimeoutMs, 30_000);
  assert.equal(config.upstreamConnectTimeoutMs, 30_000);
  assert.equal(config.ampcode.upstreamTimeoutMs, 600_000);
  assert.deepEqual({ ...config, authDir: DEFAULT_CONFIG.authDir }, { ...DEFAULT_CONFIG });
});

test("parseConfig() keeps an explicit empty host (all interfaces)", () => {
  assert.equal(load('host: ""').config.host, "");
});

test("parseConfig() maps the server, logging and retry keys to the Config fields", () => {
  const { config, warnings } = load(`
host: " 0.0.0.0 "
port: 9000
tls: { enable: true, cert: /c.pem, key: /k.pem }
api-keys: [" a ", b]
ws-auth: true
enable-gemini-cli-endpoint: true
remote-management: { allow-remote: true, secret-key: s3cret, disable-control-panel: true }
auth-dir: ~/tokens
debug: true
logging-to-file: true
logs-max-total-size-mb: 5
error-logs-max-files: 3
request-log: true
commercial-mode: true
usage-statistics-enabled: true
redis-usage-queue-retention-seconds: 120
proxy-url: socks5://user:pw@127.0.0.1:1080
request-retry: 2
max-retry-credentials: 4
max-retry-interval: 30
disable-cooling: true
quota-exceeded: { switch-project: true, switch-preview-model: true, antigravity-credits: true }
routing: { strategy: ff, session-affinity: true, session-affinity-ttl: 2h30m }
force-model-prefix: true
passthrough-headers: true
streaming: { keepalive-seconds: 15, bootstrap-retries: 1 }
nonstream-keepalive-interval: 5
auth-auto-refresh-workers: 4
claude-header-defaults: { user-agent: ua, timeout: 600, stabilize-device-profile: true }
codex-header-defaults: { user-agent: cx, beta-features: multi_agent }
disable-image-generation: chat
gpt-image-2-base-model: gpt-5
antigravity-signature-cache-enabled: false
antigravity-signature-bypass-strict: true
body-limit-mb: 8
shutdown-timeout: 200ms
upstream-connect-timeout: 10s
oauth-endpoints:
  claude: { token-url: "http://127.0.0.1:9/token" }
  antigravity: { api-base-urls: ["http://127.0.0.1:9/a"] }
`);
  assert.deepEqual(warnings, []);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.port, 9000);
  assert.deepEqual(config.tls, { enable: true, cert: "/c.pem", key: "/k.pem" });
  assert.deepEqual(config.apiKeys, ["a", "b"]);
  assert.equal(config.wsAuth, true);
  assert.equal(config.enableGeminiCliEndpoint, true);
  assert.deepEqual(
    [
      config.remoteManagement.allowRemote,
      config.remoteManagement.secretKey,
      config.remoteManagement.disableControlPanel,
    ],
    [true, "s3cret", true],
  );
  assert.equal(config.authDir, join(HOME, "tokens"));
  assert.deepEqual(
    [
      config.debug,
      config.loggingToFile,
      config.logsMaxTotalSizeMb,
      config.errorLogsMaxFiles,
      config.requestLog,
      config.commercialMode,
      config.usageStatisticsEnabled,
      config.redisUsageQueueRetentionSeconds,
    ],
    [true, true, 5, 3, true, true, true, 120],
  );
  assert.equal(config.proxyUrl, "socks5://user:pw@127.0.0.1:1080");
  assert.deepEqual(
    [config.requestRetry, config.maxRetryCredentials, config.maxRetryInterval, config.disableCooling],
    [2, 4, 30, true],
  );
  assert.deepEqual(config.quotaExceeded, { switchProject: true, switchPreviewModel: true, antigravityCredits: true });
  assert.deepEqual(config.routing, { strategy: "fill-first", sessionAffinity: true, sessionAffinityTtlMs: 9_000_000 });
  assert.deepEqual(
    [
      config.forceModelPrefix,
      config.passthroughHeaders,
      config.nonstreamKeepaliveInterval,
      config.authAutoRefreshWorkers,
    ],
    [true, true, 5, 4],
  );
  assert.deepEqual(config.streaming, { keepaliveSeconds: 15, bootstrapRetries: 1 });
  assert.deepEqual(config.claudeHeaderDefaults, { "user-agent": "ua", timeout: "600" });
  assert.deepEqual(config.codexHeaderDefaults, { "user-agent": "cx", "beta-features": "multi_agent" });
  assert.equal(config.disableImageGeneration, "chat");
  assert.equal(config.gptImage2BaseModel, "gpt-5");
  assert.deepEqual([config.antigravitySignatureCacheEnabled, config.antigravitySignatureBypassStrict], [false, true]);
  assert.equal(config.bodyLimitBytes, 8 * 1024 * 1024);
  assert.equal(config.shutdownTimeoutMs, 200);
  assert.equal(config.upstreamConnectTimeoutMs, 10_000);
  assert.deepEqual(config.oauthEndpoints, {
    claude: { "token-url": "http://127.0.0.1:9/token" },
    antigravity: { "api-base-urls": ["http://127.0.0.1:9/a"] },
  });
});

test("parseConfig() names key path, line and column of a wrong type", () => {
  const text = ["port: 8317", "api-keys:", "  - a", "  - b", "  - {nested: map}"].join("\n");
  assert.throws(() => load(text), {
    name: "ConfigError",
    message: 'Cannot read config "config.yaml": api-keys[2] at line 5, column 5: expected a string',
  });
});

test("parseConfig() collects every problem instead of stopping at the first", () => {
  const found = problems(`
port: "abc"
debug: "yes"
request-retry: 1.5
tls: true
api-keys: key
routing: { session-affinity: 1 }
shutdown-timeout: soon
ampcode: { model-fallback: maybe, upstream-timeout: 10, restrict-management-to-localhost: "yes" }
disable-image-generation: sometimes
body-limit-mb: 0
`);
  assert.deepEqual(found, [
    "port at line 2, column 7: expected an integer",
    "debug at line 3, column 8: expected true or false",
    "request-retry at line 4, column 16: expected an integer",
    "tls at line 5, column 6: expected a mapping",
    "api-keys at line 6, column 11: expected a list",
    "routing.session-affinity at line 7, column 30: expected true or false",
    'shutdown-timeout at line 8, column 19: expected a duration such as "30s", "10m" or "2h30m", got "soon"',
    'ampcode.model-fallback at line 9, column 28: expected "upstream" or "deny", got "maybe"',
    'ampcode.upstream-timeout at line 9, column 53: expected a duration such as "30s", "10m" or "2h30m", got 10',
    "ampcode.restrict-management-to-localhost at line 9, column 91: expected true or false",
    'disable-image-generation at line 10, column 27: expected false, true, "chat" or "passthrough"',
    "body-limit-mb at line 11, column 16: expected a size in MB of at least 1, got 0",
  ]);
});

test("parseConfig() rejects ports outside 1-65535", () => {
  assert.deepEqual(problems("port: 0"), ["port at line 1, column 7: expected a port from 1 to 65535, got 0"]);
  assert.deepEqual(problems("port: 70000"), ["port at line 1, column 7: expected a port from 1 to 65535, got 70000"]);
});

test("parseConfig() turns YAML syntax errors into a ConfigError with line and column", () => {
  for (const text of ["a: 1\n\tb: 2\n", 'a: "unclosed\nb: 2\n', "a: 1\nb: 2\na: 3\n"]) {
    const [only] = problems(text);
    assert.match(only, /line \d+, column \d+/);
  }
});

test("parseConfig() rejects a TLS block enabled without certificate or key", () => {
  assert.deepEqual(problems("tls: { enable: true, cert: /c.pem }"), [
    "tls at line 1, column 6: tls.cert or tls.key is empty while tls.enable is true",
  ]);
});

test("parseConfig() accepts proxy-url schemes http, https, socks5, socks5h, direct and none and rejects others naming the key", () => {
  for (const v of ["http://p:3128", "https://p", "socks5://p:1080", "socks5h://u:p@p:1080", "direct", "none", ""]) {
    assert.equal(load(`proxy-url: "${v}"`).config.proxyUrl, v);
  }
  assert.deepEqual(problems("proxy-url: ftp://p"), [
    'proxy-url at line 1, column 12: expected an http://, https://, socks5:// or socks5h:// proxy URL, or direct or none, got "ftp://p"',
  ]);
  assert.equal(
    problems("gemini-api-key: [{api-key: k, proxy-url: 'p:1'}]")[0].split(":")[0],
    "gemini-api-key[0].proxy-url at line 1, column 42",
  );
  assert.equal(
    problems("openai-compatibility: [{name: x, base-url: http://x, api-key-entries: [{api-key: k, proxy-url: bad}]}]")
      .length,
    1,
  );
});

test("parseConfig() trims api-keys and drops empty and duplicate entries with a warning naming the index", () => {
  const { config, warnings } = load('api-keys: [" a ", "", a, b, null]');
  assert.deepEqual(config.apiKeys, ["a", "b"]);
  assert.deepEqual(warnings, [
    "api-keys[1] at line 1, column 19: empty entry dropped",
    "api-keys[2] at line 1, column 23: duplicate entry dropped",
    "api-keys[4] at line 1, column 29: empty entry dropped",
  ]);
});

test("parseConfig() clamps numbers as config.md says, with warnings", () => {
  const { config, warnings } = load(`
logs-max-total-size-mb: -1
error-logs-max-files: -1
redis-usage-queue-retention-seconds: 99999
request-retry: -2
max-retry-credentials: -1
max-retry-interval: -1
auth-auto-refresh-workers: 0
streaming: { keepalive-seconds: -5 }
routing: { strategy: weighted-round-robin, session-affinity-ttl: nonsense }
`);
  assert.deepEqual(
    [
      config.logsMaxTotalSizeMb,
      config.errorLogsMaxFiles,
      config.redisUsageQueueRetentionSeconds,
      config.requestRetry,
      config.maxRetryCredentials,
      config.maxRetryInterval,
      config.authAutoRefreshWorkers,
    ],
    [0, 10, 3600, 0, 0, 0, 16],
  );
  assert.equal(config.streaming.keepaliveSeconds, 0);
  assert.deepEqual(config.routing, {
    strategy: "round-robin",
    sessionAffinity: false,
    sessionAffinityTtlMs: 3_600_000,
  });
  assert.equal(warnings.length, 9);
  assert.ok(
    warnings.includes(
      'routing.strategy at line 10, column 22: unknown strategy "weighted-round-robin": using round-robin',
    ),
  );
});

test("parseConfig() warns once per unknown key path, at the key", () => {
  const { warnings } = load(`
mystery: 1
gemini-api-key:
  - { api-key: a, colour: red }
  - { api-key: b, colour: blue }
ampcode: { nope: true }
`);
  assert.deepEqual(warnings, [
    "mystery at line 2, column 1: unknown key (ignored)",
    "gemini-api-key[0].colour at line 4, column 19: unknown key (ignored)",
    "ampcode.nope at line 6, column 12: unknown key (ignored)",
  ]);
});

test("parseConfig() accepts later-upstream keys and oauth-endpoints as known, warning only that unsupported ones are ignored", () => {
  const { warnings } = load(`
save-cooldown-status: true
transient-error-cooldown-seconds: 5
claude-code: { disable-cloaking-model-list: true }
codex: { identity-confuse: true, live-media-relay: { enabled: false } }
pprof: { enable: false, addr: "127.0.0.1:8316" }
plugins: { enabled: false, configs: { x: { anything: 1 } } }
oauth-endpoints: { codex: { token-url: "http://127.0.0.1:1/t" } }
`);
  assert.deepEqual(warnings, [
    "save-cooldown-status at line 2, column 1: not supported by cliproxy (ignored)",
    "transient-error-cooldown-seconds at line 3, column 1: not supported by cliproxy (ignored)",
    "claude-code at line 4, column 1: not supported by cliproxy (ignored)",
    "codex.live-media-relay at line 5, column 34: not supported by cliproxy (ignored)",
  ]);
});

test("parseDuration() reads Go-style durations", () => {
  assert.equal(parseDuration("30m"), 1_800_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("2h30m"), 9_000_000);
  assert.equal(parseDuration("200ms"), 200);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("10"), undefined);
  assert.equal(parseDuration("h"), undefined);
});

test("expandHome() expands a leading ~ only", () => {
  assert.equal(expandHome("~", HOME), HOME);
  assert.equal(expandHome("~/x", HOME), join(HOME, "x"));
  assert.equal(expandHome("/abs/~/x", HOME), "/abs/~/x");
});

test("parseConfig() resolves a relative auth-dir against cwd and an empty one to the default", () => {
  assert.equal(
    parseConfig("auth-dir: tokens", { kinds: PROVIDER_KINDS, homeDir: HOME, env: {}, cwd: "/srv" }).config.authDir,
    "/srv/tokens",
  );
  assert.equal(load('auth-dir: ""').config.authDir, join(HOME, ".cli-proxy-api"));
});

test("parseConfig() reports a document that is not a mapping", () => {
  assert.deepEqual(problems("- a\n- b\n"), ["(top level) at line 1, column 1: expected a mapping"]);
});

test("loadConfigFile() reads a file and names it in errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-load-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, "port: 1234\n");
  assert.equal((await loadConfigFile(file, { kinds: PROVIDER_KINDS, homeDir: HOME, env: {} })).config.port, 1234);
  await assert.rejects(
    loadConfigFile(join(dir, "missing.yaml"), { kinds: PROVIDER_KINDS, homeDir: HOME, env: {} }),
    (err: ConfigError) => {
      assert.equal(err.message, `Cannot read config "${join(dir, "missing.yaml")}": cannot read the file: ENOENT`);
      return true;
    },
  );
});

test("embeddedConfig() takes one provider key each from ANTHROPIC_API_KEY, OPENAI_API_KEY and GEMINI_API_KEY", () => {
  const { config } = embeddedConfig({
    homeDir: HOME,
    env: { ANTHROPIC_API_KEY: "sk-ant", OPENAI_API_KEY: " sk-oa ", GEMINI_API_KEY: "" },
  });
  assert.deepEqual(
    config.claudeApiKey.map((k) => k.apiKey),
    ["sk-ant"],
  );
  assert.deepEqual(
    config.codexApiKey.map((k) => [k.apiKey, k.baseUrl]),
    [["sk-oa", "https://api.openai.com/v1"]],
  );
  assert.deepEqual(config.geminiApiKey, []);
  assert.equal(config.authDir, join(HOME, ".cli-proxy-api"));
  assert.equal(config.host, "127.0.0.1");
});
