/**
 * The README "Clients" examples, loaded: the Factory CLI config.json, the Codex CLI config.toml and
 * the Claude Code / Gemini CLI environment files under test/fixtures/clients/ are parsed, must name
 * models cliproxy serves, and each one's requests are sent to a real cliproxy (with fake upstreams)
 * the way that client would send them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { providerKey } from "../../src/config/schema.ts";
import { CATALOG, catalogModel } from "../../src/providers/catalog.ts";
import { parseModelSuffix } from "../../src/translate/thinking.ts";
import { startServer, type TestServer } from "../support/server.ts";
import { startSdkFakes } from "../support/sdk-fakes.ts";

const DIR = join(import.meta.dirname, "..", "fixtures", "clients");
const read = (name: string) => readFileSync(join(DIR, name), "utf8");
/** Where the examples say cliproxy listens (the default host and port). */
const EXAMPLE_ROOT = "http://127.0.0.1:8317";

/** A tiny reader for the TOML subset the example uses: `[a.b]` tables and `key = "string"` lines. */
function readToml(text: string): Record<string, Record<string, string>> {
  const tables: Record<string, Record<string, string>> = { "": {} };
  let current = tables[""];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const table = /^\[([A-Za-z0-9_.-]+)\]$/.exec(line);
    if (table) return void (current = tables[table[1]] ??= {});
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"$/.exec(line);
    assert.ok(kv, `line ${i + 1} is not a table or a string key: ${line}`);
    current[kv[1]] = kv[2];
  });
  return tables;
}

/** `KEY=value` lines, comments skipped. */
function readEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** True when cliproxy's catalog serves the model (a thinking suffix allowed). */
function served(model: string): boolean {
  return catalogModel(parseModelSuffix(model).model) !== undefined;
}

interface FactoryModel { model_display_name: string; model: string; base_url: string; api_key: string; provider: string; max_tokens: number }
const factory = JSON.parse(read("factory-config.json")) as { custom_models: FactoryModel[] };
const codex = readToml(read("codex-config.toml"));
const claudeCode = readEnv(read("claude-code.env"));
const geminiCli = readEnv(read("gemini-cli.env"));

test("the Factory example has one custom_models entry per catalog model, each naming a model cliproxy serves", () => {
  const models = factory.custom_models.map((m) => m.model);
  // The API-key catalogues (Vertex, Antigravity and Gemini CLI list their own names in HEAD's models.json).
  for (const p of ["claude", "gemini", "codex"]) for (const m of CATALOG[p]) assert.ok(models.includes(m.id), `no Factory entry for ${m.id}`);
  assert.equal(new Set(models).size, models.length, "no duplicate entries");
  for (const m of factory.custom_models) {
    assert.ok(served(m.model), `${m.model} is not served`);
    assert.equal(m.base_url, m.provider === "anthropic" ? EXAMPLE_ROOT : `${EXAMPLE_ROOT}/v1`, m.model);
    assert.ok(m.model_display_name.length > 0 && m.api_key.length > 0 && m.max_tokens > 0, m.model);
  }
});

test("the Factory example uses the anthropic, openai and generic-chat-completion-api provider kinds", () => {
  assert.deepEqual([...new Set(factory.custom_models.map((m) => m.provider))].sort(), ["anthropic", "generic-chat-completion-api", "openai"]);
});

test("the Codex CLI example selects a cliproxy provider on the Responses wire API, and its profiles name served models", () => {
  const top = codex[""];
  const provider = codex[`model_providers.${top.model_provider}`];
  assert.ok(provider, `no [model_providers.${top.model_provider}] table`);
  assert.equal(provider.wire_api, "responses");
  assert.equal(provider.base_url, `${EXAMPLE_ROOT}/v1`);
  assert.ok(provider.env_key);
  const profiles = Object.entries(codex).filter(([k]) => k.startsWith("profiles."));
  assert.ok(profiles.length > 0);
  for (const m of [top.model, ...profiles.map(([, p]) => p.model)]) assert.ok(served(m), `${m} is not served`);
  for (const [, p] of profiles) assert.equal(p.model_provider, top.model_provider);
});

test("the Claude Code and Gemini CLI examples point at cliproxy's root and name served models", () => {
  assert.equal(claudeCode.ANTHROPIC_BASE_URL, EXAMPLE_ROOT);
  assert.ok(served(claudeCode.ANTHROPIC_MODEL) && served(claudeCode.ANTHROPIC_DEFAULT_HAIKU_MODEL));
  assert.equal(geminiCli.GOOGLE_GEMINI_BASE_URL, EXAMPLE_ROOT);
  assert.ok(served(geminiCli.GEMINI_MODEL));
});

describe("the client examples, sent to a running cliproxy", () => {
  let server: TestServer;
  let fakes: Awaited<ReturnType<typeof startSdkFakes>>;
  const cleanups: Array<() => unknown> = [];
  const local = (url: string) => url.replace(EXAMPLE_ROOT, server.url);

  before(async () => {
    fakes = await startSdkFakes();
    const t = { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;
    // Credentials without a `models` list serve their provider's whole catalog.
    server = await startServer(t, {
      apiKeys: [...new Set([...factory.custom_models.map((m) => m.api_key), claudeCode.ANTHROPIC_AUTH_TOKEN, geminiCli.GEMINI_API_KEY, "change-me-1"])],
      claudeApiKey: [providerKey("sk-ant-fake", { baseUrl: fakes.claude.url })],
      codexApiKey: [providerKey("sk-codex-fake", { baseUrl: fakes.codex.url })],
      geminiApiKey: [providerKey("AIza-fake", { baseUrl: fakes.gemini.url })],
    });
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
    await fakes.close();
  });

  test("every Factory entry answers through its provider kind's API (Messages, Responses, Chat Completions)", async () => {
    for (const m of factory.custom_models) {
      const base = local(m.base_url);
      const res = m.provider === "anthropic"
        ? await fetch(`${base}/v1/messages`, { method: "POST", headers: { "x-api-key": m.api_key, "anthropic-version": "2023-06-01", "content-type": "application/json" }, body: JSON.stringify({ model: m.model, max_tokens: 64, messages: [{ role: "user", content: "hi" }] }) })
        : await fetch(`${base}/${m.provider === "openai" ? "responses" : "chat/completions"}`, {
          method: "POST", headers: { authorization: `Bearer ${m.api_key}`, "content-type": "application/json" },
          body: JSON.stringify(m.provider === "openai" ? { model: m.model, input: "hi" } : { model: m.model, messages: [{ role: "user", content: "hi" }] }),
        });
      assert.equal(res.status, 200, `${m.model}: ${await res.clone().text()}`);
      const body = (await res.json()) as { type?: string; object?: string };
      assert.equal(body.type ?? body.object, { anthropic: "message", openai: "response" }[m.provider] ?? "chat.completion", m.model);
    }
  });

  test("the Codex CLI example's provider streams Responses events for the default model and every profile", async () => {
    const provider = codex[`model_providers.${codex[""].model_provider}`];
    const models = [codex[""].model, ...Object.entries(codex).filter(([k]) => k.startsWith("profiles.")).map(([, p]) => p.model)];
    for (const model of models) {
      const res = await fetch(`${local(provider.base_url)}/responses`, {
        method: "POST", headers: { authorization: "Bearer change-me-1", "content-type": "application/json" },
        body: JSON.stringify({ model, instructions: "x", input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }], stream: true, store: false }),
      });
      assert.equal(res.status, 200, model);
      assert.match(await res.text(), /event: response\.completed/, model);
    }
  });

  test("the Claude Code and Gemini CLI examples reach their models through cliproxy", async () => {
    for (const model of [claudeCode.ANTHROPIC_MODEL, claudeCode.ANTHROPIC_DEFAULT_HAIKU_MODEL]) {
      const res = await fetch(`${local(claudeCode.ANTHROPIC_BASE_URL)}/v1/messages`, {
        method: "POST", headers: { authorization: `Bearer ${claudeCode.ANTHROPIC_AUTH_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ model, max_tokens: 64, stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(res.status, 200, model);
      assert.match(await res.text(), /event: message_stop/);
    }
    const res = await fetch(`${local(geminiCli.GOOGLE_GEMINI_BASE_URL)}/v1beta/models/${geminiCli.GEMINI_MODEL}:streamGenerateContent?alt=sse`, {
      method: "POST", headers: { "x-goog-api-key": geminiCli.GEMINI_API_KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /"finishReason":"STOP"/);
  });
});
