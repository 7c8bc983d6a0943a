import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, embeddedConfig, expandHome, loadConfigFile, parseConfig, type LoadResult } from "../../src/config/load.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { parseDuration } from "../../src/config/reader.js";

const HOME = "/home/tester";
const load = (text: string): LoadResult => parseConfig(text, { path: "config.yaml", homeDir: HOME, env: {} });
const problems = (text: string): readonly string[] => {
  try {
    load(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
};

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
  assert.deepEqual([config.remoteManagement.allowRemote, config.remoteManagement.secretKey, config.remoteManagement.disableControlPanel], [true, "s3cret", true]);
  assert.equal(config.authDir, join(HOME, "tokens"));
  assert.deepEqual(
    [config.debug, config.loggingToFile, config.logsMaxTotalSizeMb, config.errorLogsMaxFiles, config.requestLog, config.commercialMode, config.usageStatisticsEnabled, config.redisUsageQueueRetentionSeconds],
    [true, true, 5, 3, true, true, true, 120],
  );
  assert.equal(config.proxyUrl, "socks5://user:pw@127.0.0.1:1080");
  assert.deepEqual([config.requestRetry, config.maxRetryCredentials, config.maxRetryInterval, config.disableCooling], [2, 4, 30, true]);
  assert.deepEqual(config.quotaExceeded, { switchProject: true, switchPreviewModel: true, antigravityCredits: true });
  assert.deepEqual(config.routing, { strategy: "fill-first", sessionAffinity: true, sessionAffinityTtlMs: 9_000_000 });
  assert.deepEqual([config.forceModelPrefix, config.passthroughHeaders, config.nonstreamKeepaliveInterval, config.authAutoRefreshWorkers], [true, true, 5, 4]);
  assert.deepEqual(config.streaming, { keepaliveSeconds: 15, bootstrapRetries: 1 });
  assert.deepEqual(config.claudeHeaderDefaults, { "user-agent": "ua", timeout: "600" });
  assert.deepEqual(config.codexHeaderDefaults, { "user-agent": "cx", "beta-features": "multi_agent" });
  assert.equal(config.disableImageGeneration, "chat");
  assert.equal(config.gptImage2BaseModel, "gpt-5");
  assert.deepEqual([config.antigravitySignatureCacheEnabled, config.antigravitySignatureBypassStrict], [false, true]);
  assert.equal(config.bodyLimitBytes, 8 * 1024 * 1024);
  assert.equal(config.shutdownTimeoutMs, 200);
  assert.equal(config.upstreamConnectTimeoutMs, 10_000);
  assert.deepEqual(config.oauthEndpoints, { claude: { "token-url": "http://127.0.0.1:9/token" }, antigravity: { "api-base-urls": ["http://127.0.0.1:9/a"] } });
});

test("parseConfig() names key path, line and column of a wrong type", () => {
  const text = ["port: 8317", "api-keys:", "  - a", "  - b", "  - {nested: map}"].join("\n");
  assert.throws(() => load(text), { name: "ConfigError", message: 'Cannot read config "config.yaml": api-keys[2] at line 5, column 5: expected a string' });
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

test("parseConfig() reports list entries of the wrong shape in every list", () => {
  assert.deepEqual(problems(`
gemini-api-key: [plain]
claude-api-key: [{ api-key: k, models: [m] }]
openai-compatibility: [x, { base-url: "http://u", api-key-entries: [k] }]
oauth-model-alias: { claude: [x] }
payload: { default: [x] }
ampcode: { upstream-api-keys: [x], model-mappings: [x] }
`), [
    "gemini-api-key[0] at line 2, column 18: expected a mapping with api-key",
    "claude-api-key[0].models[0] at line 3, column 41: expected a mapping with name and alias",
    "openai-compatibility[0] at line 4, column 24: expected a mapping with name and base-url",
    "openai-compatibility[1].api-key-entries[0] at line 4, column 69: expected a mapping with api-key",
    "oauth-model-alias.claude[0] at line 5, column 31: expected a mapping with name and alias",
    "payload.default[0] at line 6, column 22: expected a mapping with models and params",
    "ampcode.upstream-api-keys[0] at line 7, column 32: expected a mapping with upstream-api-key and api-keys",
    "ampcode.model-mappings[0] at line 7, column 53: expected a mapping with from and to",
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
  assert.deepEqual(problems("tls: { enable: true, cert: /c.pem }"), ["tls at line 1, column 6: tls.cert or tls.key is empty while tls.enable is true"]);
});

test("parseConfig() accepts proxy-url schemes http, https, socks5, socks5h, direct and none and rejects others naming the key", () => {
  for (const v of ["http://p:3128", "https://p", "socks5://p:1080", "socks5h://u:p@p:1080", "direct", "none", ""]) {
    assert.equal(load(`proxy-url: "${v}"`).config.proxyUrl, v);
  }
  assert.deepEqual(problems("proxy-url: ftp://p"), ["proxy-url at line 1, column 12: expected an http://, https://, socks5:// or socks5h:// proxy URL, or direct or none"]);
  assert.equal(problems("gemini-api-key: [{api-key: k, proxy-url: 'p:1'}]")[0].split(":")[0], "gemini-api-key[0].proxy-url at line 1, column 42");
  assert.equal(problems("openai-compatibility: [{name: x, base-url: http://x, api-key-entries: [{api-key: k, proxy-url: bad}]}]").length, 1);
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
    [config.logsMaxTotalSizeMb, config.errorLogsMaxFiles, config.redisUsageQueueRetentionSeconds, config.requestRetry, config.maxRetryCredentials, config.maxRetryInterval, config.authAutoRefreshWorkers],
    [0, 10, 3600, 0, 0, 0, 16],
  );
  assert.equal(config.streaming.keepaliveSeconds, 0);
  assert.deepEqual(config.routing, { strategy: "round-robin", sessionAffinity: false, sessionAffinityTtlMs: 3_600_000 });
  assert.equal(warnings.length, 9);
  assert.ok(warnings.includes('routing.strategy at line 10, column 22: unknown strategy "weighted-round-robin": using round-robin'));
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

test("parseConfig() reads provider key entries with every common field", () => {
  const { config, warnings } = load(`
gemini-api-key:
  - api-key: g1
    prefix: "/team/"
    priority: 2
    base-url: https://g.example
    proxy-url: direct
    headers: { X-A: "1", X-Empty: "" }
    models: [{ name: gemini-2.5-flash, alias: flash }, { name: other, alias: flash }]
    excluded-models: ["*-Preview", "*-preview", gemini-2.5-pro]
    disable-cooling: true
claude-api-key:
  - api-key: c1
    cloak: { mode: always }
codex-api-key:
  - api-key: x1
    base-url: https://api.openai.com/v1
    websockets: true
vertex-api-key:
  - api-key: v1
    models: [{ name: gemini-2.5-pro, alias: vp }, { name: no-alias }]
`);
  assert.deepEqual(config.geminiApiKey, [{
    apiKey: "g1", baseUrl: "https://g.example", prefix: "team", priority: 2, proxyUrl: "direct", headers: { "X-A": "1" },
    models: [{ name: "gemini-2.5-flash", alias: "flash" }], excludedModels: ["*-preview", "gemini-2.5-pro"], disableCooling: true,
  }]);
  assert.equal(config.claudeApiKey[0].apiKey, "c1");
  assert.equal(config.codexApiKey[0].websockets, true);
  assert.deepEqual(config.vertexApiKey[0].models, [{ name: "gemini-2.5-pro", alias: "vp" }]);
  assert.deepEqual(warnings, [
    "gemini-api-key[0].headers.X-Empty at line 8, column 35: empty header name or value dropped",
    'gemini-api-key[0].models[1] at line 9, column 56: alias "flash" already used: entry dropped',
    "claude-api-key[0].cloak at line 14, column 5: cloaking is not done by cliproxy: requests go out as the client wrote them (ignored)",
    "vertex-api-key[0].models[1] at line 21, column 51: model without name or alias dropped",
  ]);
});

test("parseConfig() drops codex-api-key entries without base-url, entries without api-key and duplicate gemini keys, naming the index", () => {
  const { config, warnings } = load(`
codex-api-key:
  - api-key: sk-1
  - api-key: sk-2
    base-url: https://x/v1
gemini-api-key:
  - api-key: ""
  - api-key: same
  - api-key: same
  - prefix: "a/b"
    api-key: k
`);
  assert.deepEqual(config.codexApiKey.map((k) => k.apiKey), ["sk-2"]);
  assert.deepEqual(config.geminiApiKey.map((k) => [k.apiKey, k.prefix]), [["same", ""], ["k", ""]]);
  assert.deepEqual(warnings, [
    "codex-api-key[0] at line 3, column 5: entry without base-url dropped (the default Codex endpoint takes only OAuth tokens)",
    "gemini-api-key[0] at line 7, column 5: entry without api-key dropped",
    "gemini-api-key[2] at line 9, column 5: duplicate api-key and base-url dropped",
    'gemini-api-key[3].prefix at line 10, column 13: a prefix may not contain "/" (discarded)',
  ]);
});

test("parseConfig() reads openai-compatibility entries, converting legacy api-keys with a warning", () => {
  const { config, warnings } = load(`
openai-compatibility:
  - name: OpenRouter
    base-url: https://openrouter.ai/api/v1
    disabled: true
    api-keys: [k1]
    api-key-entries: [{ api-key: k0, proxy-url: "http://p:1" }]
    models:
      - { name: a, alias: pool }
      - { name: b, alias: pool, image: true, thinking: { min: 0, max: 10, zero-allowed: true, dynamic-allowed: false, levels: [LOW, high] } }
  - name: nobase
`);
  assert.equal(config.openaiCompatibility.length, 1);
  const c = config.openaiCompatibility[0];
  assert.deepEqual(c.apiKeyEntries, [{ apiKey: "k0", proxyUrl: "http://p:1" }, { apiKey: "k1", proxyUrl: "" }]);
  assert.deepEqual(c.models, [
    { name: "a", alias: "pool" },
    { name: "b", alias: "pool", image: true, thinking: { min: 0, max: 10, zeroAllowed: true, dynamicAllowed: false, levels: ["low", "high"] } },
  ]);
  assert.deepEqual([c.name, c.disabled], ["OpenRouter", true]);
  assert.deepEqual(warnings, [
    "openai-compatibility[0].api-keys at line 6, column 5: deprecated: write these keys as api-key-entries (- api-key: …)",
    "openai-compatibility[1] at line 11, column 5: entry without base-url dropped",
  ]);
});

test("parseConfig() converts legacy generative-language-api-key and auth.providers keys with deprecation warnings", () => {
  const { config, warnings } = load(`
api-keys: [a]
generative-language-api-key: [AIza1]
auth: { providers: [{ name: p, type: config-api-key, api-keys: [a, b] }] }
`);
  assert.deepEqual(config.geminiApiKey.map((k) => k.apiKey), ["AIza1"]);
  assert.deepEqual(config.apiKeys, ["a", "b"]);
  assert.equal(warnings.length, 2);
  assert.match(warnings.join("\n"), /generative-language-api-key at line 3.*deprecated/);
  assert.match(warnings.join("\n"), /auth at line 4.*deprecated/);
});

test("parseConfig() reads oauth-model-alias and oauth-excluded-models, lower-casing channels and dropping bad entries", () => {
  const { config, warnings } = load(`
oauth-model-alias:
  Claude:
    - { name: claude-sonnet-4-5, alias: sonnet, fork: true }
    - { name: x, alias: x }
    - { name: y, alias: Sonnet }
oauth-excluded-models:
  Gemini-CLI: ["Gemini-2.5-*"]
  codex: []
`);
  assert.deepEqual(config.oauthModelAlias, { claude: [{ name: "claude-sonnet-4-5", alias: "sonnet", fork: true }] });
  assert.deepEqual(config.oauthExcludedModels, { "gemini-cli": ["gemini-2.5-*"] });
  assert.equal(warnings.length, 2);
});

test("parseConfig() keeps payload rules and drops raw rules whose values are not JSON text", () => {
  const { config, warnings } = load(`
payload:
  default:
    - models: [{ name: "gemini-*", protocol: gemini }]
      params: { "generationConfig.thinkingConfig.thinkingBudget": 8192 }
  default-raw:
    - models: [{ name: "*" }]
      params: { "a": "{not json" }
    - models: [{ name: "*" }]
      params: { "b": '{"ok":true}' }
  filter:
    - models: [{ name: "*" }]
      params: [a.b]
`);
  const p = config.payload as Record<string, unknown[]>;
  assert.equal(p.default.length, 1);
  assert.deepEqual(p["default-raw"], [{ models: [{ name: "*" }], params: { b: '{"ok":true}' } }]);
  assert.equal(p.filter.length, 1);
  assert.deepEqual(warnings, ["payload.default-raw[0] at line 7, column 7: a raw rule's values must be JSON text: rule dropped"]);
});

test("parseConfig() reads the ampcode block (CFG-1..CFG-11)", () => {
  const { config, warnings } = load(`
ampcode:
  upstream-url: " https://amp.example "
  upstream-api-key: amp-key
  upstream-api-keys:
    - { upstream-api-key: team-a, api-keys: [c1, " ", c2] }
    - { upstream-api-key: "", api-keys: [c3] }
  restrict-management-to-localhost: true
  force-model-mappings: true
  model-fallback: deny
  upstream-timeout: 90s
  model-mappings:
    - { from: claude-opus-4-5, to: claude-sonnet-4-5 }
    - { from: "^gpt-5(\\\\.\\\\d+)?$", to: gemini-2.5-pro, regex: true }
    - { from: "(?P<n>x)", to: y, regex: true }
    - { from: "", to: y }
`);
  assert.deepEqual(config.ampcode, {
    upstreamUrl: "https://amp.example",
    upstreamApiKey: "amp-key",
    upstreamApiKeys: [{ upstreamApiKey: "team-a", apiKeys: ["c1", "c2"] }],
    restrictManagementToLocalhost: true,
    forceModelMappings: true,
    modelFallback: "deny",
    upstreamTimeoutMs: 90_000,
    modelMappings: [{ from: "claude-opus-4-5", to: "claude-sonnet-4-5", regex: false }, { from: "^gpt-5(\\.\\d+)?$", to: "gemini-2.5-pro", regex: true }],
  });
  assert.equal(warnings.length, 4);
  assert.match(warnings[2], /^ampcode\.model-mappings\[2\]\.from at line 15, column 15: invalid regular expression skipped/);
});

test("CFG-1 an explicit empty ampcode.upstream-url disables the upstream; an invalid one warns naming the key (CFG-9)", () => {
  assert.equal(load('ampcode: { upstream-url: "" }').config.ampcode.upstreamUrl, "");
  assert.equal(load("ampcode:\n  upstream-url:\n").config.ampcode.upstreamUrl, "");
  const { config, warnings } = load("ampcode: { upstream-url: ampcode.com }");
  assert.equal(config.ampcode.upstreamUrl, "ampcode.com");
  assert.deepEqual(warnings, ["ampcode.upstream-url at line 1, column 26: expected an http:// or https:// URL with a host: the Amp upstream stays disabled"]);
});

test("CFG-6 prioritize-model-mappings is read as force-model-mappings when that is absent, with a deprecation warning", () => {
  const old = load("ampcode: { prioritize-model-mappings: true }");
  assert.equal(old.config.ampcode.forceModelMappings, true);
  assert.deepEqual(old.warnings, ["ampcode.prioritize-model-mappings at line 1, column 39: deprecated: renamed force-model-mappings"]);
  assert.equal(load("ampcode: { prioritize-model-mappings: true, force-model-mappings: false }").config.ampcode.forceModelMappings, false);
});

test("CFG-10 legacy amp-* keys apply only where the ampcode block leaves a value empty, with one deprecation warning", () => {
  const legacy = `
amp-upstream-url: https://legacy.example
amp-upstream-api-key: legacy-key
amp-restrict-management-to-localhost: true
amp-model-mappings: [{ from: a, to: b }]
`;
  const only = load(legacy);
  assert.deepEqual(
    [only.config.ampcode.upstreamUrl, only.config.ampcode.upstreamApiKey, only.config.ampcode.restrictManagementToLocalhost, only.config.ampcode.modelMappings],
    ["https://legacy.example", "legacy-key", true, [{ from: "a", to: "b", regex: false }]],
  );
  assert.equal(only.warnings.length, 1);
  assert.match(only.warnings[0], /^amp-upstream-url at line 2.*deprecated: move amp-upstream-url, amp-upstream-api-key, amp-restrict-management-to-localhost, amp-model-mappings into the ampcode block/);
  const both = load(legacy + "ampcode: { upstream-url: https://new.example, restrict-management-to-localhost: false, model-mappings: [{ from: c, to: d }] }");
  assert.deepEqual(
    [both.config.ampcode.upstreamUrl, both.config.ampcode.upstreamApiKey, both.config.ampcode.restrictManagementToLocalhost, both.config.ampcode.modelMappings.map((m) => m.from)],
    ["https://new.example", "legacy-key", false, ["c"]],
  );
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
  assert.equal(parseConfig("auth-dir: tokens", { homeDir: HOME, env: {}, cwd: "/srv" }).config.authDir, "/srv/tokens");
  assert.equal(load('auth-dir: ""').config.authDir, join(HOME, ".cli-proxy-api"));
});

test("parseConfig() reports a document that is not a mapping", () => {
  assert.deepEqual(problems("- a\n- b\n"), ["(top level) at line 1, column 1: expected a mapping"]);
});

test("loadConfigFile() reads a file and names it in errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-load-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, "port: 1234\n");
  assert.equal((await loadConfigFile(file, { homeDir: HOME, env: {} })).config.port, 1234);
  await assert.rejects(loadConfigFile(join(dir, "missing.yaml"), { homeDir: HOME, env: {} }), (err: ConfigError) => {
    assert.equal(err.message, `Cannot read config "${join(dir, "missing.yaml")}": cannot read the file: ENOENT`);
    return true;
  });
});

test("embeddedConfig() takes one provider key each from ANTHROPIC_API_KEY, OPENAI_API_KEY and GEMINI_API_KEY", () => {
  const { config } = embeddedConfig({ homeDir: HOME, env: { ANTHROPIC_API_KEY: "sk-ant", OPENAI_API_KEY: " sk-oa ", GEMINI_API_KEY: "" } });
  assert.deepEqual(config.claudeApiKey.map((k) => k.apiKey), ["sk-ant"]);
  assert.deepEqual(config.codexApiKey.map((k) => [k.apiKey, k.baseUrl]), [["sk-oa", "https://api.openai.com/v1"]]);
  assert.deepEqual(config.geminiApiKey, []);
  assert.equal(config.authDir, join(HOME, ".cli-proxy-api"));
  assert.equal(config.host, "127.0.0.1");
});
