import assert from "node:assert/strict";
import { test } from "node:test";
import { translateRequest } from "../../src/translate/hub.ts";

test("S36 a thinking suffix reaches Codex from a Responses client: reasoning effort set, the rest kept", () => {
  const out = translateRequest(
    "openai-responses",
    "codex",
    { model: "gpt-5-codex(high)", input: "hi", reasoning: { summary: "detailed" } },
    "gpt-5-codex(high)",
  );
  assert.equal(out.model, "gpt-5-codex");
  assert.deepEqual(out.reasoning, { effort: "high", summary: "detailed" });
  assert.deepEqual(out.input, [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }]);
});

test("S36 a same-dialect suffix changes only the thinking fields of an Anthropic body and keeps output_config's other settings", () => {
  const body = {
    model: "x",
    max_tokens: 100_000,
    messages: [{ role: "user", content: "hi" }],
    output_config: { format: { type: "json_schema" }, effort: "low" },
    metadata: { user_id: "u" },
    extra: 1,
  };
  const adaptive = translateRequest("anthropic", "anthropic", body, "claude-opus-4-6(max)");
  assert.deepEqual(adaptive.thinking, { type: "adaptive" });
  assert.deepEqual(adaptive.output_config, { format: { type: "json_schema" }, effort: "max" });
  assert.equal(adaptive.extra, 1);
  const off = translateRequest(
    "anthropic",
    "anthropic",
    { ...body, output_config: { effort: "low" } },
    "claude-opus-4-6(none)",
  );
  assert.deepEqual(off.thinking, { type: "disabled" });
  assert.equal(off.output_config, undefined);
  const budget = translateRequest("anthropic", "anthropic", body, "claude-sonnet-4-5(high)");
  assert.deepEqual(budget.thinking, { type: "enabled", budget_tokens: 24_576 });
  assert.equal(budget.model, "claude-sonnet-4-5");
});

test("S36 a same-dialect suffix sets Chat reasoning_effort and Gemini thinkingConfig without adding a model to the Gemini body", () => {
  const chat = translateRequest(
    "openai-chat",
    "openai-chat",
    { model: "m", messages: [], reasoning_effort: "low" },
    "gpt-5(high)",
  );
  assert.equal(chat.reasoning_effort, "high");
  const gem = translateRequest(
    "gemini",
    "gemini",
    { contents: [], generation_config: { temperature: 0.2, thinking_config: { thinking_budget: 5 } } },
    "gemini-2.5-pro(8192)",
  );
  assert.deepEqual(gem, {
    contents: [],
    generationConfig: { temperature: 0.2, thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } },
  });
});
