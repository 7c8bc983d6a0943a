import { test } from "node:test";
import assert from "node:assert/strict";
import { makeConfig, providerKey, type OpenAICompat } from "../../src/config/schema.js";
import { credentialsFromConfig } from "../../src/providers/credentials.js";
import { buildRegistry, closestNames, UNKNOWN_MODEL_CREATED } from "../../src/providers/registry.js";
import { CATALOG, catalogFor, catalogModel } from "../../src/providers/catalog.js";
import { makeRuntime } from "../routing/fixture.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

function compat(name: string, models: Array<[string, string]>, keys = 1): OpenAICompat {
  return {
    name,
    baseUrl: "http://127.0.0.1:9/v1",
    apiKeyEntries: Array.from({ length: keys }, (_, i) => ({ apiKey: `${name}-key-${i}-xxxxxxxx`, proxyUrl: "" })),
    models: models.map(([n, alias]) => ({ name: n, alias })),
    prefix: "",
    priority: 0,
    headers: {},
    disableCooling: false,
  };
}

test("the built-in catalog lists current Claude, Gemini and Codex ids with limits", () => {
  for (const id of [
    "claude-sonnet-4-5",
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-5-20251101",
    "claude-opus-4-7",
    "claude-opus-4-6",
    "claude-haiku-4-5-20251001",
    "claude-haiku-4-5",
  ]) {
    assert.ok(
      catalogFor("claude").some((m) => m.id === id),
      id,
    );
  }
  for (const id of [
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-3-pro-preview",
    "gemini-3.5-flash",
  ])
    assert.ok(
      catalogFor("gemini").some((m) => m.id === id),
      id,
    );
  for (const id of ["gpt-5", "gpt-5.2", "gpt-5.4", "gpt-5.5", "gpt-5-mini", "gpt-5-codex"])
    assert.ok(
      catalogFor("codex").some((m) => m.id === id),
      id,
    );
  // HEAD a7e3596b7 models.json: each Google backend its own list; Antigravity's includes its Claude names.
  assert.ok(catalogFor("vertex").some((m) => m.id === "gemini-3-pro"));
  assert.ok(catalogFor("antigravity").some((m) => m.id === "claude-opus-4-6-thinking"));
  assert.equal(catalogModel("claude-opus-4-8")?.maxOutputTokens, 128_000);
  assert.deepEqual(catalogFor("openrouter"), []);
  assert.equal(catalogModel("claude-sonnet-4-5")?.maxOutputTokens, 64_000);
  assert.equal(catalogModel("claude-sonnet-4-5")?.created, 1759104000);
  assert.equal(catalogModel("gpt-5")?.created, Date.parse("2025-08-07") / 1000);
  assert.equal(catalogModel("nope"), undefined);
});

test("amp PR-13: providersFor() orders providers by registered credentials, most first, ties by name", () => {
  const { credentials } = credentialsFromConfig(
    makeConfig({
      openaiCompatibility: [
        compat("zeta", [["m", "shared"]], 2),
        compat("beta", [["m", "shared"]], 1),
        compat("alpha", [["m", "shared"]], 1),
      ],
    }),
    PROVIDER_KINDS,
  );
  const reg = buildRegistry(credentials);
  assert.deepEqual(reg.providersFor("shared"), ["zeta", "alpha", "beta"]);
  assert.deepEqual(reg.providersFor("missing"), []);
  assert.equal(reg.credentialsFor("shared").length, 4);
});

test("listing info comes from the catalog for known upstream names and from the provider otherwise", () => {
  const { credentials } = credentialsFromConfig(
    makeConfig({
      claudeApiKey: [providerKey("sk-ant-111111111111", { models: [{ name: "claude-sonnet-4-5", alias: "sonnet" }] })],
      openaiCompatibility: [compat("local", [["llama-3", "fast"]])],
    }),
    PROVIDER_KINDS,
  );
  const reg = buildRegistry(credentials);
  assert.deepEqual(reg.ids(), ["fast", "sonnet"]);
  assert.deepEqual(reg.info("sonnet"), {
    id: "sonnet",
    ownedBy: "anthropic",
    created: catalogModel("claude-sonnet-4-5")!.created,
    displayName: "Claude 4.5 Sonnet",
    providers: ["claude"],
    source: "config",
  });
  assert.deepEqual(reg.info("fast"), {
    id: "fast",
    ownedBy: "local",
    created: UNKNOWN_MODEL_CREATED,
    displayName: "fast",
    providers: ["local"],
    source: "config",
  });
  assert.equal(reg.info("nope"), undefined);
});

test("providers §7.27 exclusion and prefix: the listing lacks A's *-preview ids and has team/gemini-2.5-pro, served only by B as gemini-2.5-pro", () => {
  const { rt } = makeRuntime({
    geminiApiKey: [
      providerKey("AIza-aaaaaaaaaaaa", { excludedModels: ["*-preview"] }),
      providerKey("AIza-bbbbbbbbbbbb", { prefix: "team" }),
    ],
  });
  const ids = rt.models().map((m) => m.id);
  assert.ok(ids.includes("team/gemini-2.5-pro"));
  assert.ok(ids.includes("gemini-3-pro-preview"), "B still serves the preview id");
  assert.deepEqual(
    rt.resolve("gemini-3-pro-preview")!.candidates.map((c) => c.apiKey),
    ["AIza-bbbbbbbbbbbb"],
  );
  const r = rt.resolve("team/gemini-2.5-pro")!;
  assert.deepEqual(
    r.candidates.map((c) => c.apiKey),
    ["AIza-bbbbbbbbbbbb"],
  );
  assert.deepEqual(r.candidates[0].models.get(r.model), ["gemini-2.5-pro"]);
  const excludedOnly = makeRuntime({
    geminiApiKey: [providerKey("AIza-aaaaaaaaaaaa", { excludedModels: ["*-preview"] })],
  });
  assert.ok(!excludedOnly.rt.models().some((m) => m.id.endsWith("-preview")));
});

test("closestNames() suggests near spellings and containing names, closest first, at most n", () => {
  const names = ["claude-sonnet-4-5", "claude-opus-4-5", "gemini-2.5-pro", "gpt-5", "gpt-5-mini", "gpt-5-codex"];
  assert.equal(closestNames("claude-sonet-4-5", names)[0], "claude-sonnet-4-5");
  assert.deepEqual(closestNames("gpt-5", names, 2), ["gpt-5", "gpt-5-mini"]);
  assert.deepEqual(closestNames("xyzzy-unknown", names), []);
  assert.deepEqual(closestNames("", names), []);
});
