/** Every executor's builder reads the parsed body it is given instead of parsing the bytes again (hot path). */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { bodyJson } from "../../src/providers/executor.js";
import { buildClaudeRequest } from "../../src/providers/claude.js";
import { buildCodexRequest } from "../../src/providers/codex.js";
import { buildGeminiRequest } from "../../src/providers/gemini.js";
import { buildOpenAICompatRequest } from "../../src/providers/openai-compat.js";
import type { BuildInput, UpstreamCall } from "../../src/providers/executor.js";
import { cred, input } from "./support.js";

/** Runs a builder with `json` set and JSON.parse refusing to run, so any re-parse fails the test. */
function buildParsed(t: TestContext, build: (i: BuildInput) => UpstreamCall, i: BuildInput): UpstreamCall {
  const text = i.body.toString("utf8");
  const json = JSON.parse(text) as Record<string, unknown>;
  const real = JSON.parse;
  const parse = t.mock.method(JSON, "parse", (s: string, ...rest: []) => {
    if (s === text) throw new Error("the body was parsed again");
    return real(s, ...rest);
  });
  try {
    return build({ ...i, json });
  } finally {
    parse.mock.restore();
  }
}

test("executors build from the parsed body in their input without parsing the bytes again", (t) => {
  const claude = buildParsed(
    t,
    buildClaudeRequest,
    input(
      cred("claude"),
      { model: "claude-sonnet-4-5", betas: ["x-1"], messages: [] },
      { upstreamModel: "claude-sonnet-4-5" },
    ),
  );
  assert.deepEqual(JSON.parse(claude.body.toString()), {
    model: "claude-sonnet-4-5",
    messages: [],
    max_tokens: 64_000,
  });
  assert.match(claude.headers["anthropic-beta"], /x-1/);
  const compat = buildParsed(
    t,
    buildOpenAICompatRequest,
    input(cred("openai-compat"), { model: "m", stream: true, messages: [] }, { upstreamModel: "up" }),
  );
  assert.deepEqual(JSON.parse(compat.body.toString()), {
    stream_options: { include_usage: true },
    model: "up",
    stream: true,
    messages: [],
  });
  const codex = buildParsed(
    t,
    buildCodexRequest,
    input(cred("codex"), { model: "gpt-5", input: [], previous_response_id: "r" }, { upstreamModel: "gpt-5" }),
  );
  assert.deepEqual(JSON.parse(codex.body.toString()), {
    stream: true,
    instructions: "",
    tools: [{ type: "image_generation", output_format: "png" }],
    model: "gpt-5",
    input: [],
  });
  const gemini = buildParsed(
    t,
    buildGeminiRequest,
    input(
      cred("gemini"),
      { contents: [], generationConfig: { maxOutputTokens: 999_999 } },
      { upstreamModel: "gemini-2.5-pro" },
    ),
  );
  assert.deepEqual(JSON.parse(gemini.body.toString()), { contents: [], generationConfig: { maxOutputTokens: 65_536 } });
});

test("executors pass an unchanged same-dialect body through as the very same bytes", (t) => {
  const raw = {
    model: "claude-sonnet-4-5",
    max_tokens: 5,
    messages: [{ role: "user", content: "big 12345678901234567890" }],
  };
  const i = input(cred("claude"), raw, { upstreamModel: "claude-sonnet-4-5" });
  assert.equal(buildParsed(t, buildClaudeRequest, i).body, i.body);
  const g = input(
    cred("gemini"),
    { contents: [], generationConfig: { maxOutputTokens: 10 } },
    { upstreamModel: "gemini-2.5-pro" },
  );
  assert.equal(buildParsed(t, buildGeminiRequest, g).body, g.body);
});

test("bodyJson() parses the bytes when no parsed body is given, and gives undefined for a non-object", () => {
  assert.deepEqual(bodyJson({ body: Buffer.from('{"a":1}') }), { a: 1 });
  assert.equal(bodyJson({ body: Buffer.from("[1]") }), undefined);
  assert.equal(bodyJson({ body: Buffer.from("{") }), undefined);
});
