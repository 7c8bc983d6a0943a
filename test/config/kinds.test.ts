import { test } from "node:test";
import assert from "node:assert/strict";
import { kindCounts, kindSecrets, listField, type KindTable } from "../../src/config/kinds.js";
import { makeConfig, providerKey } from "../../src/config/schema.js";

const TABLE: KindTable = {
  a: { provider: "alpha", list: { shape: "api-keys", key: "alpha-api-key" } },
  token: { provider: "token-only" },
  compat: { provider: "openai-compatibility", list: { shape: "openai-compatibility", key: "openai-compatibility" } },
  b: { provider: "beta", list: { shape: "api-keys", key: "beta-2-api-key" } },
};

const CONFIG = makeConfig({
  alphaApiKey: [providerKey("alpha-key-1"), providerKey("alpha-key-2")],
  beta2ApiKey: [],
  claudeApiKey: [providerKey("not-in-the-table")],
  openaiCompatibility: [
    {
      name: "up",
      baseUrl: "https://up.example",
      apiKeyEntries: [{ apiKey: "compat-key", proxyUrl: "" }],
      models: [],
      prefix: "",
      priority: 0,
      headers: {},
      disableCooling: false,
    },
  ],
});

test("listField() is the YAML key in camelCase", () => {
  assert.equal(listField("claude-api-key"), "claudeApiKey");
  assert.equal(listField("beta-2-api-key"), "beta2ApiKey");
});

test("kindSecrets() takes every entry's key of each list the table names, and only those", () => {
  assert.deepEqual(kindSecrets(CONFIG, TABLE), ["alpha-key-1", "alpha-key-2", "compat-key"]);
  assert.deepEqual(kindSecrets(CONFIG, {}), []);
});

test("kindCounts() counts each list in table order and leaves empty ones and token-only kinds out", () => {
  assert.deepEqual(kindCounts(CONFIG, TABLE), [
    ["alpha", 2],
    ["openai-compatibility", 1],
  ]);
});
