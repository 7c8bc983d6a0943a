/**
 * The SDK compatibility suite (issue 6 acceptance): the official openai, @anthropic-ai/sdk and
 * @google/genai clients drive one cliproxy through every client dialect × every upstream kind,
 * streaming and not, each with a text answer and a tool call, and must parse every answer. One
 * cliproxy and four fakes are shared by all tests, so the whole table runs in a few seconds.
 */
import assert from "node:assert/strict";
import { after, before, describe, test, type TestContext } from "node:test";
import { providerKey } from "../../src/config/schema.ts";
import { startServer, type TestServer } from "../support/server.ts";
import { LIMITED_MODEL, PARALLEL_MODEL, startSdkFakes, type UpstreamKind } from "../support/sdk-fakes.ts";
import { DRIVERS, EXPECTED_FINISH, RATE_LIMIT_ERROR, type ClientKind } from "../support/sdk-clients.ts";

const CLIENT_KEY = "sk-sdk-suite";
const CLIENTS: ClientKind[] = ["openai-chat", "openai-responses", "anthropic", "gemini"];
const UPSTREAMS: UpstreamKind[] = ["claude", "openai", "codex", "gemini"];
/** The model each upstream serves, named as a user would name it. */
const MODEL: Record<UpstreamKind, string> = {
  claude: "claude-sonnet-4-6",
  openai: "llama-3.3-70b",
  codex: "gpt-5-codex",
  gemini: "gemini-2.5-flash",
};

/** Where each fake keeps the tool names it was sent, in its own dialect. */
function declaredTools(kind: UpstreamKind, body: any): string[] {
  const tools: any[] = Array.isArray(body?.tools) ? body.tools : [];
  if (kind === "gemini") return tools.flatMap((t) => t.functionDeclarations ?? []).map((d) => d.name);
  if (kind === "openai") return tools.map((t) => t.function?.name);
  // Codex: cliproxy adds the built-in image_generation tool (HEAD ensureImageGenerationTool); the client declared the named ones.
  return tools.filter((t) => t.type !== "image_generation").map((t) => t.name);
}

describe("SDK compatibility", () => {
  let fakes: Awaited<ReturnType<typeof startSdkFakes>>;
  let server: TestServer;
  const cleanups: Array<() => unknown> = [];

  before(async () => {
    fakes = await startSdkFakes();
    const t = { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;
    const model = (name: string) => [{ name, alias: "" }];
    server = await startServer(t, {
      apiKeys: [CLIENT_KEY],
      // Cooling off would turn the deliberate 429 into a cooldown answer for the tests after it.
      claudeApiKey: [
        providerKey("sk-ant-fake", {
          baseUrl: fakes.claude.url,
          models: [...model(MODEL.claude), ...model(LIMITED_MODEL)],
          disableCooling: true,
        }),
      ],
      codexApiKey: [providerKey("sk-codex-fake", { baseUrl: fakes.codex.url, models: model(MODEL.codex) })],
      geminiApiKey: [providerKey("AIza-fake", { baseUrl: fakes.gemini.url, models: model(MODEL.gemini) })],
      openaiCompatibility: [
        {
          name: "local",
          baseUrl: fakes.openai.url,
          apiKeyEntries: [{ apiKey: "sk-local-fake", proxyUrl: "" }],
          prefix: "",
          priority: 0,
          headers: {},
          disableCooling: false,
          models: [...model(MODEL.openai), ...model(PARALLEL_MODEL)],
        },
      ],
    });
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
    await fakes.close();
  });

  for (const client of CLIENTS) {
    for (const upstream of UPSTREAMS) {
      for (const stream of [false, true]) {
        const how = stream ? "streaming" : "non-streaming";
        test(`${client} SDK, ${how}, ${upstream} upstream: parses a text answer and a tool call`, async () => {
          const drive = { base: server.url, apiKey: CLIENT_KEY, model: MODEL[upstream], stream };
          const fake = fakes[upstream];

          const text = await DRIVERS[client]({ ...drive, tools: false });
          assert.equal(text.text, "Hello from cliproxy");
          assert.deepEqual(text.calls, []);
          assert.equal(text.finish, EXPECTED_FINISH[client].text);
          assert.ok((text.usage.input ?? 0) > 0, "input usage reported");
          assert.deepEqual(declaredTools(upstream, fake.requests.at(-1)!.json), []);

          const tool = await DRIVERS[client]({ ...drive, tools: true });
          assert.equal(tool.calls.length, 1);
          assert.equal(tool.calls[0].name, "get_weather");
          assert.deepEqual(tool.calls[0].args, { city: "Paris" });
          assert.equal(tool.text, "Checking.");
          assert.equal(tool.thinking, "Need the weather.");
          assert.equal(tool.finish, EXPECTED_FINISH[client].tool);
          assert.deepEqual(declaredTools(upstream, fake.requests.at(-1)!.json), ["get_weather"]);
        });
      }
    }
  }

  for (const client of CLIENTS) {
    test(`${client} SDK, streaming, openai upstream interleaving two parallel calls' argument pieces: gets both calls whole`, async () => {
      const out = await DRIVERS[client]({
        base: server.url,
        apiKey: CLIENT_KEY,
        model: PARALLEL_MODEL,
        stream: true,
        tools: true,
      });
      assert.deepEqual(
        out.calls.map((c) => c.args),
        [{ city: "Paris" }, { city: "Rome" }],
      );
      assert.equal(out.finish, EXPECTED_FINISH[client].tool);
    });
  }

  for (const client of CLIENTS) {
    for (const stream of [false, true]) {
      test(`${client} SDK, ${stream ? "streaming" : "non-streaming"}, claude upstream answering 429: raises the SDK's own rate-limit error with the message`, async () => {
        const call = DRIVERS[client]({
          base: server.url,
          apiKey: CLIENT_KEY,
          model: LIMITED_MODEL,
          stream,
          tools: false,
        });
        await assert.rejects(call, (err: Error & { status?: number }) => {
          assert.ok(err instanceof RATE_LIMIT_ERROR[client], `${err.constructor.name}: ${err.message}`);
          assert.equal(err.status, 429);
          assert.match(err.message, /Slow down, please/);
          return true;
        });
      });
    }
  }

  test("every request that reached the Codex fake carries the Codex profile (stream, store:false, encrypted reasoning, no sampling fields)", () => {
    assert.ok(fakes.codex.requests.length >= 16);
    for (const r of fakes.codex.requests) {
      assert.equal(r.json.stream, true);
      assert.equal(r.json.store, false);
      assert.deepEqual(r.json.include, ["reasoning.encrypted_content"]);
      assert.ok(Array.isArray(r.json.input), "input is an item list");
      for (const k of ["max_output_tokens", "temperature", "top_p", "user"]) assert.equal(k in r.json, false, k);
    }
  });
});
