/**
 * The README "Clients" recipes, read out of README.md's marked blocks: the Factory settings.json, the Codex CLI
 * config.toml and profile files, the Claude Code and Gemini CLI environments and the SDK snippets must name
 * models cliproxy serves, and each one's requests are sent to a real cliproxy (with fake upstreams) the way that
 * client would send them; the SDK snippets run as written. test/clients/ runs the real CLIs on the same blocks.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { providerKey } from "../../src/config/schema.ts";
import { catalogModel } from "../../src/providers/catalog.ts";
import { parseModelName } from "../../src/translate/model-suffix.ts";
import { startServer, type TestServer } from "../support/server.ts";
import { startSdkFakes } from "../support/sdk-fakes.ts";
import { EXAMPLE_KEY, EXAMPLE_ROOT, readmeBlock, readmeBlocks, readmeShell } from "../support/readme.ts";

/** A tiny reader for the TOML subset the examples use: `[a.b]` tables and `key = "string"` or number lines. */
function readToml(
  text: string,
  into: Record<string, Record<string, string>> = { "": {} },
  table = "",
): Record<string, Record<string, string>> {
  let current = (into[table] ??= {});
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const t = /^\[([A-Za-z0-9_.-]+)\]$/.exec(line);
    if (t) return void (current = into[t[1]] ??= {});
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(?:"([^"]*)"|(\d+))$/.exec(line);
    assert.ok(kv, `line ${i + 1} is not a table, a string or a number: ${line}`);
    current[kv[1]] = kv[2] ?? kv[3];
  });
  return into;
}

/** True when cliproxy's catalog serves the model (a thinking suffix allowed). */
function served(model: string): boolean {
  return catalogModel(parseModelName(model).base) !== undefined;
}

interface FactoryModel {
  displayName: string;
  model: string;
  baseUrl: string;
  apiKey: string;
  provider: string;
  maxOutputTokens: number;
}
const factory = JSON.parse(readmeBlock("file", "~/.factory/settings.json")) as { customModels: FactoryModel[] };
// config.toml, plus each ~/.codex/<profile>.config.toml as the table profiles.<profile>
const codex = readToml(readmeBlock("file", "~/.codex/config.toml"));
for (const b of readmeBlocks().filter((b) => b.kind === "file" && /^~\/\.codex\/.+\.config\.toml$/.test(b.name))) {
  readToml(b.text, codex, `profiles.${/([^/]+)\.config\.toml$/.exec(b.name)![1]}`);
}
const claudeCode = readmeShell("claude-code").env;
const geminiCli = readmeShell("gemini-cli").env;

test("the Factory example's customModels name served models, each with its own display name and the right base URL", () => {
  const names = factory.customModels.map((m) => m.displayName);
  assert.equal(new Set(names).size, names.length, "no duplicate display names");
  for (const m of factory.customModels) {
    assert.ok(served(m.model), `${m.model} is not served`);
    assert.equal(m.baseUrl, m.provider === "anthropic" ? EXAMPLE_ROOT : `${EXAMPLE_ROOT}/v1`, m.model);
    assert.ok(m.displayName.length > 0 && m.apiKey === EXAMPLE_KEY && m.maxOutputTokens > 0, m.model);
  }
});

test("the Factory example uses the anthropic, openai and generic-chat-completion-api provider kinds", () => {
  assert.deepEqual([...new Set(factory.customModels.map((m) => m.provider))].sort(), [
    "anthropic",
    "generic-chat-completion-api",
    "openai",
  ]);
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
      apiKeys: [
        ...new Set([
          ...factory.customModels.map((m) => m.apiKey),
          claudeCode.ANTHROPIC_AUTH_TOKEN,
          geminiCli.GEMINI_API_KEY,
          EXAMPLE_KEY,
        ]),
      ],
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
    for (const m of factory.customModels) {
      const base = local(m.baseUrl);
      const res =
        m.provider === "anthropic"
          ? await fetch(`${base}/v1/messages`, {
              method: "POST",
              headers: { "x-api-key": m.apiKey, "anthropic-version": "2023-06-01", "content-type": "application/json" },
              body: JSON.stringify({ model: m.model, max_tokens: 64, messages: [{ role: "user", content: "hi" }] }),
            })
          : await fetch(`${base}/${m.provider === "openai" ? "responses" : "chat/completions"}`, {
              method: "POST",
              headers: { authorization: `Bearer ${m.apiKey}`, "content-type": "application/json" },
              body: JSON.stringify(
                m.provider === "openai"
                  ? { model: m.model, input: "hi" }
                  : { model: m.model, messages: [{ role: "user", content: "hi" }] },
              ),
            });
      assert.equal(res.status, 200, `${m.model}: ${await res.clone().text()}`);
      const body = (await res.json()) as { type?: string; object?: string };
      assert.equal(
        body.type ?? body.object,
        { anthropic: "message", openai: "response" }[m.provider] ?? "chat.completion",
        m.model,
      );
    }
  });

  test("the Codex CLI example's provider streams Responses events for the default model and every profile", async () => {
    const provider = codex[`model_providers.${codex[""].model_provider}`];
    const models = [
      codex[""].model,
      ...Object.entries(codex)
        .filter(([k]) => k.startsWith("profiles."))
        .map(([, p]) => p.model),
    ];
    for (const model of models) {
      const res = await fetch(`${local(provider.base_url)}/responses`, {
        method: "POST",
        headers: { authorization: "Bearer change-me-1", "content-type": "application/json" },
        body: JSON.stringify({
          model,
          instructions: "x",
          input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
          stream: true,
          store: false,
        }),
      });
      assert.equal(res.status, 200, model);
      assert.match(await res.text(), /event: response\.completed/, model);
    }
  });

  test("the Claude Code and Gemini CLI examples reach their models through cliproxy", async () => {
    for (const model of [claudeCode.ANTHROPIC_MODEL, claudeCode.ANTHROPIC_DEFAULT_HAIKU_MODEL]) {
      const res = await fetch(`${local(claudeCode.ANTHROPIC_BASE_URL)}/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${claudeCode.ANTHROPIC_AUTH_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ model, max_tokens: 64, stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(res.status, 200, model);
      assert.match(await res.text(), /event: message_stop/);
    }
    const res = await fetch(
      `${local(geminiCli.GOOGLE_GEMINI_BASE_URL)}/v1beta/models/${geminiCli.GEMINI_MODEL}:streamGenerateContent?alt=sse`,
      {
        method: "POST",
        headers: { "x-goog-api-key": geminiCli.GEMINI_API_KEY, "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
      },
    );
    assert.equal(res.status, 200);
    assert.match(await res.text(), /"finishReason":"STOP"/);
  });

  test("the README's SDK snippets run as written (imports resolved, address swapped) and print each answer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cliproxy-sdk-snippet-"));
    const snippets = readmeBlocks().filter((b) => b.kind === "sdk");
    assert.deepEqual(snippets.map((b) => b.name).sort(), ["anthropic", "google-genai", "openai"]);
    for (const b of snippets) {
      const code = local(b.text).replace(
        /from "([^"]+)"/g,
        (_m, spec: string) => `from ${JSON.stringify(import.meta.resolve(spec))}`,
      );
      const file = join(dir, `${b.name}.mjs`);
      writeFileSync(file, code);
      const { stdout } = await promisify(execFile)(process.execPath, [pathToFileURL(file).pathname], {
        cwd: dir,
        encoding: "utf8",
      });
      const lines = stdout.trim().split("\n");
      assert.ok(lines.length >= 1 && lines.every((l) => l === "Hello from cliproxy"), `${b.name}: ${stdout}`);
    }
  });
});
