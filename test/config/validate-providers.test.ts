import { test } from "node:test";
import assert from "node:assert/strict";

import { load, problems } from "../support/config.js";

test("parseConfig() reports list entries of the wrong shape in every list", () => {
  assert.deepEqual(
    problems(`
gemini-api-key: [plain]
claude-api-key: [{ api-key: k, models: [m] }]
openai-compatibility: [x, { base-url: "http://u", api-key-entries: [k] }]
oauth-model-alias: { claude: [x] }
payload: { default: [x] }
ampcode: { upstream-api-keys: [x], model-mappings: [x] }
`),
    [
      "gemini-api-key[0] at line 2, column 18: expected a mapping with api-key",
      "claude-api-key[0].models[0] at line 3, column 41: expected a mapping with name and alias",
      "openai-compatibility[0] at line 4, column 24: expected a mapping with name and base-url",
      "openai-compatibility[1].api-key-entries[0] at line 4, column 69: expected a mapping with api-key",
      "oauth-model-alias.claude[0] at line 5, column 31: expected a mapping with name and alias",
      "payload.default[0] at line 6, column 22: expected a mapping with models and params",
      "ampcode.upstream-api-keys[0] at line 7, column 32: expected a mapping with upstream-api-key and api-keys",
      "ampcode.model-mappings[0] at line 7, column 53: expected a mapping with from and to",
    ],
  );
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
  assert.deepEqual(config.geminiApiKey, [
    {
      apiKey: "g1",
      baseUrl: "https://g.example",
      prefix: "team",
      priority: 2,
      proxyUrl: "direct",
      headers: { "X-A": "1" },
      models: [{ name: "gemini-2.5-flash", alias: "flash" }],
      excludedModels: ["*-preview", "gemini-2.5-pro"],
      disableCooling: true,
    },
  ]);
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
  assert.deepEqual(
    config.codexApiKey.map((k) => k.apiKey),
    ["sk-2"],
  );
  assert.deepEqual(
    config.geminiApiKey.map((k) => [k.apiKey, k.prefix]),
    [
      ["same", ""],
      ["k", ""],
    ],
  );
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
  assert.deepEqual(c.apiKeyEntries, [
    { apiKey: "k0", proxyUrl: "http://p:1" },
    { apiKey: "k1", proxyUrl: "" },
  ]);
  assert.deepEqual(c.models, [
    { name: "a", alias: "pool" },
    {
      name: "b",
      alias: "pool",
      image: true,
      thinking: { min: 0, max: 10, zeroAllowed: true, dynamicAllowed: false, levels: ["low", "high"] },
    },
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
  assert.deepEqual(
    config.geminiApiKey.map((k) => k.apiKey),
    ["AIza1"],
  );
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
  // `{ name: x, alias: x }` is kept: it adds model x when the catalogue lacks it (providers/oauth-pool.ts aliasedModels).
  assert.deepEqual(config.oauthModelAlias, {
    claude: [
      { name: "claude-sonnet-4-5", alias: "sonnet", fork: true },
      { name: "x", alias: "x", fork: false },
    ],
  });
  assert.deepEqual(config.oauthExcludedModels, { "gemini-cli": ["gemini-2.5-*"] });
  assert.equal(warnings.length, 1);
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
  assert.deepEqual(warnings, [
    "payload.default-raw[0] at line 7, column 7: a raw rule's values must be JSON text: rule dropped",
  ]);
});

test("parseConfig() refuses base-url and proxy-url values that cannot work, naming the key", () => {
  assert.deepEqual(
    problems(`
claude-api-key: [{ api-key: k1, base-url: "ftp://files.example" }]
codex-api-key: [{ api-key: k2, base-url: "not a url", proxy-url: "javascript:alert(1)" }]
openai-compatibility: [{ name: x, base-url: "file:///etc/passwd", api-key-entries: [{ api-key: k3, proxy-url: "socks4://p:1" }] }]
proxy-url: "gopher://p"
`),
    [
      'claude-api-key[0].base-url at line 2, column 43: expected an http:// or https:// URL with a host, got "ftp://files.example"',
      'codex-api-key[0].base-url at line 3, column 42: expected an http:// or https:// URL with a host, got "not a url"',
      'codex-api-key[0].proxy-url at line 3, column 66: expected an http://, https://, socks5:// or socks5h:// proxy URL, or direct or none, got "javascript:alert(1)"',
      'openai-compatibility[0].base-url at line 4, column 45: expected an http:// or https:// URL with a host, got "file:///etc/passwd"',
      'openai-compatibility[0].api-key-entries[0].proxy-url at line 4, column 111: expected an http://, https://, socks5:// or socks5h:// proxy URL, or direct or none, got "socks4://p:1"',
      'proxy-url at line 5, column 12: expected an http://, https://, socks5:// or socks5h:// proxy URL, or direct or none, got "gopher://p"',
    ],
  );
});

test("parseConfig() reads openai-compatibility support-prompt-cache-key (HEAD's name, default off)", () => {
  const { config } = load(`
openai-compatibility:
  - name: a
    base-url: "http://a"
    support-prompt-cache-key: true
  - name: b
    base-url: "http://b"
`);
  assert.equal(config.openaiCompatibility[0].supportPromptCacheKey, true);
  assert.equal(config.openaiCompatibility[1].supportPromptCacheKey, false);
});
