import { test } from "node:test";
import assert from "node:assert/strict";
import { makeConfig, providerKey, type OpenAICompat } from "../../src/config/schema.js";
import {
  authIndex,
  buildCredential,
  credentialsFromConfig,
  matchesWildcard,
  normalisePrefix,
  stateKey,
} from "../../src/providers/credentials.js";
import { catalogFor } from "../../src/providers/catalog.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";
import { aliasedModels } from "../../src/providers/oauth-pool.js";

function compat(fields: Partial<OpenAICompat>): OpenAICompat {
  return {
    name: "OpenRouter",
    baseUrl: "http://127.0.0.1:9/v1/",
    apiKeyEntries: [],
    models: [],
    prefix: "",
    priority: 0,
    headers: {},
    disableCooling: false,
    ...fields,
  };
}

test("matchesWildcard() is case-insensitive with * as any run and exact without it", () => {
  assert.equal(matchesWildcard("*-preview", "Gemini-3-Pro-PREVIEW"), true);
  assert.equal(matchesWildcard("gemini-2.5-*", "gemini-2.5-flash"), true);
  assert.equal(matchesWildcard("*flash*", "gemini-2.5-flash-lite"), true);
  assert.equal(matchesWildcard("g*-*-pro", "gemini-2.5-pro"), true);
  assert.equal(matchesWildcard("g*-*-pro", "gemini-2.5-flash"), false);
  assert.equal(matchesWildcard("*", "anything"), true);
  assert.equal(matchesWildcard("gemini-2.5-pro", "gemini-2.5-pro-preview"), false);
  assert.equal(matchesWildcard("ab*ab", "ab"), false);
});

test("normalisePrefix() trims outer slashes and discards a prefix with an inner slash", () => {
  assert.equal(normalisePrefix("/team/"), "team");
  assert.equal(normalisePrefix("a/b"), "");
  assert.equal(normalisePrefix(""), "");
});

test("credentialsFromConfig() builds one credential per key in config order with provider defaults", () => {
  const { credentials } = credentialsFromConfig(
    makeConfig({
      claudeApiKey: [providerKey("sk-ant-111111111111"), providerKey("")],
      geminiApiKey: [providerKey("AIza-222222222222", { baseUrl: "http://127.0.0.1:9/" })],
      codexApiKey: [providerKey("sk-cdx-33333333333", { baseUrl: "http://127.0.0.1:9/codex" })],
      vertexApiKey: [providerKey("vx-44444444444444", { disableCooling: true })],
    }),
    PROVIDER_KINDS,
  );
  assert.deepEqual(
    credentials.map((c) => [c.id, c.provider, c.kind, c.baseUrl, c.disableCooling]),
    [
      ["claude-api-key[0]", "claude", "claude", "https://api.anthropic.com", false],
      ["gemini-api-key[0]", "gemini", "gemini", "http://127.0.0.1:9", false],
      ["codex-api-key[0]", "codex", "codex", "http://127.0.0.1:9/codex", false],
      ["vertex-api-key[0]", "vertex", "vertex", "https://aiplatform.googleapis.com", false],
    ],
  );
  assert.equal(credentials[0].label, "claude-api-key[0] (…1111)");
  assert.deepEqual(credentials[0].models.get("claude-sonnet-4-5"), ["claude-sonnet-4-5"]);
});

test("credentialsFromConfig() drops Codex keys without base-url with a warning and de-duplicates Gemini keys", () => {
  const { credentials, warnings } = credentialsFromConfig(
    makeConfig({
      codexApiKey: [providerKey("sk-cdx-33333333333")],
      geminiApiKey: [
        providerKey("AIza-222222222222"),
        providerKey("AIza-222222222222"),
        providerKey("AIza-222222222222", { baseUrl: "http://x" }),
      ],
      claudeApiKey: [providerKey("sk-ant-111111111111"), providerKey("sk-ant-111111111111")],
    }),
    PROVIDER_KINDS,
  );
  assert.deepEqual(
    credentials.map((c) => c.id),
    ["claude-api-key[0]", "claude-api-key[1]", "gemini-api-key[0]", "gemini-api-key[2]"],
  );
  assert.deepEqual(
    warnings.map((w) => w.message),
    ["Skipped codex-api-key[0]: base-url is required for API keys"],
  );
});

test("a credential's models list replaces the catalog: alias served, name sent upstream, first alias wins", () => {
  const [c] = credentialsFromConfig(
    makeConfig({
      claudeApiKey: [
        providerKey("sk-ant-111111111111", {
          models: [
            { name: "claude-sonnet-4-5-20250929", alias: "sonnet" },
            { name: "claude-opus-4-5", alias: "sonnet" },
            { name: "claude-haiku-4-5", alias: "" },
          ],
        }),
      ],
    }),
    PROVIDER_KINDS,
  ).credentials;
  assert.deepEqual(
    [...c.models],
    [
      ["sonnet", ["claude-sonnet-4-5-20250929"]],
      ["claude-haiku-4-5", ["claude-haiku-4-5"]],
    ],
  );
});

test("openai-compatibility entries serve only their models, a repeated alias is a pool, and no keys means one keyless credential", () => {
  const { credentials, warnings } = credentialsFromConfig(
    makeConfig({
      openaiCompatibility: [
        compat({
          models: [
            { name: "llama-3", alias: "fast" },
            { name: "qwen-3", alias: "fast" },
            { name: "llama-3", alias: "fast" },
            { name: "mistral", alias: "" },
          ],
        }),
        compat({
          name: "",
          baseUrl: "http://127.0.0.1:8",
          apiKeyEntries: [
            { apiKey: "k1-111111111111", proxyUrl: "direct" },
            { apiKey: "k2-222222222222", proxyUrl: "" },
          ],
        }),
        compat({ name: "broken", baseUrl: "" }),
      ],
    }),
    PROVIDER_KINDS,
  );
  assert.deepEqual(
    credentials.map((c) => [c.id, c.provider, c.apiKey, c.proxyUrl]),
    [
      ["openai-compatibility[openrouter][0]", "openrouter", "", ""],
      ["openai-compatibility[openai-compatibility][0]", "openai-compatibility", "k1-111111111111", "direct"],
      ["openai-compatibility[openai-compatibility][1]", "openai-compatibility", "k2-222222222222", ""],
    ],
  );
  assert.equal(credentials[0].baseUrl, "http://127.0.0.1:9/v1");
  assert.equal(credentials[0].label, "openai-compatibility[openrouter][0]");
  assert.deepEqual(
    [...credentials[0].models],
    [
      ["fast", ["llama-3", "qwen-3"]],
      ["mistral", ["mistral"]],
    ],
  );
  assert.equal(credentials[1].models.size, 0, "no models, nothing served");
  assert.deepEqual(
    warnings.map((w) => w.message),
    ['Skipped openai-compatibility[2] "broken": base-url is required'],
  );
});

test("excluded-models removes matching ids case-insensitively; prefix adds p/<id>; force-model-prefix keeps only p/<id>", () => {
  const key = providerKey("AIza-222222222222", { excludedModels: ["*-PREVIEW"], prefix: "/team/" });
  const loose = credentialsFromConfig(makeConfig({ geminiApiKey: [key] }), PROVIDER_KINDS).credentials[0];
  assert.ok(!loose.models.has("gemini-3-pro-preview"));
  assert.ok(!loose.models.has("team/gemini-3-pro-preview"));
  assert.deepEqual(loose.models.get("team/gemini-2.5-pro"), ["gemini-2.5-pro"]);
  assert.ok(loose.models.has("gemini-2.5-pro"));
  assert.equal(loose.prefix, "team");
  const forced = credentialsFromConfig(makeConfig({ geminiApiKey: [key], forceModelPrefix: true }), PROVIDER_KINDS)
    .credentials[0];
  assert.ok(!forced.models.has("gemini-2.5-pro"));
  assert.ok(forced.models.has("team/gemini-2.5-pro"));
});

test("buildCredential() keeps a given label; authIndex() and stateKey() are stable and change with the key", () => {
  const spec = {
    id: "claude-x.json",
    provider: "claude",
    kind: "claude" as const,
    apiKey: "sk-ant-oat-111111",
    label: "x@example.com",
  };
  const a = buildCredential(spec, false);
  assert.equal(a.label, "x@example.com");
  assert.match(authIndex(a), /^[0-9a-f]{16}$/);
  assert.equal(stateKey(a), stateKey(buildCredential(spec, false)));
  assert.notEqual(stateKey(a), stateKey(buildCredential({ ...spec, apiKey: "sk-ant-oat-222222" }, false)));
  assert.ok(!stateKey(a).includes(spec.apiKey));
});

test("stateKey() follows the upstream identity, not the list position", () => {
  const [a0] = credentialsFromConfig(
    makeConfig({ claudeApiKey: [providerKey("sk-ant-111111111111")] }),
    PROVIDER_KINDS,
  ).credentials;
  const [, a1] = credentialsFromConfig(
    makeConfig({ claudeApiKey: [providerKey("sk-ant-000000000000"), providerKey("sk-ant-111111111111")] }),
    PROVIDER_KINDS,
  ).credentials;
  assert.equal(stateKey(a0), stateKey(a1));
  assert.equal(stateKey(a0), stateKey(a0), "cached per object");
});

test("aliasedModels() renames listed catalog ids to their alias, keeps both with fork, and leaves others alone", () => {
  const config = makeConfig({
    oauthModelAlias: {
      claude: [
        { name: "claude-sonnet-4-5", alias: "sonnet", fork: false },
        { name: "claude-opus-4-5", alias: "opus", fork: true },
        { name: "claude-haiku-4-5", alias: "claude-haiku-4-5", fork: false },
      ],
    },
  });
  const entries = aliasedModels("claude", config) ?? [];
  assert.ok(entries.some((e) => e.alias === "sonnet" && e.name === "claude-sonnet-4-5"));
  assert.ok(!entries.some((e) => e.alias === "claude-sonnet-4-5"));
  assert.ok(entries.some((e) => e.alias === "opus") && entries.some((e) => e.alias === "claude-opus-4-5"));
  assert.ok(entries.some((e) => e.alias === "claude-haiku-4-5"));
  assert.ok(catalogFor("claude").every((m) => entries.some((e) => e.name === m.id)));
});
